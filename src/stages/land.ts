// Stage 3, land: re-check dedup (a branch or PR may have appeared since the plan), commit the patch on the planned
// base, push a new branch, open the PR. Only the action does this; the agent never holds the credential. One fix at a
// time (mode fix lands each as it comes), or several at once (mode land: one push for all, then the PRs in order).
import type { Clock, GitHubReader, GitHubWriter, Lander, Log, PushOutcome } from '../ports.js'
import { addIssuePhases, createPhaseTimer, issuePhases, type IssuePhase } from '../domain/phases.js'
import type { PlanIssue } from '../schemas/handoff.js'
import type { IssueSummary } from '../schemas/summary.js'
import type { Settings } from '../settings/settings.js'
import type { CandidateOutcome } from '../domain/summary.js'
import { commitMessage, prBody, prTitle } from '../domain/pr-text.js'
import { withLedgerLabel } from '../domain/ledger.js'
import type { ReadyFix } from '../domain/handoff.js'
import { errorMessage } from '../util/errors.js'
import { tokensUsed } from '../domain/token-budget.js'
import { costOrNull } from '../domain/cost.js'

export interface LandDeps {
  github: Pick<GitHubReader, 'pullRequestsForBranch'>
  writer: GitHubWriter
  lander: Lander
  log: Log
  /** for the push and PR phases of each landed issue */
  clock: Clock
}

type Outcome = Pick<IssueSummary, 'disposition' | 'reason'> & Partial<IssueSummary>
type Context = { base: { branch: string; sha: string }; runUrl: string; actionSha: string | null }

/** A ready fix on its way to a PR. */
export interface Landing {
  planned: PlanIssue
  fix: ReadyFix
  /** what work decided; the landing's outcome replaces its disposition and reason */
  worked: CandidateOutcome
}

type Prepared =
  | { kind: 'final'; outcome: CandidateOutcome }
  | { kind: 'push'; request: Parameters<Lander['commitAndPush']>[0] }

/** Before the push: a PR that was opened meanwhile ends it; otherwise the commit to push. */
async function prepare(landing: Landing, context: Context, deps: LandDeps): Promise<Prepared> {
  const { planned, fix, worked } = landing
  const { facts, branch } = planned
  const open = (await deps.github.pullRequestsForBranch(branch)).find(pr => pr.state === 'open')
  if (open) {
    return {
      kind: 'final',
      outcome: {
        ...worked,
        disposition: 'existing-pr',
        reason: `pull request #${open.number} from ${branch} was opened while this run worked; nothing pushed`,
        existing_pull_request: { number: open.number, url: open.url, state: 'open' }
      }
    }
  }
  return {
    kind: 'push',
    request: {
      baseSha: context.base.sha,
      patch: fix.diff.patch,
      branch,
      message: commitMessage({
        shortId: facts.short_id,
        summary: fix.result.summary,
        rootCause: fix.result.root_cause,
        permalink: facts.permalink
      })
    }
  }
}

