import { describe, expect, it } from '@jest/globals'
import {
  codeSpan,
  inertCell,
  inertText,
  markdownCell,
  markdownLink,
  safeUrl
} from '../../src/domain/markdown.js'
import { renderLedger } from '../../src/domain/report-ledger.js'
import { renderJobSummary, timeLine } from '../../src/domain/report-markdown.js'
import type { Ledger } from '../../src/schemas/ledger.js'
import type { TriageSummary } from '../../src/schemas/summary.js'

/** A job summary of one issue, with the Sentry permalink given. */
function summaryWith(permalink: string): string {
  const summary = {
    run: { mode: 'triage', release: null },
    sentry: { org: 'acme', projects: ['api'], environment: null, stats_period: '7d' },
    error: null,
    totals: { triaged: 1, prs_opened: 0, skipped: 0, failed: 0 },
    issues: [
      {
        short_id: 'API-1',
        permalink,
        title: 'Boom',
        events: 9,
        users: 2,
        disposition: 'triage-only',
        pull_request: null,
        existing_pull_request: null,
        reason: 'no agent'
      }
    ],
    usage: { model_requests: 0 },
    history: null
  } as unknown as TriageSummary
  return renderJobSummary(summary, { minQuality: 0.6 })
}

function historyWith(url: string): Ledger {
  return {
    window_days: 30,
    complete: true,
    counts: {
      open: 1,
      merged_unmodified: 0,
      merged_with_changes: 0,
      human_commits: 0,
      closed_unmerged: 0,
      regressed: 0
    },
    pull_requests: [{ number: 4, url, class: 'open', age_days: 2, regressed: false, short_id: 'API-1' }],
    merged_unmodified_rate: { merged_unmodified: 0, closed: 0, rate: null },
    merged_unmodified_rate_by_reproduction: {
      reproduced: { merged_unmodified: 0, closed: 0, rate: null },
      not_reproduced: { merged_unmodified: 0, closed: 0, rate: null },
      unknown: { merged_unmodified: 0, closed: 0, rate: null }
    },
    cost: { priced_prs: 0, total_usd: 0, merged_unmodified: 0, per_merged_unmodified_usd: null },
    github_requests: 1
  } as unknown as Ledger
}

describe('markdown escaping: one escaper, two surfaces', () => {
  it('escapes the same punctuation for the job summary and a PR body, as entities where GFM needs them', () => {
    expect(markdownCell('a | b <i> *x* [y] ~z~ `c` \\ _u_ & @me')).toBe(
      'a &#124; b &lt;i&gt; \\*x\\* \\[y\\] \\~z\\~ \\`c\\` \\\\ \\_u\\_ &amp; &#64;me'
    )
    expect(inertText('a | b <i> *x* [y] ~z~ `c` \\ _u_ & me@x', 200)).toBe(
      'a &#124; b &lt;i&gt; \\*x\\* \\[y\\] \\~z\\~ \\`c\\` \\\\ \\_u\\_ &amp; me&#64;x'
    )
  })

  it("escapes '$' and '!' in a PR body, and leaves the job summary's as they always were", () => {
    expect(inertText('costs $5 ! $x$', 50)).toBe('costs \\$5 \\! \\$x\\$')
    expect(markdownCell('costs $5 ! $x$')).toBe('costs $5 ! $x$')
  })

  it('puts references and mentions of a PR body in code spans, and only entity-escapes them in the job summary', () => {
    expect(inertText('see #12 and @octocat', 50)).toBe('see `#12` and `@octocat`')
    expect(markdownCell('see #12 and @octocat')).toBe('see \\#12 and &#64;octocat')
  })

  it('writes a dash for an empty cell on both surfaces', () => {
    expect(markdownCell(' \u200b ')).toBe('-')
    expect(inertCell(' \u200b ', 20)).toBe('-')
  })

  it('fences a code span longer than any backtick run inside it', () => {
    expect(codeSpan('npm test', 50)).toBe('`npm test`')
    expect(codeSpan('a``b', 50)).toBe('```a``b```')
    expect(codeSpan('`x', 50)).toBe('`` `x ``')
  })

  it('keeps a multi-line text verbatim in a code span when no cap is given (the prompt quotes test-command so)', () => {
    expect(codeSpan('npm ci &&\n  npm test', null)).toBe('`npm ci &&\n  npm test`')
    expect(codeSpan('npm ci &&\n  npm test', 50)).toBe('`npm ci && npm test`')
    expect(codeSpan('echo ``\nnpm test', null)).toBe('```echo ``\nnpm test```')
  })
})

