// Pure: the fix-quality ledger. Which pull requests are the action's, how each fared, the counts and the
// merged-unmodified rate, and whether that rate calls for a warning. No I/O: src/adapters/github-ledger.ts asks GitHub,
// src/stages/ledger.ts puts the two together.
//
// The action recognises its own PRs by three marks it always leaves: the marker label LEDGER_LABEL, the trailer at
// the end of the body (pr-text.ts: issue id, short id, branch, run, the action's version and the fix commit it
// pushed), and a branch named branch-prefix + short id. A PR without all three is not counted.
import type { LedgerCommit, LedgerPullRequest } from '../ports.js'
import type { Ledger, LedgerEntry, MergedUnmodifiedRate } from '../schemas/ledger.js'
import { fixBranch, shortIdOfBranch } from './branch.js'
import { readPrTrailer, type PrTrailer } from './pr-text.js'
import { costPerPrUsd, sumCostsUsd } from './cost.js'

/** Added to every PR the action opens, next to the `labels` input: the ledger finds the PRs by it. */
export const LEDGER_LABEL = 'sentry-codex-triage'
/** The low-quality warning needs at least this many closed PRs: fewer say nothing about the rate. */
export const MIN_CLOSED_FOR_VERDICT = 5

const DAY_MS = 86_400_000

/** The labels of a new PR: the `labels` input plus the marker label, without duplicates (GitHub ignores case). */
export function withLedgerLabel(labels: readonly string[]): string[] {
  const out: string[] = []
  for (const label of [...labels, LEDGER_LABEL]) {
    if (!out.some(l => l.toLowerCase() === label.toLowerCase())) out.push(label)
  }
  return out
}

/** The start of the window: `historyDays` whole days before now. */
export function ledgerSince(now: Date, historyDays: number): Date {
  return new Date(now.getTime() - historyDays * DAY_MS)
}

/** The day (UTC) a search for PRs created in the window starts at; the exact instant is checked after. */
export function searchDay(since: Date): string {
  return since.toISOString().slice(0, 10)
}

/** A rate as a person reads it: 0.666… -> "67%". */
export function percent(rate: number): string {
  return `${Math.round(rate * 100)}%`
}

// ---------------------------------------------------------------------------------------------------------------
// Recognising the action's PRs

/** The trailer of one of the action's PRs, with its branch known (read, or derived for an older trailer). */
export type OwnTrailer = PrTrailer & { branch: string }

export type Recognition = { kind: 'ours'; trailer: OwnTrailer } | { kind: 'not-ours'; reason: string }

/**
 * Whether a PR is one of the action's: it carries the marker label, its body ends with a readable trailer, and the
 * trailer's branch is branch-prefix + its short id (and the PR's head branch, where the search gives it). A trailer
 * written before the ledger has no branch: the branch is then derived from the short id, which must still be a valid
 * fix-branch tail. (A PR opened under another branch-prefix, by another workflow of the same repository, is that
 * workflow's, not this one's; a trailer copied into a PR of another branch is not the action's PR either.)
 */
export function recognise(pr: LedgerPullRequest, branchPrefix: string): Recognition {
  if (!pr.labels.some(l => l.toLowerCase() === LEDGER_LABEL)) {
    return { kind: 'not-ours', reason: `no ${LEDGER_LABEL} label` }
  }
  const trailer = pr.body === null ? null : readPrTrailer(pr.body)
  if (!trailer) return { kind: 'not-ours', reason: 'no readable trailer at the end of its body' }
  const branch = trailer.branch ?? fixBranch(branchPrefix, trailer.short_id)
  if (shortIdOfBranch(branchPrefix, branch) !== trailer.short_id) {
    return {
      kind: 'not-ours',
      reason: `its branch is not ${branchPrefix}<short id> for short id ${JSON.stringify(trailer.short_id)}`
    }
  }
  if (pr.headRefName !== null && pr.headRefName !== branch) {
    return {
      kind: 'not-ours',
      reason: `its head branch ${JSON.stringify(pr.headRefName)} is not its trailer's ${JSON.stringify(branch)}`
    }
  }
  return { kind: 'ours', trailer: { ...trailer, branch } }
}

// ---------------------------------------------------------------------------------------------------------------
// Classifying one PR

export type MergeVerdict = { kind: 'unmodified' } | { kind: 'with-changes'; humanCommits: number }

/** A PR branch's commits: how many there are, and the first ones, oldest first (all of them, or the first few). */
export type BranchCommits = NonNullable<LedgerPullRequest['commits']>

/** A complete commit list (a REST listing) as BranchCommits. */
export function allCommits(commits: readonly LedgerCommit[]): BranchCommits {
  return { total: commits.length, first: [...commits] }
}

