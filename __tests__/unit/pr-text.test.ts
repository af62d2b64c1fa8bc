import { describe, expect, it } from '@jest/globals'
import type { SentryFixResult } from '../../src/schemas/agent-result.js'
import type { IssueFacts } from '../../src/schemas/summary.js'
import {
  PR_BODY_MAX,
  commitMessage,
  commitSubject,
  defuseClosingKeywords,
  prBody,
  prTitle,
  readPrTrailer,
  type PrBodyInput
} from '../../src/domain/pr-text.js'

const issue: IssueFacts = {
  id: '4521000',
  short_id: 'PAYMENTS-API-4521',
  project: 'payments-api',
  title: "TypeError: Cannot read properties of undefined (reading 'token')",
  culprit: 'charge(src/billing/charge.ts)',
  level: 'error',
  events: 1342,
  users: 87,
  first_seen: '2026-11-20T08:15:00Z',
  last_seen: '2026-11-24T09:30:00Z',
  permalink: 'https://acme.sentry.io/issues/4521000/'
}

const result: SentryFixResult = {
  status: 'fixed',
  summary: 'Guard against a missing card token in charge()',
  root_cause: 'charge() reads card.token without checking that the card was loaded.',
  confidence: 'high',
  files_changed: ['src/billing/charge.ts'],
  tests_run: 'npm test',
  tests_passed: true,
  notes: 'Added a regression test for a customer without a saved card.'
}

const RUN = 'https://github.com/acme/payments/actions/runs/99'
const COMMIT = 'c0ffee0000000000000000000000000000000001'
const BRANCH = 'fix/sentry-PAYMENTS-API-4521'

function input(overrides: Partial<PrBodyInput> = {}): PrBodyInput {
  return {
    issue,
    result,
    filesChanged: [
      { path: 'src/billing/charge.ts', additions: 4, deletions: 1 },
      { path: '__tests__/charge.test.ts', additions: 12, deletions: 0 }
    ],
    tests: { command: 'npm test', passed: true, attempts: 2, log_tail: 'Tests: 42 passed, 42 total' },
    regressedFrom: null,
    runUrl: RUN,
    actionSha: 'abc123def456',
    branch: BRANCH,
    commitSha: COMMIT,
    ...overrides
  }
}

/** Text outside fenced code blocks and code spans: where GitHub renders mentions, links, images and HTML. */
function rendered(body: string): string {
  return body.replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1$/gm, '').replace(/(`+)[^`]*?\1/g, '')
}

/**
 * What GitHub's reference filter may read outside code: the rendered text with its backslash escapes and entities
 * decoded (`\#181` and `&#35;181` are reported to still link, cmark-gfm issue 181: neither counts as protection).
 */
function decoded(body: string): string {
  return rendered(body)
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, '&')
}

/**
 * The GitHub references in a text, as GitHub links them (and posts backlinks for): #N with any owner/repo before it,
 * GH-N, owner@sha and owner/repo@sha, and a URL of an issue, pull request, discussion or commit on any host.
 */
function liveReferences(text: string): string[] {
  return (
    text.match(
      /#\d+|\bgh-\d+|\w@[0-9a-f]{7,40}|(?:https?:\/\/|www\.)[^\s/]+\/[^\s/]+\/[^\s/]+\/(?:issues|pulls?|discussions|commits?)\/\S*/gi
    ) ?? []
  )
}

const SHA = '0123456789abcdef0123456789abcdef01234567'
// Each reference GitHub would link, and its plain-text (commit message, PR title) form: a look-alike character.
const REFERENCES: Array<[reference: string, plain: string]> = [
  ['acme/other#2', 'acme/other\uff032'],
  ['acme#2', 'acme\uff032'],
  ['#12', '\uff0312'],
  ['GH-123', 'GH\u2011123'],
  ['gh-7', 'gh\u20117'],
  ['acme/other@1a2b3c4', 'acme/other\uff201a2b3c4'],
  [`acme/other@${SHA}`, `acme/other\uff20${SHA}`],
  ['acme@1a2b3c4', 'acme\uff201a2b3c4'],
  ['https://github.com/acme/other/issues/5', 'https\uff1a//github.com/acme/other/issues/5'],
  ['https://github.com/acme/other/pull/5', 'https\uff1a//github.com/acme/other/pull/5'],
  ['https://github.com/acme/other/discussions/5', 'https\uff1a//github.com/acme/other/discussions/5'],
  [`https://github.com/acme/other/commit/${SHA}`, `https\uff1a//github.com/acme/other/commit/${SHA}`],
  ['https://ghes.example.com/acme/other/issues/5', 'https\uff1a//ghes.example.com/acme/other/issues/5'],
  ['www.github.com/acme/other/pull/5', 'www\uff0egithub.com/acme/other/pull/5']
]