/** After the push: the PR for a pushed branch, or what the push said. */
async function finish(
  landing: Landing,
  pushed: { outcome: PushOutcome; ms: number },
  context: Context,
  settings: Settings,
  deps: LandDeps
): Promise<CandidateOutcome> {
  const { planned, fix, worked } = landing
  const { facts, branch } = planned
  // a push of several branches is one request: each of them spent its whole time
  const timer = createPhaseTimer<IssuePhase>(() => deps.clock.now().getTime())
  timer.add('push', pushed.ms)
  const outcome = (o: Outcome): CandidateOutcome => {
    const phases = addIssuePhases(worked.phases, issuePhases(timer))
    return { ...worked, ...o, ...(phases ? { phases } : {}) }
  }
  const push = pushed.outcome
  if (push.kind === 'exists') {
    return outcome({
      disposition: 'existing-branch',
      reason: `branch ${branch} appeared while this run worked; it was not overwritten`
    })
  }
  if (push.kind === 'refused') return outcome({ disposition: 'policy-rejected', reason: push.reason })
  if (push.kind === 'failed')
    return outcome({ disposition: 'land-failed', reason: `push failed: ${push.reason}` })
  deps.log.info(`${facts.short_id}: pushed ${branch} at ${push.sha}`)

  const regressed = planned.decision.kind === 'candidate' ? planned.decision.regressed_from : null
  const pr = await timer.time('pr', () =>
    deps.writer.openPullRequest({
      branch,
      base: context.base.branch,
      title: prTitle({ shortId: facts.short_id, summary: fix.result.summary }),
      body: prBody({
        issue: facts,
        result: fix.result,
        filesChanged: fix.diff.files.map(f => ({
          path: f.path,
          additions: f.additions,
          deletions: f.deletions
        })),
        tests: fix.tests,
        reproduction: fix.reproduction,
        spend: worked.usage
          ? {
              tokens: tokensUsed(worked.usage),
              cost_usd: costOrNull(worked.usage, settings.budget.tokenPrices)
            }
          : null,
        regressedFrom: regressed ? { number: regressed.number, url: regressed.url } : null,
        runUrl: context.runUrl,
        actionSha: context.actionSha,
        branch,
        commitSha: push.sha
      }),
      draft: settings.pr.draft,
      labels: withLedgerLabel(settings.pr.labels),
      reviewers: settings.pr.reviewers,
      teamReviewers: settings.pr.teamReviewers
    })
  )
  if (pr.kind === 'exists') {
    return outcome({
      disposition: 'existing-pr',
      reason: `a pull request from ${branch} already exists`,
      branch
    })
  }
  if (pr.kind === 'failed') {
    return outcome({
      disposition: 'land-failed',
      reason: `branch ${branch} was pushed, but the pull request could not be opened: ${pr.reason}`,
      branch
    })
  }
  deps.log.info(`${facts.short_id}: opened pull request #${pr.number}`)
  return outcome({
    disposition: 'pr-opened',
    reason: `pull request #${pr.number} opened for review`,
    branch,
    pull_request: { number: pr.number, url: pr.url }
  })
}

const failed = (landing: Landing, error: unknown): CandidateOutcome => ({
  ...landing.worked,
  disposition: 'land-failed',
  reason: `landing failed: ${errorMessage(error)}`
})

/** Lands one ready fix: dedup re-checked, the commit pushed, the PR opened. */
export async function landFix(
  landing: Landing,
  context: Context,
  settings: Settings,
  deps: LandDeps
): Promise<CandidateOutcome> {
  try {
    const prepared = await prepare(landing, context, deps)
    if (prepared.kind === 'final') return prepared.outcome
    const started = deps.clock.now().getTime()
    const pushed = await deps.lander.commitAndPush(prepared.request)
    const ms = deps.clock.now().getTime() - started
    return await finish(landing, { outcome: pushed, ms }, context, settings, deps)
  } catch (error) {
    return failed(landing, error)
  }
}

/**
 * Lands several ready fixes: dedup re-checked for each, every commit in one push (each branch on its own), then the
 * PRs one after another in the order given. Outcomes in the same order.
 */
export async function landFixes(
  landings: readonly Landing[],
  context: Context,
  settings: Settings,
  deps: LandDeps
): Promise<CandidateOutcome[]> {
  const outcomes: (CandidateOutcome | null)[] = landings.map(() => null)
  const toPush: { index: number; request: Parameters<Lander['commitAndPush']>[0] }[] = []
  for (const [index, landing] of landings.entries()) {
    try {
      const prepared = await prepare(landing, context, deps)
      if (prepared.kind === 'final') outcomes[index] = prepared.outcome
      else toPush.push({ index, request: prepared.request })
    } catch (error) {
      outcomes[index] = failed(landing, error)
    }
  }
  if (toPush.length > 0) {
    let pushed: PushOutcome[]
    const started = deps.clock.now().getTime()
    try {
      pushed = await deps.lander.commitAndPushAll(toPush.map(p => p.request))
    } catch (error) {
      for (const { index } of toPush) outcomes[index] = failed(landings[index]!, error)
      return outcomes.map(o => o!)
    }
    const ms = deps.clock.now().getTime() - started
    for (const [i, { index }] of toPush.entries()) {
      const landing = landings[index]!
      try {
        outcomes[index] = await finish(landing, { outcome: pushed[i]!, ms }, context, settings, deps)
      } catch (error) {
        outcomes[index] = failed(landing, error)
      }
    }
  }
  return outcomes.map(o => o!)
}