describe('markdown links: one builder', () => {
  it('links only http(s) URLs, and writes the bare text otherwise', () => {
    expect(markdownLink('t', 'https://acme.sentry.io/issues/1/')).toBe(
      '[t](https://acme.sentry.io/issues/1/)'
    )
    expect(markdownLink('t', 'javascript:alert(1)')).toBe('t')
    expect(markdownLink('t', 'not a url')).toBe('t')
    expect(safeUrl('')).toBeNull()
  })

  it('percent-encodes what would end the target, and a pipe only where the link sits in a table cell', () => {
    expect(safeUrl('https://x/a)b (c)<d>')).toBe('https://x/a%29b%20%28c%29%3Cd%3E')
    expect(safeUrl('https://x/a|b')).toBe('https://x/a|b')
    expect(safeUrl('https://x/a|b', { cell: true })).toBe('https://x/a%7Cb')
  })

  // Bugs of the job summary's own link builder (encodeURI(decodeURI(url))), fixed by using the shared one.
  it('keeps a job summary whose permalink holds a stray percent sign (it threw URIError before)', () => {
    expect(summaryWith('https://acme.sentry.io/issues/1/?q=100%')).toContain(
      '| [API-1](https://acme.sentry.io/issues/1/?q=100%) |'
    )
  })

  it('does not encode an escape of the permalink twice (%3A became %253A)', () => {
    const permalink = 'https://acme.sentry.io/issues/1/?query=is%3Aunresolved'
    expect(summaryWith(permalink)).toContain(`| [API-1](${permalink}) |`)
  })

  it('encodes a parenthesis of a job summary link, which ended the link target early', () => {
    expect(summaryWith('https://x/a)b')).toContain('| [API-1](https://x/a%29b) |')
  })

  it('does not link a permalink that is not http(s)', () => {
    expect(summaryWith('javascript:alert(1)')).toContain('| API-1 |')
  })

  it("encodes a parenthesis of the ledger's PR links, which encodeURIComponent left as it was", () => {
    expect(renderLedger(historyWith('https://x/pull/4)x'), 0.6)).toContain(
      'Open: [#4](https://x/pull/4%29x) (2 days).'
    )
  })
})

describe("the job summary's time line", () => {
  const issue = (phases: TriageSummary['issues'][number]['phases']) =>
    ({ short_id: 'API-1', phases }) as TriageSummary['issues'][number]

  it('sums the issues’ phases and adds the run’s, in the order a run goes through them, on one line', () => {
    const line = timeLine({
      phases: { sentry_s: 0.4, dedup_s: 0.2, ledger_s: 0.3, publish_s: 0.1 },
      issues: [
        issue({
          worktree_s: 0.1,
          agent_s: 9,
          agent_start_s: 1.6,
          model: { turns: 5, total_s: 6.1 },
          tools: { calls: 4, total_s: 1.2 },
          tests_s: 2.1,
          reproduction_s: 1.9,
          policy_s: 0.1,
          push_s: 0.6,
          pr_s: 0.9
        }),
        issue(undefined), // skipped: never worked
        issue({
          worktree_s: 0.2,
          agent_s: 8,
          agent_start_s: 1.5,
          model: { turns: 4, total_s: 5.9 },
          tools: { calls: 3, total_s: 1 },
          tests_s: 1.9
        })
      ]
    })
    expect(line).toBe(
      'Time: Sentry 0.4 s · dedup 0.2 s · ledger 0.3 s · worktree 0.3 s · agent start 3.1 s · ' +
        'model 12.0 s (9 turns) · tools 2.2 s (7 calls) · tests 4.0 s · reproduction 1.9 s · policy 0.1 s · ' +
        'push 0.6 s · PR 0.9 s · publish 0.1 s'
    )
  })

  it('shows only the phases a run went through, and no line when none was measured', () => {
    expect(timeLine({ phases: { sentry_s: 1.2, dedup_s: 0 }, issues: [issue(undefined)] })).toBe(
      'Time: Sentry 1.2 s · dedup 0.0 s'
    )
    expect(timeLine({ issues: [issue({ model: { turns: 1, total_s: 1.5 } })] })).toBe(
      'Time: model 1.5 s (1 turn)'
    )
    expect(timeLine({ issues: [issue(undefined)] })).toBeNull()
    expect(summaryWith('https://x/1')).not.toContain('Time:')
  })

  it('puts the line in the job summary, before the fix-quality ledger', () => {
    const page = renderJobSummary(
      {
        run: { mode: 'triage', release: null },
        sentry: { org: 'acme', projects: ['api'], environment: null, stats_period: '7d' },
        error: null,
        totals: { triaged: 0, prs_opened: 0, skipped: 0, failed: 0 },
        issues: [],
        usage: { model_requests: 0 },
        history: historyWith('https://x/pull/4'),
        phases: { sentry_s: 0.4, ledger_s: 0.3 }
      } as unknown as TriageSummary,
      { minQuality: 0.6 }
    )
    expect(page).toContain('\nTime: Sentry 0.4 s · ledger 0.3 s\n')
    expect(page.indexOf('Time:')).toBeLessThan(page.indexOf('Fix quality'))
  })
})