describe('commit message', () => {
  it('commitSubject_hasExactFormat', () => {
    expect(commitSubject({ shortId: 'PAYMENTS-API-4521', summary: 'Guard against a missing token' })).toBe(
      'fix: resolve PAYMENTS-API-4521 — Guard against a missing token'
    )
  })

  it('commitSubject_foldsModelSummaryToOneLineAndCapsAt100', () => {
    const subject = commitSubject({
      shortId: 'PAYMENTS-API-4521',
      summary: 'Guard\nagainst\u202e ' + 'x'.repeat(300)
    })
    expect(Array.from(subject)).toHaveLength(100)
    expect(subject).toMatch(/^fix: resolve PAYMENTS-API-4521 — Guard against x+…$/)
    expect(subject).not.toMatch(/[\n\u202e]/)
  })

  it('prTitle_isTheCommitSubject', () => {
    const title = prTitle({ shortId: 'PAYMENTS-API-4521', summary: 'y'.repeat(500) })
    expect(title).toBe(commitSubject({ shortId: 'PAYMENTS-API-4521', summary: 'y'.repeat(500) }))
    expect(Array.from(title).length).toBeLessThanOrEqual(100)
  })

  it('commitMessage_hasSubjectBlankLineCappedRootCauseAndSentryLinkButNoTrailer', () => {
    const message = commitMessage({
      shortId: 'PAYMENTS-API-4521',
      summary: 'Guard against a missing token',
      rootCause: 'word '.repeat(400) + '\nSigned-off-by: Mallory <m@example.com>',
      permalink: issue.permalink
    })
    const [subject, blank, ...rest] = message.split('\n')
    expect(subject).toBe('fix: resolve PAYMENTS-API-4521 — Guard against a missing token')
    expect(blank).toBe('')
    const [rootCause = '', link = ''] = rest.join('\n').trim().split('\n\n')
    expect(rest.join('\n').trim().split('\n\n')).toHaveLength(2)
    expect(rootCause.replace(/\n/g, ' ').length).toBeLessThanOrEqual(500)
    expect(rootCause.split('\n').every(line => line.length <= 72)).toBe(true)
    expect(link).toBe('Sentry issue PAYMENTS-API-4521 at https://acme.sentry.io/issues/4521000/')
    // git reads trailers only from the last paragraph, as `Token: value` with no space in the token.
    expect(link).not.toMatch(/^[\w-]+:/m)
  })

  it('commitMessage_modelTextCannotResolveAnotherSentryIssueOrCloseAGitHubIssue', () => {
    const message = commitMessage({
      shortId: 'PAYMENTS-API-4521',
      summary: 'Fixes BILLING-7',
      rootCause: 'This also resolves the crash in CHECKOUT-12 and closes #3.',
      permalink: issue.permalink
    })
    // Sentry's own patterns (getsentry/sentry): keyword, then a run of [A-Za-z0-9_\-\s,] holding short IDs.
    const fixes =
      /\b(?:Fix|Fixes|Fixed|Close|Closes|Closed|Resolve|Resolves|Resolved):?\s+([A-Za-z0-9_\-\s,]+)\b/gi
    const ids = [...message.matchAll(fixes)].flatMap(
      m => (m[1] ?? '').match(/\b[A-Z0-9_-]+-[A-Z0-9]+\b/gi) ?? []
    )
    expect(ids).toEqual(['PAYMENTS-API-4521'])
    expect(message).not.toMatch(/\bcloses:?\s+#\d/i)
  })

  it('commitMessage_modelTextMentionsNobody_butKeepsEmailAddresses', () => {
    const message = commitMessage({
      shortId: 'PAYMENTS-API-4521',
      summary: 'Guard the token @acme/security-team',
      rootCause: 'cc @octocat; reported by dev@shop.example',
      permalink: issue.permalink
    })
    expect(message).not.toMatch(/(^|[^\w])@[A-Za-z0-9]/m)
    expect(message).toContain('\uff20acme/security-team')
    expect(message).toContain('\uff20octocat')
    expect(message).toContain('dev@shop.example')
  })
})

describe('GitHub references in model and Sentry text', () => {
  it.each(REFERENCES)(
    'prTitle_modelSummaryHolding %s_linksNoIssuePullRequestOrCommit',
    (reference, plain) => {
      const title = prTitle({ shortId: 'API-1', summary: reference })
      expect(liveReferences(title)).toEqual([])
      expect(title).toBe(`fix: resolve API-1 — ${plain}`)
    }
  )

  it.each(REFERENCES)(
    'commitMessage_summaryAndRootCauseHolding %s_linkNoIssuePullRequestOrCommit',
    (reference, plain) => {
      const message = commitMessage({
        shortId: 'API-1',
        summary: reference,
        rootCause: `Caused by ${reference}.`,
        permalink: issue.permalink
      })
      expect(liveReferences(message)).toEqual([])
      const [subject, rootCause = ''] = message.split('\n\n')
      expect(subject).toBe(`fix: resolve API-1 — ${plain}`)
      expect(rootCause.replace(/\n/g, ' ')).toBe(`Caused by ${plain}.`)
    }
  )

  it.each(REFERENCES)('prBody_modelAndSentryTextHolding %s_showItOnlyInCodeSpans', reference => {
    const text = `See ${reference}.`
    const body = prBody(
      input({
        issue: { ...issue, title: text, culprit: text },
        result: { ...result, summary: text, root_cause: text, notes: text }
      })
    )
    expect(liveReferences(decoded(body.slice(0, body.lastIndexOf('<!-- sentry-codex-triage:'))))).toEqual([])
    expect(body.split(`See \`${reference}\`.`)).toHaveLength(6)
  })

  it('prBody_referencesNeutralised_actionsOwnLinksStillRender', () => {
    const permalink = 'https://sentry.io/organizations/acme/issues/4521000/'
    const run = 'https://ghes.example.com/acme/payments/actions/runs/99'
    const body = prBody(
      input({
        issue: { ...issue, permalink, title: 'see https://ghes.example.com/acme/other/pull/5' },
        result: { ...result, root_cause: 'like acme/other#2 and GH-3' },
        regressedFrom: { number: 17, url: 'https://ghes.example.com/acme/payments/pull/17' },
        runUrl: run
      })
    )
    const visible = rendered(body)
    expect(visible).toContain(`## Fix for Sentry issue [PAYMENTS-API-4521](${permalink})`)
    expect(visible).toContain(
      '> An earlier fix, [#17](https://ghes.example.com/acme/payments/pull/17), did not hold'
    )
    expect(visible).toContain(`Opened by [this workflow run](${run}).`)
    expect(body).toContain('> see `https://ghes.example.com/acme/other/pull/5`')
    expect(body).toContain('like `acme/other#2` and `GH-3`')
    expect(readPrTrailer(body)?.run).toBe(run)

    const message = commitMessage({ shortId: 'PAYMENTS-API-4521', summary: 'x', rootCause: 'y', permalink })
    expect(message.endsWith(`\n\nSentry issue PAYMENTS-API-4521 at ${permalink}\n`)).toBe(true)
  })

  it('prBody_referenceUrl_endsBeforeTrailingPunctuationAndAdjacentReferencesShareOneSpan', () => {
    const body = prBody(
      input({
        result: { ...result, root_cause: '(see https://github.com/acme/other/issues/5), #1#2 and C#3.' }
      })
    )
    expect(body).toContain('(see `https://github.com/acme/other/issues/5`), `#1#2` and `C#3`.')
  })

  it('prBody_ordinaryTextAndOtherUrls_stayProse', () => {
    const body = prBody(
      input({
        result: { ...result, root_cause: 'See https://example.com/docs/charge, mail dev@shop.example; a # b' }
      })
    )
    expect(body).toContain('See https://example.com/docs/charge, mail dev&#64;shop.example; a \\# b')
  })

  it('commitMessageAndPrBody_invisibleCharacterInsideAReferenceOrKeyword_cannotHideIt', () => {
    const hidden = 'acme/other#\u200b2 and @\u200boctocat; fixes\u200b OTHER-9'
    const message = commitMessage({ shortId: 'API-1', summary: hidden, rootCause: hidden, permalink: '' })
    expect(liveReferences(message)).toEqual([])
    expect(message).not.toMatch(/(^|[^\w])@\w/m)
    expect(message).not.toMatch(/\bfixes:?\s+OTHER-9/i)
    const body = prBody(input({ issue: { ...issue, title: hidden }, result: { ...result, summary: hidden } }))
    const visible = decoded(body.slice(0, body.lastIndexOf('<!-- sentry-codex-triage:')))
    expect(liveReferences(visible)).toEqual([])
    expect(visible).not.toMatch(/\bfixes:?\s+OTHER-9/i)
  })
})

describe('PR body', () => {
  it('prBody_normalFix_containsEveryRequiredPart', () => {
    const body = prBody(input())
    for (const part of [
      '## Fix for Sentry issue [PAYMENTS-API-4521](https://acme.sentry.io/issues/4521000/)',
      "> TypeError: Cannot read properties of undefined (reading 'token')",
      '> in charge(src/billing/charge.ts)',
      '| Project | Level | Events | Users | First seen | Last seen |',
      '| payments-api | error | 1342 | 87 | 2026-11-20 08:15 UTC | 2026-11-24 09:30 UTC |',
      '### Root cause',
      'charge() reads card.token without checking that the card was loaded.',
      '### What changed and why',
      '**Guard against a missing card token in charge()**',
      'Added a regression test for a customer without a saved card.',
      '### Files changed',
      '| src/billing/charge.ts | 4 | 1 |',
      '| \\_\\_tests\\_\\_/charge.test.ts | 12 | 0 |',
      '### Tests (as measured by the action)',
      '`npm test` ✅ **passed** (2 attempts).',
      '```text\nTests: 42 passed, 42 total\n```',
      'The agent reported `npm test`: passed (its own claim, not the measurement above).',
      '### Confidence',
      'The agent rates its confidence in this fix **high**.',
      'machine-generated',
      'needs human review',
      `Opened by [this workflow run](${RUN}).`
    ]) {
      expect(body).toContain(part)
    }
    expect(body).not.toContain('did not hold')
    expect(
      body.endsWith(
        '<!-- sentry-codex-triage: {"issue_id":"4521000","short_id":"PAYMENTS\\u002dAPI\\u002d4521",' +
          '"branch":"fix/sentry\\u002dPAYMENTS\\u002dAPI\\u002d4521",' +
          '"run":"https://github.com/acme/payments/actions/runs/99","action_sha":"abc123def456",' +
          `"commit":"${COMMIT}","reproduced":null,"tokens":null,"cost_usd":null} -->`
      )
    ).toBe(true)
    expect(readPrTrailer(body)).toEqual({
      issue_id: '4521000',
      short_id: 'PAYMENTS-API-4521',
      branch: BRANCH,
      run: RUN,
      action_sha: 'abc123def456',
      commit: COMMIT,
      reproduced: null,
      tokens: null,
      cost_usd: null
    })
  })

  it('prBody_reproduced_namesTheTestFilesAndTheTestsThatFailOnTheBase', () => {
    const body = prBody(
      input({
        reproduction: {
          reproduced: true,
          reason: 'r',
          test_files: ['test/discounts.test.js'],
          base: { exit_code: 1, timed_out: false, failing_tests: ['rejects an expired code @team'] }
        },
        spend: { tokens: 12_345, cost_usd: 0.0421 }
      })
    )
    expect(body).toContain(
      '**Reproduction** ✅ `test/discounts.test.js` fails without the fix (exit code 1: `rejects an expired code @team`) and passes with it.'
    )
    expect(readPrTrailer(body)).toMatchObject({ reproduced: true, tokens: 12_345, cost_usd: 0.0421 })
  })

  it('prBody_notReproducedOrUnknown_saysSo', () => {
    const passes = prBody(
      input({
        reproduction: {
          reproduced: false,
          reason: 'r',
          test_files: ['test/a.test.js', 'test/b.test.js'],
          base: { exit_code: 0, timed_out: false, failing_tests: [] }
        }
      })
    )
    expect(passes).toContain(
      '**Reproduction** ⚠️ `test/a.test.js`, `test/b.test.js` pass without the fix too: the test does not exercise the bug.'
    )
    expect(readPrTrailer(passes)?.reproduced).toBe(false)
    const none = prBody(
      input({
        reproduction: {
          reproduced: null,
          reason: 'the fix adds no test (no new or changed file under test-paths)',
          test_files: [],
          base: null
        }
      })
    )
    expect(none).toContain(
      '**Reproduction** not proven: the fix adds no test (no new or changed file under test-paths).'
    )
  })

  it('readPrTrailer_aReproducedOrCostOfTheWrongType_makesTheTrailerUnreadable', () => {
    const trailer = (extra: string) =>
      `body\n<!-- sentry-codex-triage: {"issue_id":"1","short_id":"A-1","run":"r","action_sha":null${extra}} -->`
    expect(readPrTrailer(trailer(',"reproduced":true,"tokens":5,"cost_usd":0.5'))).toMatchObject({
      reproduced: true,
      tokens: 5,
      cost_usd: 0.5
    })
    expect(readPrTrailer(trailer(',"reproduced":"yes"'))).toBeNull()
    expect(readPrTrailer(trailer(',"tokens":-1'))).toBeNull()
    expect(readPrTrailer(trailer(',"cost_usd":"0.5"'))).toBeNull()
  })

  it('prBody_failedTests_reportsFailureAndAttempts', () => {
    const body = prBody(input({ tests: { command: 'make test', passed: false, attempts: 1 } }))
    expect(body).toContain('`make test` ❌ **failed** (1 attempt).')
  })

  it('prBody_noTestCommand_saysNoneConfigured', () => {
    const body = prBody(input({ tests: null, result: { ...result, tests_run: null, tests_passed: null } }))
    expect(body).toContain('No `test-command` configured')
    expect(body).not.toContain('The agent reported')
  })

  it('prBody_regressedIssue_mentionsTheEarlierPr', () => {
    const body = prBody(
      input({ regressedFrom: { number: 17, url: 'https://github.com/acme/payments/pull/17' } })
    )
    expect(body).toContain(
      '> An earlier fix, [#17](https://github.com/acme/payments/pull/17), did not hold: the issue was seen again'
    )
  })

  it('prBody_hostileModelText_isNeutralisedAndCappedWithTrailerIntact', () => {
    const hostile =
      'Done <!-- hidden --> <details><summary>x</summary>secret</details> <img src=x onerror=alert(1)> ' +
      'ping @octocat and @acme/security-team, mail a@b.co ![](http://tracker.example/p.gif) ' +
      '[click](javascript:alert(1)) safe\u202etxt.exe\u200b `code` $$\\color{red}{x}$$\n## Fake heading\n---\n' +
      'Fixes #1, fixes OTHER-9'
    const evil: SentryFixResult = {
      ...result,
      summary: hostile,
      root_cause: hostile,
      notes: hostile + '\n' + '<b>@x</b> '.repeat(20_000) // ~200 KB
    }
    const evilIssue = { ...issue, title: hostile, culprit: hostile, level: '<img src=x>' }
    const body = prBody(
      input({
        issue: evilIssue,
        result: evil,
        tests: {
          command: 'npm test',
          passed: true,
          attempts: 1,
          log_tail: '@octocat <img src=x>\n```\n'.repeat(9_000)
        }
      })
    )
    expect(body.length).toBeLessThan(65_536)
    expect(body.length).toBeLessThanOrEqual(PR_BODY_MAX)
    expect(body).toContain('(truncated)')
    expect(readPrTrailer(body)?.issue_id).toBe('4521000')

    const visible = rendered(body.slice(0, body.lastIndexOf('<!-- sentry-codex-triage:')))
    // No raw HTML from the model: the only tags are the action's own.
    expect(visible).not.toContain('<!--')
    expect(visible).not.toMatch(/<(?!\/?(details|summary)>)[a-z!/]/i)
    expect(visible).not.toContain('<img')
    expect(visible).toContain('&lt;img src=x onerror=alert(1)&gt;')
    // No mention GitHub would render: every @name is inside a code span or an entity.
    expect(visible).not.toMatch(/(^|[^\w])@\w/m)
    expect(body).toContain('`@octocat`')
    expect(body).toContain('`@acme/security-team`')
    // No image or link from the model.
    expect(visible).not.toContain('![')
    expect(visible).not.toMatch(/(?<!\\)\]\((?!https:\/\/(acme\.sentry\.io|github\.com)\/)/)
    expect(visible).toContain('\\!\\[\\](http://tracker.example/p.gif)')
    // No bidi override or zero-width character, no math, no heading or setext underline.
    expect(body).not.toMatch(/[\u202e\u200b]/)
    expect(visible).toContain('\\$\\$')
    expect(visible).not.toMatch(/^#+ Fake/m)
    expect(visible).not.toMatch(/^-{3,}$/m)
    // Closing keywords defused.
    expect(body).not.toMatch(/\bfixes:?\s+#\d/i)
    expect(body).not.toMatch(/\bfixes OTHER-9/i)
  })

  it('prBody_hugeInputs_shortenedInStages_logTailFirstThenNotesThenFiles', () => {
    const bigLog = 'line of output\n'.repeat(20_000)
    const manyFiles = Array.from({ length: 3_000 }, (_, i) => ({
      path: `src/${'a|'.repeat(100)}file-${i}.ts`, // pipes escape to &#124;: 200 rows no longer fit
      additions: 1,
      deletions: 1
    }))
    const logOnly = prBody(
      input({ tests: { command: 'npm test', passed: true, attempts: 1, log_tail: bigLog } })
    )
    expect(logOnly).toContain('*(truncated)*')
    expect(logOnly).toContain('Added a regression test') // notes untouched

    const all = prBody(
      input({
        result: { ...result, notes: 'n'.repeat(200_000) },
        filesChanged: manyFiles,
        tests: { command: 'npm test', passed: true, attempts: 1, log_tail: bigLog }
      })
    )
    expect(all.length).toBeLessThanOrEqual(PR_BODY_MAX)
    expect(all).toContain('Test output omitted *(truncated)*')
    expect(all).toMatch(/n{400,500}…\n\n\*\(truncated\)\*/)
    expect(all).toMatch(/\| … \d+ more \*\(truncated\)\* \|/)
    expect(readPrTrailer(all)?.short_id).toBe('PAYMENTS-API-4521')
  })

  it('prBody_trailer_cannotBeClosedByItsValues', () => {
    const body = prBody(input({ issue: { ...issue, short_id: 'X --> <b>', id: '1' }, actionSha: null }))
    const trailer = body.slice(body.lastIndexOf('<!-- sentry-codex-triage:'))
    expect(trailer.match(/-->/g)).toHaveLength(1)
    expect(readPrTrailer(body)).toEqual({
      issue_id: '1',
      short_id: 'X --> <b>',
      branch: BRANCH,
      run: RUN,
      action_sha: null,
      commit: COMMIT,
      reproduced: null,
      tokens: null,
      cost_usd: null
    })
  })

  it('readPrTrailer_trailerWrittenBeforeTheLedger_readsWithoutBranchAndCommit', () => {
    const old =
      'Some body\n\n<!-- sentry-codex-triage: {"issue_id":"4521000","short_id":"PAYMENTS\\u002dAPI\\u002d4521",' +
      '"run":"https://github.com/acme/payments/actions/runs/7","action_sha":null} -->'
    expect(readPrTrailer(old)).toEqual({
      issue_id: '4521000',
      short_id: 'PAYMENTS-API-4521',
      branch: null,
      run: 'https://github.com/acme/payments/actions/runs/7',
      action_sha: null,
      commit: null,
      reproduced: null,
      tokens: null,
      cost_usd: null
    })
  })

  it('readPrTrailer_aFieldOfTheWrongType_makesTheTrailerUnreadable', () => {
    const trailer = (extra: string) =>
      `body\n<!-- sentry-codex-triage: {"issue_id":"1","short_id":"A-1","run":"r","action_sha":null${extra}} -->`
    expect(readPrTrailer(trailer(',"commit":42'))).toBeNull()
    expect(readPrTrailer(trailer(',"branch":["fix/sentry-A-1"]'))).toBeNull()
    expect(readPrTrailer(trailer(',"commit":null,"branch":null'))).toMatchObject({
      commit: null,
      branch: null
    })
    expect(readPrTrailer('body\n<!-- sentry-codex-triage: [1] -->')).toBeNull()
  })

  it('prBody_withoutAPushedCommit_writesCommitNull', () => {
    expect(readPrTrailer(prBody(input({ commitSha: null })))?.commit).toBeNull()
  })

  it('defuseClosingKeywords_leavesOrdinaryProseAlone', () => {
    expect(defuseClosingKeywords('We fix the null pointer in charge().')).toBe(
      'We fix the null pointer in charge().'
    )
    expect(defuseClosingKeywords('closes #12')).toBe('closes issue #12')
  })
})
