// The fix-quality ledger: how the action's own PRs of the last history-days fared. One search for the PRs carrying the
// marker label, which brings each PR's first commits along (GraphQL); where it does not (the REST fallback), one
// commits listing per merged PR of the action. Everything else is pure (domain/ledger.ts).
// Read-only. A failure here must never sink the run: it throws one clear error, which the caller reports as a
// warning with `history: null`.
import type { LedgerSource, Log } from '../ports.js'
import type { Ledger } from '../schemas/ledger.js'
import {
  LEDGER_LABEL,
  allCommits,
  tallyLedger,
  classifyPullRequest,
  ledgerSince,
  recognise,
  searchDay,
  type BranchCommits,
  type ListedIssue
} from '../domain/ledger.js'
import { mapLimit } from '../util/map-limit.js'
import { errorMessage } from '../util/errors.js'

export interface LedgerInput {
  now: Date
  /** history-days */
  historyDays: number
  /** branch-prefix */
  branchPrefix: string
  /** the commit-author e-mail: recognises the action's commits in PRs whose trailer names no commit SHA */
  authorEmail: string
  /** the issues this run listed from Sentry: a merged PR's issue among them, seen after the merge, regressed */
  listedIssues: readonly ListedIssue[]
}

export interface LedgerDeps {
  ledger: LedgerSource
  log: Log
}

/** Commits listings in flight at once (each is one request, or a few pages). */
const COMMITS_CONCURRENCY = 4

export async function buildLedger(input: LedgerInput, deps: LedgerDeps): Promise<Ledger> {
  const { ledger, log } = deps
  const since = ledgerSince(input.now, input.historyDays)
  const before = ledger.requests()
  try {
    const found = await ledger.actionPullRequests({ label: LEDGER_LABEL, since: searchDay(since) })
    if (!found.complete) {
      log.warning(
        `GitHub's search answered incompletely for the fix-quality ledger: the counts of the last ` +
          `${input.historyDays} days are a floor. A shorter history-days keeps the search under GitHub's limits.`
      )
    }
    const ours = found.pullRequests.flatMap(pr => {
      if (Date.parse(pr.createdAt) < since.getTime()) return [] // the search is by day; the window is exact
      const recognition = recognise(pr, input.branchPrefix)
      if (recognition.kind === 'not-ours') {
        log.debug(`Ledger: #${pr.number} is not counted: ${recognition.reason}`)
        return []
      }
      return [{ pr, trailer: recognition.trailer }]
    })
    // the merged PRs the search gave without their commits (the REST fallback's search)
    const unlisted = ours.filter(o => o.pr.mergedAt !== null && o.pr.commits === null)
    // After one failure, the listings not yet started are not made, and the ones in flight are waited for: the
    // ledger leaves no request behind when it throws.
    const failures: unknown[] = []
    const listed = await mapLimit(unlisted, COMMITS_CONCURRENCY, async o => {
      if (failures.length > 0) return null
      try {
        return [o.pr.number, allCommits(await ledger.pullRequestCommits(o.pr.number))] as const
      } catch (error) {
        failures.push(error)
        return null
      }
    })
    if (failures.length > 0) throw failures[0]
    const commits = new Map<number, BranchCommits>(listed.flatMap(entry => (entry ? [entry] : [])))
    const context = { now: input.now, authorEmail: input.authorEmail, listedIssues: input.listedIssues }
    const history = tallyLedger({
      windowDays: input.historyDays,
      since,
      complete: found.complete,
      githubRequests: ledger.requests() - before,
      pullRequests: ours.map(o => {
        const prCommits = commits.get(o.pr.number)
        return classifyPullRequest(prCommits ? { ...o, commits: prCommits } : o, context)
      })
    })
    const c = history.counts
    log.info(
      `Ledger of the last ${input.historyDays} days: ${history.pull_requests.length} PR(s) of the action — ` +
        `${c.open} open, ${c.merged_unmodified} merged unmodified, ${c.merged_with_changes} merged after human ` +
        `changes, ${c.closed_unmerged} closed unmerged, ${c.regressed} regressed (${history.github_requests} GitHub ` +
        'request(s))'
    )
    return history
  } catch (error) {
    throw new Error(`The fix-quality ledger could not be built: ${errorMessage(error)}`, { cause: error })
  }
}
