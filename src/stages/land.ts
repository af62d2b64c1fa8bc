// Stage 3, land (one ready fix): re-check dedup (a branch or PR may have appeared since the plan), commit the patch on
// the planned base, push a new branch, open the PR. Only the action does this; the agent never holds the credential.
import type { GitHubReader, GitHubWriter, Lander, Log } from '../ports.js'
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
}

export async function landFix(
  planned: PlanIssue,
  fix: ReadyFix,
  worked: CandidateOutcome,
  context: { base: { branch: string; sha: string }; runUrl: string; actionSha: string | null },
  settings: Settings,
  deps: LandDeps
): Promise<CandidateOutcome> {
  const { facts, branch } = planned
  const outcome = (
    o: Pick<IssueSummary, 'disposition' | 'reason'> & Partial<IssueSummary>
  ): CandidateOutcome => ({
    ...worked,
    ...o
  })
  try {
    const open = (await deps.github.pullRequestsForBranch(branch)).find(pr => pr.state === 'open')
    if (open) {
      return outcome({
        disposition: 'existing-pr',
        reason: `pull request #${open.number} from ${branch} was opened while this run worked; nothing pushed`,
        existing_pull_request: { number: open.number, url: open.url, state: 'open' }
      })
    }
    const summary = { shortId: facts.short_id, summary: fix.result.summary }
    const pushed = await deps.lander.commitAndPush({
      baseSha: context.base.sha,
      patch: fix.diff.patch,
      branch,
      message: commitMessage({ ...summary, rootCause: fix.result.root_cause, permalink: facts.permalink })
    })
    if (pushed.kind === 'exists') {
      return outcome({
        disposition: 'existing-branch',
        reason: `branch ${branch} appeared while this run worked; it was not overwritten`
      })
    }
    if (pushed.kind === 'refused') return outcome({ disposition: 'policy-rejected', reason: pushed.reason })
    if (pushed.kind === 'failed')
      return outcome({ disposition: 'land-failed', reason: `push failed: ${pushed.reason}` })
    deps.log.info(`${facts.short_id}: pushed ${branch} at ${pushed.sha}`)

    const regressed = planned.decision.kind === 'candidate' ? planned.decision.regressed_from : null
    const pr = await deps.writer.openPullRequest({
      branch,
      base: context.base.branch,
      title: prTitle(summary),
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
        commitSha: pushed.sha
      }),
      draft: settings.pr.draft,
      labels: withLedgerLabel(settings.pr.labels),
      reviewers: settings.pr.reviewers,
      teamReviewers: settings.pr.teamReviewers
    })
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
  } catch (error) {
    return outcome({ disposition: 'land-failed', reason: `landing failed: ${errorMessage(error)}` })
  }
}
