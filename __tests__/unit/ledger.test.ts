import { describe, expect, it } from '@jest/globals'
import {
  LEDGER_LABEL,
  allCommits,
  tallyLedger,
  classifyMerged,
  classifyPullRequest,
  ledgerSince,
  qualityVerdict,
  recognise,
  searchDay,
  withLedgerLabel,
  type ListedIssue
} from '../../src/domain/ledger.js'
import { prTrailer, type PrTrailer } from '../../src/domain/pr-text.js'
import { historyOutputs, rateOutput, renderLedger } from '../../src/domain/report-ledger.js'
import type { LedgerCommit, LedgerPullRequest } from '../../src/ports.js'
import { Ledger, type LedgerEntry } from '../../src/schemas/ledger.js'
import { fakeSha } from '../../test-support/sandbox/fake-github.js'

const NOW = new Date('2026-11-24T12:00:00Z')
const PREFIX = 'fix/sentry-'
const ACTION_EMAIL = 'bot@example.com'
const ACTION_COMMIT = fakeSha('action commit')

function trailer(partial: Partial<PrTrailer> = {}): PrTrailer {
  return {
    issue_id: '9001',
    short_id: 'SHOP-1',
    branch: 'fix/sentry-SHOP-1',
    run: 'https://github.com/acme/shop/actions/runs/1',
    action_sha: null,
    commit: ACTION_COMMIT,
    ...partial
  }
}

function pull(number: number, partial: Partial<LedgerPullRequest> = {}): LedgerPullRequest {
  return {
    number,
    url: `https://github.com/acme/shop/pull/${number}`,
    state: 'open',
    createdAt: '2026-11-01T00:00:00Z',
    closedAt: null,
    mergedAt: null,
    body: `Body of #${number}\n${prTrailer(trailer())}`,
    labels: ['automated-fix', LEDGER_LABEL],
    headRefName: null,
    commits: null,
    ...partial
  }
}

function merged(number: number, mergedAt = '2026-11-02T00:00:00Z'): LedgerPullRequest {
  return pull(number, { state: 'closed', closedAt: mergedAt, mergedAt })
}

const action: LedgerCommit = { sha: ACTION_COMMIT, authorEmail: ACTION_EMAIL }
const human = (seed: string, email = 'dev@acme.example'): LedgerCommit => ({
  sha: fakeSha(seed),
  authorEmail: email
})
const context = (listedIssues: ListedIssue[] = []) => ({ now: NOW, authorEmail: ACTION_EMAIL, listedIssues })

