import { describe, expect, it } from '@jest/globals'
import { buildSummary, summariseIssues, ZERO_USAGE } from '../../src/domain/summary.js'
import { renderJobSummary } from '../../src/domain/report-markdown.js'
import { selectIssues } from '../../src/domain/select.js'
import { TriageSummary } from '../../src/schemas/summary.js'
import { issue, pr, state } from '../../test-support/domain-builders.js'
import { tallyLedger } from '../../src/domain/ledger.js'

function sample() {
  const selection = selectIssues({
    issues: [
      issue('API-1', { id: '1', events: 90, title: 'Boom <!-- hide --> @team' }),
      issue('API-2', { id: '2', events: 80 }),
      issue('API-3', { id: '3', events: 1 })
    ],
    fixStates: new Map([['API-2', state('fix/sentry-API-2', { pullRequests: [pr(3)] })]]),
    minEvents: 5,
    statsPeriod: '7d',
    branchPrefix: 'fix/sentry-',
    historyDays: 90,
    now: new Date('2026-11-27T00:00:00Z')
  })
  const issues = summariseIssues(selection, new Map(), () => ({
    disposition: 'triage-only',
    reason: 'no agent'
  }))
  return buildSummary({
    run: {
      repository: 'acme/shop',
      run_id: '42',
      run_url: 'https://github.com/acme/shop/actions/runs/42',
      event: 'schedule',
      mode: 'triage',
      started_at: '2026-11-27T09:00:00.000Z',
      finished_at: '2026-11-27T09:00:05.000Z',
      release: null
    },
    sentry: {
      host: 'sentry.io',
      org: 'acme',
      projects: ['api'],
      query: 'is:unresolved',
      environment: 'production',
      stats_period: '7d'
    },
    limits: { top: 5, analyze_top: 3, max_prs: 2, min_events: 5 },
    issues,
    usage: ZERO_USAGE,
    prices: null,
    history: null,
    error: null
  })
}

describe('triage summary', () => {
  it('counts dedup and threshold skips, and validates against its own schema', () => {
    const summary = sample()
    expect(summary.totals).toEqual({ triaged: 3, prs_opened: 0, skipped: 2, failed: 0 })
    expect(summary.issues.map(i => i.disposition)).toEqual(['triage-only', 'existing-pr', 'below-threshold'])
    expect(summary.issues[1]!.existing_pull_request).toEqual({
      number: 3,
      url: 'https://github.com/acme/shop/pull/3',
      state: 'open'
    })
    expect(TriageSummary.safeParse(summary).success).toBe(true)
  })

  it('renders a job summary table with links and no raw markup from Sentry', () => {
    const md = renderJobSummary(sample(), { minQuality: 0.6 })
    expect(md).toContain('| [API-1](https://acme.sentry.io/issues/API-1/) |')
    expect(md).toContain('[#3](https://github.com/acme/shop/pull/3)')
    expect(md).toContain('**3** triaged')
    expect(md).not.toContain('<!--')
    expect(md).not.toMatch(/@team/)
  })

  it('ends with the fix-quality ledger when the run built one, held against min-quality', () => {
    expect(renderJobSummary(sample(), { minQuality: 0.6 })).not.toContain('Fix quality')
    const history = tallyLedger({
      windowDays: 30,
      since: new Date('2026-10-28T09:00:00Z'),
      complete: true,
      githubRequests: 1,
      pullRequests: [
        {
          class: 'closed-unmerged',
          number: 7,
          url: 'https://github.com/acme/shop/pull/7',
          short_id: 'API-7',
          issue_id: '7',
          created_at: '2026-11-01T00:00:00Z',
          regressed: false,
          reproduced: null,
          cost_usd: null,
          closed_at: '2026-11-02T00:00:00Z'
        }
      ]
    })
    const md = renderJobSummary({ ...sample(), history }, { minQuality: 0.75 })
    expect(md).toMatch(/\n### Fix quality: the action's PRs of the last 30 days\n/)
    expect(md).toContain('| Closed unmerged | 1 |')
    expect(md).toContain('**0 of 1 closed (0%)** (min-quality 75% is checked from 5 closed PRs)')
    expect(md.indexOf('### Fix quality')).toBeGreaterThan(md.indexOf('| Issue |'))
  })

  it('carries the run’s phases when any ran, and validates with them and an issue’s', () => {
    expect(sample()).not.toHaveProperty('phases')
    const summary = buildSummary({
      ...inputsOf(sample()),
      issues: sample().issues.map((issue, i) =>
        i === 0 ? { ...issue, phases: { worktree_s: 0.1, model: { turns: 3, total_s: 4.5 } } } : issue
      ),
      phases: { sentry_s: 0.4, dedup_s: 0.2 }
    })
    expect(summary.phases).toEqual({ sentry_s: 0.4, dedup_s: 0.2 })
    expect(TriageSummary.safeParse(summary).success).toBe(true)
    expect(TriageSummary.safeParse({ ...summary, phases: { sentry_s: -1 } }).success).toBe(false)
    expect(TriageSummary.safeParse({ ...summary, phases: { lunch_s: 1 } }).success).toBe(false)
  })

  it('shows a set-up failure prominently', () => {
    const summary = { ...sample(), issues: [], error: 'Sentry rejected sentry-token (401)' }
    expect(renderJobSummary(summary, { minQuality: 0.6 })).toContain('> [!CAUTION]')
  })
})

/** The inputs buildSummary was given for a summary. */
function inputsOf(summary: TriageSummary): Parameters<typeof buildSummary>[0] {
  return {
    run: summary.run,
    sentry: summary.sentry,
    limits: summary.limits,
    issues: summary.issues,
    usage: ZERO_USAGE,
    prices: null,
    history: null,
    error: null
  }
}