/**
 * How a merged PR was merged, from the commits of its branch (GitHub lists the branch's commits whatever the merge
 * method, so a merge commit, a squash and a rebase merge all look the same here). Unmodified when every commit is the
 * action's: the one whose SHA the trailer names. A trailer without a commit SHA (written before the ledger) falls back
 * to the commit-author e-mail: commits authored with it are the action's. Every other commit is a human commit, a
 * merge of the base branch into the PR ("Update branch") included: it is a change the action did not make.
 *
 * Only the first commits need to be known: the action pushes one commit, first on its branch, so a commit beyond the
 * listed ones is never the action's. `total` counts them all: the human commits are total minus the listed action's.
 */
export function classifyMerged(
  commits: BranchCommits,
  action: { commit: string | null; authorEmail: string }
): MergeVerdict {
  const sha = action.commit?.toLowerCase() ?? null
  const email = action.authorEmail.toLowerCase()
  const isAction = (c: LedgerCommit): boolean =>
    sha !== null
      ? c.sha.toLowerCase() === sha
      : c.authorEmail !== null && c.authorEmail.toLowerCase() === email
  const total = Math.max(commits.total, commits.first.length)
  const humanCommits = total - commits.first.filter(isAction).length
  return total > 0 && humanCommits === 0 ? { kind: 'unmodified' } : { kind: 'with-changes', humanCommits }
}

/** An issue this run listed from Sentry. */
export interface ListedIssue {
  id: string
  shortId: string
  lastSeen: string
}

/**
 * Regressed: the PR merged, and its Sentry issue was seen after the merge. Only the issues this run listed are known
 * (an issue outside the triage window is not looked up): one that is not among them counts as not regressed.
 */
export function isRegressed(trailer: PrTrailer, mergedAt: string, listed: readonly ListedIssue[]): boolean {
  const issue =
    listed.find(i => i.id === trailer.issue_id) ?? listed.find(i => i.shortId === trailer.short_id)
  return issue !== undefined && Date.parse(issue.lastSeen) > Date.parse(mergedAt)
}

export interface ClassifyContext {
  now: Date
  /** the commit-author e-mail (settings.pr.author.email), for trailers without a commit SHA */
  authorEmail: string
  listedIssues: readonly ListedIssue[]
}

/**
 * One of the action's PRs as the ledger reports it. A merged PR needs its commits: the ones the search gave with it,
 * else `commits` (listed apart); the others need none.
 */
export function classifyPullRequest(
  input: { pr: LedgerPullRequest; trailer: PrTrailer; commits?: BranchCommits },
  context: ClassifyContext
): LedgerEntry {
  const { pr, trailer } = input
  const common = {
    number: pr.number,
    url: pr.url,
    short_id: trailer.short_id,
    issue_id: trailer.issue_id,
    created_at: pr.createdAt,
    reproduced: trailer.reproduced ?? null,
    cost_usd: trailer.cost_usd ?? null
  }
  if (pr.mergedAt !== null) {
    const commits = input.commits ?? pr.commits
    if (!commits)
      throw new Error(`pull request #${pr.number} is merged: its commits are needed to classify it`)
    const regressed = isRegressed(trailer, pr.mergedAt, context.listedIssues)
    const verdict = classifyMerged(commits, {
      commit: trailer.commit,
      authorEmail: context.authorEmail
    })
    return verdict.kind === 'unmodified'
      ? { class: 'merged-unmodified', ...common, regressed, merged_at: pr.mergedAt }
      : {
          class: 'merged-with-changes',
          ...common,
          regressed,
          merged_at: pr.mergedAt,
          human_commits: verdict.humanCommits
        }
  }
  if (pr.state === 'open') {
    const age = Math.floor((context.now.getTime() - Date.parse(pr.createdAt)) / DAY_MS)
    return { class: 'open', ...common, regressed: false, age_days: Math.max(0, age) }
  }
  return { class: 'closed-unmerged', ...common, regressed: false, closed_at: pr.closedAt ?? pr.createdAt }
}

// ---------------------------------------------------------------------------------------------------------------
// The ledger

/** merged_unmodified / closed, where closed = merged (both kinds) + closed unmerged; null when nothing closed. */
export function mergedUnmodifiedRate(counts: Ledger['counts']): MergedUnmodifiedRate {
  const closed = counts.merged_unmodified + counts.merged_with_changes + counts.closed_unmerged
  return {
    merged_unmodified: counts.merged_unmodified,
    closed,
    rate: closed === 0 ? null : counts.merged_unmodified / closed
  }
}