describe('marking and recognising the action PRs', () => {
  it('adds the marker label to the labels input once, whatever its case', () => {
    expect(withLedgerLabel(['sentry', 'automated-fix'])).toEqual(['sentry', 'automated-fix', LEDGER_LABEL])
    expect(withLedgerLabel(['Sentry-Codex-Triage', 'bug'])).toEqual(['Sentry-Codex-Triage', 'bug'])
    expect(withLedgerLabel([])).toEqual([LEDGER_LABEL])
  })

  it('recognises a PR with the label, a trailer and a branch of the prefix', () => {
    expect(recognise(pull(1), PREFIX)).toMatchObject({ kind: 'ours', trailer: trailer() })
  })

  it('ignores a PR without a trailer, even with the marker label', () => {
    const v = recognise(pull(1, { body: 'A human wrote this and added the label.' }), PREFIX)
    expect(v).toEqual({ kind: 'not-ours', reason: 'no readable trailer at the end of its body' })
    expect(recognise(pull(2, { body: null }), PREFIX).kind).toBe('not-ours')
  })

  it('ignores a PR whose trailer names a branch of another prefix (another workflow of the repository)', () => {
    const other = pull(1, { body: prTrailer(trailer({ branch: 'fix/web-SHOP-1' })) })
    const v = recognise(other, PREFIX)
    expect(v.kind).toBe('not-ours')
    expect(v.kind === 'not-ours' && v.reason).toContain('fix/sentry-<short id>')
  })

  it("ignores a PR whose head branch, where the search gives it, is not its trailer's branch", () => {
    expect(recognise(pull(1, { headRefName: 'fix/sentry-SHOP-1' }), PREFIX)).toMatchObject({
      kind: 'ours',
      trailer: trailer()
    })
    // a person reused the action's PR body on a branch of their own
    expect(recognise(pull(2, { headRefName: 'dana/guard-shop-1' }), PREFIX)).toEqual({
      kind: 'not-ours',
      reason: 'its head branch "dana/guard-shop-1" is not its trailer\'s "fix/sentry-SHOP-1"'
    })
  })

  it('ignores a PR without the marker label', () => {
    expect(recognise(pull(1, { labels: ['automated-fix'] }), PREFIX)).toEqual({
      kind: 'not-ours',
      reason: `no ${LEDGER_LABEL} label`
    })
  })

  it('derives the branch of a trailer written before the ledger, and refuses a short id no branch can hold', () => {
    const old = (shortId: string) =>
      `b\n<!-- sentry-codex-triage: {"issue_id":"1","short_id":"${shortId}","run":"r","action_sha":null} -->`
    const v = recognise(pull(1, { body: old('SHOP-7') }), PREFIX)
    expect(v).toMatchObject({
      kind: 'ours',
      trailer: {
        issue_id: '1',
        short_id: 'SHOP-7',
        branch: 'fix/sentry-SHOP-7',
        run: 'r',
        action_sha: null,
        commit: null
      }
    })
    expect(recognise(pull(2, { body: old('../main') }), PREFIX).kind).toBe('not-ours')
  })
})

