// Pure selection: which listed Sentry issues are triaged, which already have a fix in flight, and which are worked.
import { fixBranch } from './branch.js'
import type { FixState, SentryIssue } from './types.js'
import type { PlanIssue } from '../schemas/handoff.js'
import type { ExistingPullRequest, SkipDisposition } from '../schemas/summary.js'
import { toIssueFacts } from './facts.js'

export interface SelectionLimits {
  minEvents: number
  top: number
  statsPeriod: string
}

/** Whether an issue counts towards `top` (issues below the threshold are reported but do not count). */
export function meetsThreshold(issue: SentryIssue, minEvents: number): boolean {
  return issue.events >= minEvents
}

/**
 * Takes issues in Sentry's order until `top` of them meet the threshold. Issues below the threshold that come
 * before the last one taken are kept (they are reported as below-threshold); duplicates across pages are dropped.
 * Returns done=true once the window is full, so the caller stops paginating.
 */
export class TriageWindow {
  readonly issues: SentryIssue[] = []
  private readonly seen = new Set<string>()
  private qualifying = 0

  constructor(private readonly limits: Pick<SelectionLimits, 'minEvents' | 'top'>) {}

  get done(): boolean {
    return this.qualifying >= this.limits.top
  }

  /** Adds one page; returns true when the window is full. */
  add(page: SentryIssue[]): boolean {
    for (const issue of page) {
      if (this.done) break
      if (this.seen.has(issue.id)) continue
      this.seen.add(issue.id)
      this.issues.push(issue)
      if (meetsThreshold(issue, this.limits.minEvents)) this.qualifying++
    }
    return this.done
  }
}

export type FixStateVerdict =
  | { kind: 'candidate'; regressedFrom: ExistingPullRequest | null }
  | { kind: 'skip'; disposition: SkipDisposition; reason: string; existing: ExistingPullRequest | null }

function ref(pr: FixState['pullRequests'][number]): ExistingPullRequest {
  return {
    number: pr.number,
    url: pr.url,
    state: pr.state === 'open' ? 'open' : pr.mergedAt ? 'merged' : 'closed'
  }
}

function day(iso: string): string {
  return iso.slice(0, 10)
}

/**
 * README "Dedup": an issue is not worked when an open PR comes from its branch, its branch exists without a PR, a PR from
 * its branch was closed unmerged within history-days (a human said no), or a PR from its branch was merged and the
 * issue has not been seen since the merge. Only the newest PR decides; an open one always wins.
 */
export function classifyFixState(
  issue: SentryIssue,
  state: FixState,
  options: { now: Date; historyDays: number }
): FixStateVerdict {
  const open = state.pullRequests.find(pr => pr.state === 'open')
  if (open) {
    return {
      kind: 'skip',
      disposition: 'existing-pr',
      reason: `pull request #${open.number} from ${state.branch} is open`,
      existing: ref(open)
    }
  }
  const latest = state.pullRequests[0]
  let regressedFrom: ExistingPullRequest | null = null
  if (latest?.mergedAt) {
    if (Date.parse(issue.lastSeen) <= Date.parse(latest.mergedAt)) {
      return {
        kind: 'skip',
        disposition: 'fixed-not-recurred',
        reason: `fix #${latest.number} was merged on ${day(latest.mergedAt)} and the issue has not been seen since (last seen ${day(issue.lastSeen)})`,
        existing: ref(latest)
      }
    }
    regressedFrom = ref(latest)
  } else if (latest?.closedAt) {
    const windowStart = options.now.getTime() - options.historyDays * 86_400_000
    if (Date.parse(latest.closedAt) >= windowStart) {
      return {
        kind: 'skip',
        disposition: 'previously-rejected',
        reason: `pull request #${latest.number} was closed without merging on ${day(latest.closedAt)} (within history-days ${options.historyDays})`,
        existing: ref(latest)
      }
    }
  }
  if (state.branchExists) {
    const why = regressedFrom
      ? `branch ${state.branch} remains from merged fix #${regressedFrom.number} and the issue recurred; delete the branch to let the action try again`
      : latest
        ? `branch ${state.branch} exists and its last pull request #${latest.number} is closed; delete the branch to let the action try again`
        : `branch ${state.branch} exists without a pull request (a fix may be in progress)`
    return {
      kind: 'skip',
      disposition: 'existing-branch',
      reason: why,
      existing: latest ? ref(latest) : null
    }
  }
  return { kind: 'candidate', regressedFrom }
}

export interface Selection {
  issues: PlanIssue[]
  /** short ids of the candidates, in Sentry's order */
  candidates: string[]
}

/** Threshold, then dedup, over the triage window; candidates keep Sentry's order (most events first). */
export function selectIssues(input: {
  issues: SentryIssue[]
  fixStates: ReadonlyMap<string, FixState>
  minEvents: number
  statsPeriod: string
  branchPrefix: string
  historyDays: number
  now: Date
}): Selection {
  const planned: PlanIssue[] = []
  const candidates: string[] = []
  for (const issue of input.issues) {
    const facts = toIssueFacts(issue)
    const branch = fixBranch(input.branchPrefix, issue.shortId)
    if (!meetsThreshold(issue, input.minEvents)) {
      planned.push({
        facts,
        branch,
        decision: {
          kind: 'skip',
          disposition: 'below-threshold',
          reason: `${issue.events} event(s) in ${input.statsPeriod}, fewer than min-events ${input.minEvents}`,
          existing_pull_request: null
        }
      })
      continue
    }
    const state = input.fixStates.get(issue.shortId) ?? { branch, branchExists: false, pullRequests: [] }
    const verdict = classifyFixState(issue, state, { now: input.now, historyDays: input.historyDays })
    if (verdict.kind === 'skip') {
      planned.push({
        facts,
        branch,
        decision: {
          kind: 'skip',
          disposition: verdict.disposition,
          reason: verdict.reason,
          existing_pull_request: verdict.existing
        }
      })
    } else {
      planned.push({ facts, branch, decision: { kind: 'candidate', regressed_from: verdict.regressedFrom } })
      candidates.push(issue.shortId)
    }
  }
  return { issues: planned, candidates }
}