export function tallyLedger(input: {
  windowDays: number
  since: Date
  complete: boolean
  githubRequests: number
  pullRequests: readonly LedgerEntry[]
}): Ledger {
  const prs = [...input.pullRequests].sort(
    (a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.number - a.number
  )
  const counts: Ledger['counts'] = {
    open: 0,
    merged_unmodified: 0,
    merged_with_changes: 0,
    human_commits: 0,
    closed_unmerged: 0,
    regressed: 0
  }
  for (const pr of prs) {
    if (pr.regressed) counts.regressed++
    if (pr.class === 'open') counts.open++
    else if (pr.class === 'merged-unmodified') counts.merged_unmodified++
    else if (pr.class === 'closed-unmerged') counts.closed_unmerged++
    else {
      counts.merged_with_changes++
      counts.human_commits += pr.human_commits
    }
  }
  return {
    window_days: input.windowDays,
    since: input.since.toISOString(),
    complete: input.complete,
    pull_requests: prs,
    counts,
    merged_unmodified_rate: mergedUnmodifiedRate(counts),
    merged_unmodified_rate_by_reproduction: {
      reproduced: rateOf(prs.filter(pr => pr.reproduced === true)),
      not_reproduced: rateOf(prs.filter(pr => pr.reproduced === false)),
      unknown: rateOf(prs.filter(pr => pr.reproduced === null))
    },
    cost: costOf(prs),
    github_requests: input.githubRequests
  }
}

/** The merged-unmodified rate of some of the PRs. */
function rateOf(prs: readonly LedgerEntry[]): MergedUnmodifiedRate {
  const count = (cls: LedgerEntry['class']) => prs.filter(pr => pr.class === cls).length
  return mergedUnmodifiedRate({
    open: count('open'),
    merged_unmodified: count('merged-unmodified'),
    merged_with_changes: count('merged-with-changes'),
    human_commits: 0,
    closed_unmerged: count('closed-unmerged'),
    regressed: 0
  })
}

/**
 * The spend of the PRs whose trailer records a cost, per PR of them merged unmodified: what one accepted fix cost,
 * the failed and rejected ones paid for. Summed in micro-dollars, as the costs were rounded.
 */
function costOf(prs: readonly LedgerEntry[]): Ledger['cost'] {
  const priced = prs.filter(pr => pr.cost_usd !== null)
  const total = sumCostsUsd(priced.map(pr => pr.cost_usd ?? 0))
  const accepted = priced.filter(pr => pr.class === 'merged-unmodified').length
  return {
    priced_prs: priced.length,
    total_usd: total,
    merged_unmodified: accepted,
    per_merged_unmodified_usd: accepted === 0 ? null : costPerPrUsd(total, accepted)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The quality verdict

export type QualityVerdict =
  /** fewer than MIN_CLOSED_FOR_VERDICT closed PRs: the rate says nothing yet */
  | { kind: 'too-few-closed'; closed: number; needed: number }
  | { kind: 'ok'; rate: number; minQuality: number }
  /** the warning annotation to show */
  | { kind: 'low'; rate: number; minQuality: number; message: string }

/** Warns when at least MIN_CLOSED_FOR_VERDICT PRs are closed and the merged-unmodified rate is below min-quality. */
export function qualityVerdict(history: Ledger, minQuality: number): QualityVerdict {
  const { merged_unmodified, closed, rate } = history.merged_unmodified_rate
  if (closed < MIN_CLOSED_FOR_VERDICT || rate === null) {
    return { kind: 'too-few-closed', closed, needed: MIN_CLOSED_FOR_VERDICT }
  }
  if (rate >= minQuality) return { kind: 'ok', rate, minQuality }
  const changed = history.pull_requests
    .filter(pr => pr.class === 'merged-with-changes')
    .map(pr => `#${pr.number}`)
  const read =
    changed.length > 0
      ? `Read the human commits of the PRs merged after changes (${listed(changed, 10)}) to see what reviewers had to ` +
        'fix, then tighten the `instructions` input with what they show'
      : 'Read why reviewers closed the unmerged PRs, then tighten the `instructions` input with what they show'
  return {
    kind: 'low',
    rate,
    minQuality,
    message:
      `Fix quality is below min-quality ${minQuality} (${percent(minQuality)}): ${merged_unmodified} of ${closed} ` +
      `closed fix PRs (${percent(rate)}) in the last ${history.window_days} days were merged without human changes. ` +
      `${read}, and lower \`max-changed-lines\` so the agent attempts only small, contained fixes.`
  }
}

function listed(items: string[], max: number): string {
  return items.length <= max
    ? items.join(', ')
    : `${items.slice(0, max).join(', ')} and ${items.length - max} more`
}