describe('classifying a merged PR', () => {
  // GitHub lists the PR branch's commits whatever the merge method: a merge commit, a squash (one new commit on the
  // base) and a rebase merge (copies with new SHAs on the base) all leave the PR's own list as the action's commit.
  it.each(['merge commit', 'squash merge', 'rebase merge'])(
    'counts a %s of the action commit alone as merged unmodified',
    () => {
      expect(
        classifyPullRequest({ pr: merged(3), trailer: trailer(), commits: allCommits([action]) }, context())
      ).toEqual({
        class: 'merged-unmodified',
        number: 3,
        url: 'https://github.com/acme/shop/pull/3',
        short_id: 'SHOP-1',
        issue_id: '9001',
        created_at: '2026-11-01T00:00:00Z',
        merged_at: '2026-11-02T00:00:00Z',
        regressed: false,
        reproduced: null,
        cost_usd: null
      })
    }
  )

  it('counts a human commit on top as merged after changes, with the number of human commits', () => {
    const one = classifyPullRequest(
      { pr: merged(4), trailer: trailer(), commits: allCommits([action, human('h1')]) },
      context()
    )
    expect(one).toMatchObject({ class: 'merged-with-changes', human_commits: 1 })
    const two = classifyMerged(allCommits([action, human('h1'), human('h2')]), {
      commit: ACTION_COMMIT,
      authorEmail: ACTION_EMAIL
    })
    expect(two).toEqual({ kind: 'with-changes', humanCommits: 2 })
  })

  it('counts a rewritten action commit as a human change even when it keeps the action author', () => {
    const rewritten = { sha: fakeSha('amended'), authorEmail: ACTION_EMAIL }
    expect(
      classifyMerged(allCommits([rewritten]), { commit: ACTION_COMMIT, authorEmail: ACTION_EMAIL })
    ).toEqual({
      kind: 'with-changes',
      humanCommits: 1
    })
  })

  it('compares commit SHAs without regard to case', () => {
    const upper = { sha: ACTION_COMMIT.toUpperCase(), authorEmail: null }
    expect(classifyMerged(allCommits([upper]), { commit: ACTION_COMMIT, authorEmail: ACTION_EMAIL })).toEqual(
      {
        kind: 'unmodified'
      }
    )
  })

  it('falls back to the commit-author e-mail when the trailer has no commit SHA', () => {
    const noCommit = { commit: null, authorEmail: ACTION_EMAIL }
    const byAction = { sha: fakeSha('old action commit'), authorEmail: 'BOT@example.com' }
    expect(classifyMerged(allCommits([byAction]), noCommit)).toEqual({ kind: 'unmodified' })
    expect(classifyMerged(allCommits([byAction, human('h')]), noCommit)).toEqual({
      kind: 'with-changes',
      humanCommits: 1
    })
    expect(classifyMerged(allCommits([{ sha: fakeSha('x'), authorEmail: null }]), noCommit)).toEqual({
      kind: 'with-changes',
      humanCommits: 1
    })
  })

  it('flags a merged PR as regressed when its issue was seen after the merge', () => {
    const listed = [{ id: '9001', shortId: 'SHOP-1', lastSeen: '2026-11-20T00:00:00Z' }]
    const pr = classifyPullRequest(
      { pr: merged(5), trailer: trailer(), commits: allCommits([action]) },
      context(listed)
    )
    expect(pr).toMatchObject({ class: 'merged-unmodified', regressed: true })
  })

  it('does not flag it when the issue was last seen before the merge, or was not listed by this run', () => {
    const before = [{ id: '9001', shortId: 'SHOP-1', lastSeen: '2026-11-01T12:00:00Z' }]
    const other = [{ id: '9002', shortId: 'SHOP-2', lastSeen: '2026-11-20T00:00:00Z' }]
    const input = { pr: merged(5), trailer: trailer(), commits: allCommits([action]) }
    expect(classifyPullRequest(input, context(before)).regressed).toBe(false)
    expect(classifyPullRequest(input, context(other)).regressed).toBe(false)
  })

  // The GraphQL search gives a branch's commit count and its first two commits only.
  it('tells the action commit alone from the count and the first commits of a longer branch', () => {
    const sha = { commit: ACTION_COMMIT, authorEmail: ACTION_EMAIL }
    expect(classifyMerged({ total: 1, first: [action] }, sha)).toEqual({ kind: 'unmodified' })
    // a review commit on top, and then two more beyond the listed ones: every commit but the action's is human
    expect(classifyMerged({ total: 2, first: [action, human('h1')] }, sha)).toEqual({
      kind: 'with-changes',
      humanCommits: 1
    })
    expect(classifyMerged({ total: 4, first: [action, human('h1')] }, sha)).toEqual({
      kind: 'with-changes',
      humanCommits: 3
    })
    // the branch rebased by a person: the trailer's commit is gone, so all 3 are theirs
    expect(classifyMerged({ total: 3, first: [human('r1'), human('r2')] }, sha)).toEqual({
      kind: 'with-changes',
      humanCommits: 3
    })
    // an empty branch is not the action's unmodified fix
    expect(classifyMerged({ total: 0, first: [] }, sha)).toEqual({ kind: 'with-changes', humanCommits: 0 })
  })

  it('counts the commits beyond the listed ones as human under the commit-author e-mail fallback too', () => {
    const noCommit = { commit: null, authorEmail: ACTION_EMAIL }
    const byAction = { sha: fakeSha('old action commit'), authorEmail: ACTION_EMAIL }
    expect(classifyMerged({ total: 1, first: [byAction] }, noCommit)).toEqual({ kind: 'unmodified' })
    expect(classifyMerged({ total: 3, first: [byAction, human('h')] }, noCommit)).toEqual({
      kind: 'with-changes',
      humanCommits: 2
    })
  })

  it('classifies a merged PR from the commits the search gave with it, without a listing', () => {
    const withCommits = { ...merged(9), commits: { total: 3, first: [action, human('h1')] } }
    expect(classifyPullRequest({ pr: withCommits, trailer: trailer() }, context())).toMatchObject({
      class: 'merged-with-changes',
      human_commits: 2
    })
    const alone = { ...merged(10), commits: { total: 1, first: [action] } }
    expect(classifyPullRequest({ pr: alone, trailer: trailer() }, context())).toMatchObject({
      class: 'merged-unmodified'
    })
  })

  it('refuses to classify a merged PR without its commits', () => {
    expect(() => classifyPullRequest({ pr: merged(6), trailer: trailer() }, context())).toThrow(
      'pull request #6 is merged'
    )
  })
})

