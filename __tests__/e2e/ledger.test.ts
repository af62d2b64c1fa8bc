// The fix-quality ledger, end to end: the bundled action as a process against a fake GitHub and a bare git remote seeded
// with twelve past PRs of the action, of every class, marked as land.ts marks them. One fix-mode run reports the ledger
// (summary, job summary, outputs, the low-quality warning) and works the regressed issue again; one triage-mode run
// then finds the PR the fix run opened in its own ledger and, with a lower min-quality, warns no more.
import { afterEach, describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { ROOT, type ActionRun } from '../../test-support/action-process.js'
import { agentHarness, createdPulls, dispositions, summaryOf } from '../../test-support/e2e-harness.js'
import { remoteBranches } from '../../test-support/sandbox/sandbox.js'
import { graphqlRequest } from '../../test-support/sandbox/fake-github.js'
import { seedActionPulls, type ActionPullSpec } from '../../test-support/sandbox/ledger-world.js'
import { LEDGER_LABEL } from '../../src/domain/ledger.js'
import { readPrTrailer } from '../../src/domain/pr-text.js'

const h = agentHarness({ mode: 'fix', 'max-prs': '1' })
afterEach(() => h.cleanup())

const ACTION_REF = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'
const PR = (n: number) => `https://github.com/acme/shop/pull/${n}`

/**
 * The twelve PRs of the action in the 90-day window (newest first: 111, 112, 104, 109, 107, 108, 106, 110, 105, 103,
 * 102, 101), and two the ledger must not count. API-12 is the triage scenario's top issue: its fix #104 merged ten days
 * ago, its branch is gone, and Sentry saw it an hour ago.
 *   open 2 · merged unmodified 5 · merged after human changes 3 (4 human commits) · closed unmerged 2 · regressed 1
 *   rate 5 of 10 closed = 0.5, below min-quality 0.6: a warning
 */
const SPECS: ActionPullSpec[] = [
  // before the window (100 days): not counted
  {
    number: 100,
    shortId: 'API-90',
    issueId: '7090',
    createdDaysAgo: 100,
    fate: { kind: 'merged', method: 'squash', mergedDaysAgo: 99 }
  },
  {
    number: 101,
    shortId: 'API-101',
    issueId: '7101',
    createdDaysAgo: 80,
    fate: { kind: 'merged', method: 'merge', mergedDaysAgo: 79 }
  },
  {
    number: 102,
    shortId: 'WEB-102',
    issueId: '7102',
    createdDaysAgo: 70,
    fate: { kind: 'merged', method: 'squash', mergedDaysAgo: 69 }
  },
  {
    number: 103,
    shortId: 'API-103',
    issueId: '7103',
    createdDaysAgo: 60,
    fate: { kind: 'merged', method: 'rebase', mergedDaysAgo: 58 }
  },
  // merged unmodified, and the issue recurred: regressed
  {
    number: 104,
    shortId: 'API-12',
    issueId: '7001',
    createdDaysAgo: 12,
    fate: { kind: 'merged', method: 'merge', mergedDaysAgo: 10 }
  },
  {
    number: 105,
    shortId: 'WEB-105',
    issueId: '7105',
    createdDaysAgo: 45,
    fate: { kind: 'merged', method: 'merge', mergedDaysAgo: 40, humanCommits: 1 }
  },
  // a review commit and an "Update branch" merge: two human commits
  {
    number: 106,
    shortId: 'API-106',
    issueId: '7106',
    createdDaysAgo: 40,
    fate: { kind: 'merged', method: 'merge', mergedDaysAgo: 30, humanCommits: 1, updateBranch: true }
  },
  // a human commit, then squashed: the PR still lists both commits
  {
    number: 107,
    shortId: 'WEB-107',
    issueId: '7107',
    createdDaysAgo: 25,
    fate: { kind: 'merged', method: 'squash', mergedDaysAgo: 24, humanCommits: 1 }
  },
  {
    number: 108,
    shortId: 'API-108',
    issueId: '7108',
    createdDaysAgo: 35,
    fate: { kind: 'closed', closedDaysAgo: 33 }
  },
  {
    number: 109,
    shortId: 'WEB-109',
    issueId: '7109',
    createdDaysAgo: 20,
    fate: { kind: 'closed', closedDaysAgo: 15 }
  },
  { number: 110, shortId: 'API-110', issueId: '7110', createdDaysAgo: 41, fate: { kind: 'open' } },
  { number: 111, shortId: 'WEB-111', issueId: '7111', createdDaysAgo: 3.5, fate: { kind: 'open' } },
  {
    number: 112,
    shortId: 'API-112',
    issueId: '7112',
    createdDaysAgo: 8,
    fate: { kind: 'merged', method: 'squash', mergedDaysAgo: 7 }
  },
  // a person's PR with the marker label added by hand and no trailer: not the action's
  {
    number: 113,
    shortId: 'API-113',
    issueId: '7113',
    createdDaysAgo: 5,
    fate: { kind: 'merged', method: 'merge', mergedDaysAgo: 4 },
    body: 'Hand-made fix; labelled like the bot so it shows up in the same list.'
  }
]
const MERGED_OURS = [101, 102, 103, 104, 105, 106, 107, 112]

const warnings = (run: ActionRun) =>
  run.log
    .split('\n')
    .filter(l => l.startsWith('::warning'))
    .map(l =>
      l
        .replace(/^::warning[^:]*::/, '')
        .replace(/%0D/g, '\r')
        .replace(/%0A/g, '\n')
        .replace(/%25/g, '%')
    )

async function schemaValidator() {
  const schema = JSON.parse(await readFile(path.join(ROOT, 'schemas/triage-summary.json'), 'utf8'))
  const ajv = new Ajv2020({ allErrors: true, strict: false })
  addFormats.default(ajv)
  return ajv.compile(schema)
}

describe('the fix-quality ledger, end to end', () => {
  it('reports twelve past PRs of every class, warns on a low rate, re-works the regressed issue, and counts its new PR next time', async () => {
    const s = await h.sandbox()
    const now = Date.now()
    s.github.world.pulls.push(...(await seedActionPulls(s.checkout, SPECS, now)))
    expect(Object.keys(await remoteBranches(s))).toEqual(
      expect.arrayContaining(['fix/sentry-API-110', 'fix/sentry-WEB-111'])
    )
    expect(await remoteBranches(s)).not.toHaveProperty('fix/sentry-API-12')

    // ---- mode fix: the ledger before any work, then API-12 worked again
    const fix = await h.run(s, {}, { GITHUB_ACTION_REF: ACTION_REF })
    expect(fix.errors).toEqual([])
    expect(fix.code).toBe(0)
    const summary = await summaryOf(fix)
    const validate = await schemaValidator()
    expect(validate.errors ?? validate(summary)).toBe(true)

    const history = summary.history!
    expect(history.counts).toEqual({
      open: 2,
      merged_unmodified: 5,
      merged_with_changes: 3,
      human_commits: 4,
      closed_unmerged: 2,
      regressed: 1
    })
    expect(history.merged_unmodified_rate).toEqual({ merged_unmodified: 5, closed: 10, rate: 0.5 })
    expect(history).toMatchObject({ window_days: 90, complete: true })
    expect(Date.parse(history.since)).toBeGreaterThanOrEqual(now - 90 * 86_400_000)
    expect(history.pull_requests.map(pr => [pr.number, pr.class])).toEqual([
      [111, 'open'],
      [112, 'merged-unmodified'],
      [104, 'merged-unmodified'],
      [109, 'closed-unmerged'],
      [107, 'merged-with-changes'],
      [108, 'closed-unmerged'],
      [106, 'merged-with-changes'],
      [110, 'open'],
      [105, 'merged-with-changes'],
      [103, 'merged-unmodified'],
      [102, 'merged-unmodified'],
      [101, 'merged-unmodified']
    ])
    const byNumber = new Map(history.pull_requests.map(pr => [pr.number, pr]))
    expect(byNumber.get(104)).toMatchObject({
      short_id: 'API-12',
      issue_id: '7001',
      regressed: true,
      url: PR(104)
    })
    expect(history.pull_requests.filter(pr => pr.regressed).map(pr => pr.number)).toEqual([104])
    expect(byNumber.get(111)).toMatchObject({ age_days: 3 })
    expect(byNumber.get(110)).toMatchObject({ age_days: 41 })
    expect(byNumber.get(106)).toMatchObject({ human_commits: 2 })
    expect(byNumber.get(105)).toMatchObject({ human_commits: 1 })
    expect(byNumber.get(107)).toMatchObject({ human_commits: 1 })

    // Its cost: one GraphQL search page, which brings each PR's commits along (their classes above prove it); no
    // REST search, no commits listing, nothing lists all PRs.
    const searches = s.github.requests.flatMap(r => graphqlRequest(r) ?? [])
    expect(searches).toHaveLength(1)
    expect(searches[0]!.variables.q).toMatch(
      new RegExp(`^repo:acme/shop is:pr label:${LEDGER_LABEL} created:>=\\d{4}-\\d{2}-\\d{2}$`)
    )
    expect(s.github.requests.filter(r => r.path === '/search/issues')).toEqual([])
    expect(s.github.requests.filter(r => /^\/repos\/acme\/shop\/pulls\/\d+\/commits$/.test(r.path))).toEqual(
      []
    )
    expect(
      history.pull_requests
        .filter(pr => pr.class.startsWith('merged'))
        .map(pr => pr.number)
        .sort()
    ).toEqual(MERGED_OURS)
    expect(history.github_requests).toBe(1)
    expect(
      s.github.requests.filter(
        r => r.method === 'GET' && r.path === '/repos/acme/shop/pulls' && !r.query.get('head')
      )
    ).toEqual([])

    // The job summary, the outputs, the warning annotation.
    const page = fix.stepSummary
    expect(page).toContain("### Fix quality: the action's PRs of the last 90 days")
    for (const row of [
      '| Open | 2 |',
      '| Merged unmodified | 5 |',
      '| Merged after human changes | 3 (4 human commits) |',
      '| Closed unmerged | 2 |',
      '| Regressed (merged, then the issue was seen again) | 1 |'
    ])
      expect(page).toContain(row)
    expect(page).toContain(
      'Merged without human changes: **5 of 10 closed (50%)**, **below min-quality 60%**.'
    )
    expect(page).toContain(`Open: [#111](${PR(111)}) (3 days), [#110](${PR(110)}) (41 days).`)
    expect(page).toContain(`Regressed: [#104](${PR(104)}) (API-12).`)
    expect(page).toContain('The ledger made 1 GitHub request.')
    expect(fix.outputs['merged-unmodified-rate']).toBe('0.5')
    expect(fix.outputs.regressed).toBe('1')
    const low = warnings(fix).filter(w => w.startsWith('Fix quality is below min-quality'))
    expect(low).toEqual([
      'Fix quality is below min-quality 0.6 (60%): 5 of 10 closed fix PRs (50%) in the last 90 days were merged ' +
        'without human changes. Read the human commits of the PRs merged after changes (#107, #106, #105) to see ' +
        'what reviewers had to fix, then tighten the `instructions` input with what they show, and lower ' +
        '`max-changed-lines` so the agent attempts only small, contained fixes.'
    ])
    expect(page).toContain('> [!WARNING]')

    // Acceptance 2: the regressed issue was worked again; its new PR says the earlier fix did not hold.
    expect(dispositions(summary)).toEqual({
      'API-12': 'pr-opened',
      'WEB-7': 'existing-pr',
      'API-31': 'fixed-not-recurred',
      'WEB-9': 'cap-reached',
      'API-40': 'below-threshold'
    })
    const pulls = createdPulls(s)
    expect(pulls).toHaveLength(1)
    const opened = pulls[0]!
    expect(opened.head).toBe('fix/sentry-API-12')
    expect(opened.body).toContain(
      `> An earlier fix, [#104](${PR(104)}), did not hold: the issue was seen again after it merged.`
    )
    // ... and carries the marks the next ledger recognises it by.
    const newPr = s.github.world.pulls.find(p => p.head.ref === 'fix/sentry-API-12' && p.state === 'open')!
    expect(newPr.labels).toContain(LEDGER_LABEL)
    expect(readPrTrailer(opened.body)).toEqual({
      issue_id: '7001',
      short_id: 'API-12',
      branch: 'fix/sentry-API-12',
      run: 'https://github.com/acme/shop/actions/runs/4242',
      action_sha: ACTION_REF,
      commit: (await remoteBranches(s))['fix/sentry-API-12'],
      // no test-command in this run: no reproduction run; no token-prices: no cost
      reproduced: null,
      tokens: expect.any(Number),
      cost_usd: null
    })

    // ---- mode triage, min-quality 0.3: the new PR is in the ledger (open), the rate is no longer low
    const triage = await h.run(s, { mode: 'triage', 'min-quality': '0.3' })
    expect(triage.errors).toEqual([])
    expect(triage.code).toBe(0)
    const again = (await summaryOf(triage)).history!
    expect(again.counts).toEqual({ ...history.counts, open: 3 })
    expect(again.pull_requests[0]).toMatchObject({
      number: newPr.number,
      class: 'open',
      short_id: 'API-12',
      issue_id: '7001',
      age_days: 0,
      regressed: false
    })
    expect(again.merged_unmodified_rate).toEqual({ merged_unmodified: 5, closed: 10, rate: 0.5 })
    expect(warnings(triage).filter(w => w.startsWith('Fix quality'))).toEqual([])
    expect(triage.stepSummary).toContain(
      'Merged without human changes: **5 of 10 closed (50%)**, at or above min-quality 30%.'
    )
    expect(triage.stepSummary).not.toContain('> [!WARNING]')
    expect(triage.stepSummary).toContain('| Open | 3 |')
    expect(triage.outputs).toMatchObject({ 'merged-unmodified-rate': '0.5', regressed: '1' })
  }, 180_000)
})