describe('classifying open and closed PRs', () => {
  it('reports an open PR with its age in whole days', () => {
    const pr = classifyPullRequest(
      { pr: pull(7, { createdAt: '2026-11-13T23:00:00Z' }), trailer: trailer() },
      context()
    )
    expect(pr).toEqual({
      class: 'open',
      number: 7,
      url: 'https://github.com/acme/shop/pull/7',
      short_id: 'SHOP-1',
      issue_id: '9001',
      created_at: '2026-11-13T23:00:00Z',
      age_days: 10,
      regressed: false,
      reproduced: null,
      cost_usd: null
    })
  })

  it("carries the trailer's reproduction verdict and cost into the ledger", () => {
    const pr = classifyPullRequest(
      {
        pr: merged(9),
        trailer: trailer({ reproduced: true, tokens: 1200, cost_usd: 0.042 }),
        commits: allCommits([action])
      },
      context()
    )
    expect(pr).toMatchObject({ class: 'merged-unmodified', reproduced: true, cost_usd: 0.042 })
  })

  it('reports a closed, unmerged PR as closed unmerged and never as regressed', () => {
    const listed = [{ id: '9001', shortId: 'SHOP-1', lastSeen: '2026-11-23T00:00:00Z' }]
    const closed = pull(8, { state: 'closed', closedAt: '2026-11-05T00:00:00Z' })
    expect(classifyPullRequest({ pr: closed, trailer: trailer() }, context(listed))).toMatchObject({
      class: 'closed-unmerged',
      closed_at: '2026-11-05T00:00:00Z',
      regressed: false
    })
  })
})

function ledgerOf(prs: LedgerEntry[]) {
  return tallyLedger({
    windowDays: 90,
    since: ledgerSince(NOW, 90),
    complete: true,
    githubRequests: 3,
    pullRequests: prs
  })
}

const base = {
  url: 'https://github.com/acme/shop/pull/1',
  short_id: 'S-1',
  issue_id: '1',
  regressed: false,
  reproduced: null,
  cost_usd: null
}
const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T00:00:00Z`
const unmodified = (n: number, regressed = false): LedgerEntry => ({
  class: 'merged-unmodified',
  ...base,
  number: n,
  created_at: at(n),
  merged_at: at(n + 1),
  regressed
})
const withChanges = (n: number, humanCommits: number): LedgerEntry => ({
  class: 'merged-with-changes',
  ...base,
  number: n,
  created_at: at(n),
  merged_at: at(n + 1),
  human_commits: humanCommits
})
const closedUnmerged = (n: number): LedgerEntry => ({
  class: 'closed-unmerged',
  ...base,
  number: n,
  created_at: at(n),
  closed_at: at(n + 1)
})
const open = (n: number, age: number): LedgerEntry => ({
  class: 'open',
  ...base,
  number: n,
  created_at: at(n),
  age_days: age
})

describe('the ledger by reproduction, and its cost per accepted fix', () => {
  const priced = (entry: LedgerEntry, reproduced: boolean | null, cost: number | null): LedgerEntry => ({
    ...entry,
    reproduced,
    cost_usd: cost
  })

  it('gives the merged-unmodified rate of reproduced, not reproduced and unknown fixes apart', () => {
    const ledger = ledgerOf([
      priced(unmodified(1), true, null),
      priced(unmodified(2), true, null),
      priced(withChanges(3, 1), true, null),
      priced(unmodified(4), false, null),
      priced(closedUnmerged(5), false, null),
      priced(closedUnmerged(6), false, null),
      priced(open(7, 2), false, null),
      unmodified(8)
    ])
    expect(ledger.merged_unmodified_rate_by_reproduction).toEqual({
      reproduced: { merged_unmodified: 2, closed: 3, rate: 2 / 3 },
      not_reproduced: { merged_unmodified: 1, closed: 3, rate: 1 / 3 },
      unknown: { merged_unmodified: 1, closed: 1, rate: 1 }
    })
  })

  it('divides what the priced PRs cost, failed ones included, by those of them merged unmodified', () => {
    const ledger = ledgerOf([
      priced(unmodified(1), true, 0.12),
      priced(unmodified(2), true, 0.3),
      priced(closedUnmerged(3), false, 0.2),
      priced(withChanges(4, 2), null, 0.1),
      priced(open(5, 1), null, 0.05),
      unmodified(6)
    ])
    expect(ledger.cost).toEqual({
      priced_prs: 5,
      total_usd: 0.77,
      merged_unmodified: 2,
      per_merged_unmodified_usd: 0.385
    })
  })

  it('shows both in the job summary, and neither for a ledger without verdicts or costs', () => {
    const md = renderLedger(
      ledgerOf([priced(unmodified(1), true, 0.12), priced(closedUnmerged(2), false, 0.3), unmodified(3)]),
      0.6
    )
    expect(md).toContain(
      'By the reproduction proof: reproduced 1 of 1 (100%), not reproduced 0 of 1 (0%), unknown 1 of 1 (100%) merged unmodified.'
    )
    expect(md).toContain('Cost: $0.42 over 2 priced PR(s); **$0.42 per fix merged unmodified**.')
    const plain = renderLedger(ledgerOf([unmodified(1)]), 0.6)
    expect(plain).not.toContain('By the reproduction proof')
    expect(plain).not.toContain('Cost:')
  })

  it('has no cost per accepted fix when no priced PR was merged unmodified, and none at all without prices', () => {
    expect(ledgerOf([priced(closedUnmerged(1), false, 0.2)]).cost).toEqual({
      priced_prs: 1,
      total_usd: 0.2,
      merged_unmodified: 0,
      per_merged_unmodified_usd: null
    })
    expect(ledgerOf([unmodified(1), unmodified(2)]).cost).toEqual({
      priced_prs: 0,
      total_usd: 0,
      merged_unmodified: 0,
      per_merged_unmodified_usd: null
    })
  })
})

describe('the ledger', () => {
  it('counts every class, sums human commits, counts regressed within merged, and lists newest first', () => {
    const ledger = ledgerOf([
      unmodified(1, true),
      withChanges(2, 2),
      open(9, 15),
      closedUnmerged(3),
      withChanges(4, 1),
      unmodified(5)
    ])
    expect(Ledger.parse(ledger)).toEqual(ledger)
    expect(ledger.counts).toEqual({
      open: 1,
      merged_unmodified: 2,
      merged_with_changes: 2,
      human_commits: 3,
      closed_unmerged: 1,
      regressed: 1
    })
    expect(ledger.merged_unmodified_rate).toEqual({ merged_unmodified: 2, closed: 5, rate: 0.4 })
    expect(ledger.pull_requests.map(p => p.number)).toEqual([9, 5, 4, 3, 2, 1])
    expect(ledger.since).toBe('2026-08-26T12:00:00.000Z')
    expect(ledger.github_requests).toBe(3)
  })

  it('has a null rate, never 0 or NaN, when no PR is closed', () => {
    const ledger = ledgerOf([open(1, 2), open(2, 3)])
    expect(ledger.merged_unmodified_rate).toEqual({ merged_unmodified: 0, closed: 0, rate: null })
    expect(historyOutputs(ledger)).toEqual({ 'merged-unmodified-rate': '', regressed: '0' })
  })

  it('searches from the day the window starts', () => {
    expect(searchDay(ledgerSince(NOW, 90))).toBe('2026-08-26')
  })
})

describe('the quality verdict', () => {
  it('says nothing below 5 closed PRs, however low the rate', () => {
    const four = ledgerOf([
      closedUnmerged(1),
      closedUnmerged(2),
      withChanges(3, 1),
      withChanges(4, 1),
      open(5, 1)
    ])
    expect(qualityVerdict(four, 0.6)).toEqual({ kind: 'too-few-closed', closed: 4, needed: 5 })
  })

  it('warns at 5 closed PRs below min-quality, saying what to do and which PRs to read', () => {
    const ledger = ledgerOf([
      unmodified(1),
      unmodified(2),
      withChanges(3, 2),
      withChanges(4, 1),
      closedUnmerged(5)
    ])
    const verdict = qualityVerdict(ledger, 0.6)
    expect(verdict.kind).toBe('low')
    if (verdict.kind !== 'low') return
    expect(verdict.rate).toBe(0.4)
    expect(verdict.message).toContain('2 of 5 closed fix PRs (40%)')
    expect(verdict.message).toContain('min-quality 0.6 (60%)')
    expect(verdict.message).toContain('human commits of the PRs merged after changes (#4, #3)')
    expect(verdict.message).toContain('`instructions`')
    expect(verdict.message).toContain('`max-changed-lines`')
  })

  it('does not warn when the rate reaches min-quality exactly', () => {
    const ledger = ledgerOf([
      unmodified(1),
      unmodified(2),
      unmodified(3),
      withChanges(4, 1),
      closedUnmerged(5)
    ])
    expect(qualityVerdict(ledger, 0.6)).toEqual({ kind: 'ok', rate: 0.6, minQuality: 0.6 })
  })
})

describe('the report', () => {
  it('renders a table of counts, the rate with its counts, open PR ages and regressed PRs', () => {
    const ledger = ledgerOf([
      unmodified(1, true),
      withChanges(2, 3),
      closedUnmerged(3),
      open(9, 1),
      open(8, 12)
    ])
    const md = renderLedger(ledger, 0.6)
    expect(md).toContain('| Open | 2 |')
    expect(md).toContain('| Merged unmodified | 1 |')
    expect(md).toContain('| Merged after human changes | 1 (3 human commits) |')
    expect(md).toContain('| Closed unmerged | 1 |')
    expect(md).toContain('| Regressed (merged, then the issue was seen again) | 1 |')
    expect(md).toContain('**1 of 3 closed (33%)**')
    expect(md).toContain('checked from 5 closed PRs')
    expect(md).toContain(
      'Open: [#9](https://github.com/acme/shop/pull/1) (1 day), [#8](https://github.com/acme/shop/pull/1) (12 days).'
    )
    expect(md).toContain('Regressed: [#1](https://github.com/acme/shop/pull/1) (S-1).')
    expect(md).not.toContain('%)**,')
  })

  it('shows the warning in the job summary when the rate is low', () => {
    const ledger = ledgerOf([
      unmodified(1),
      withChanges(2, 1),
      withChanges(3, 1),
      closedUnmerged(4),
      closedUnmerged(5)
    ])
    const md = renderLedger(ledger, 0.6)
    expect(md).toContain('**1 of 5 closed (20%)**, **below min-quality 60%**')
    expect(md).toContain('> [!WARNING]')
  })

  it('escapes a short id from a PR body', () => {
    const hostile = { ...unmodified(1, true), short_id: '<img src=x> @octocat | x' }
    const md = renderLedger(ledgerOf([hostile]), 0.6)
    expect(md).not.toContain('<img')
    expect(md).not.toContain('@octocat')
    expect(md).toContain('&lt;img src=x&gt; &#64;octocat &#124; x')
  })

  it('says so when the action opened no PR in the window', () => {
    expect(renderLedger(ledgerOf([]), 0.6)).toContain(
      'No pull request of the action was opened in the last 90 days.'
    )
  })

  it('writes the rate output as a short decimal and the regressed output as a count', () => {
    expect(rateOutput(0.5)).toBe('0.5')
    expect(rateOutput(2 / 3)).toBe('0.667')
    expect(rateOutput(1)).toBe('1')
    expect(rateOutput(0)).toBe('0')
    expect(historyOutputs(ledgerOf([unmodified(1, true), unmodified(2, true), withChanges(3, 1)]))).toEqual({
      'merged-unmodified-rate': '0.667',
      regressed: '2'
    })
    expect(historyOutputs(null)).toEqual({ 'merged-unmodified-rate': '', regressed: '' })
  })
})
