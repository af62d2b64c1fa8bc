// mode land: in plan order, each work job's hand-off is checked, re-checked against dedup and the policy, and landed
// until the plan's max-prs PRs are open; spares back-fill primaries that ended without one. A work job that left no
// artifact (it died, timed out or was cancelled), or one land refuses, ends its issue land-failed.
import type { Clock, GitHubReader, GitHubWriter, Handoffs, Lander, Log, Repo } from '../ports.js'
import type { Plan } from '../schemas/handoff.js'
import type { Settings } from '../settings/settings.js'
import { oneLine } from '../domain/text.js'
import { errorMessage } from '../util/errors.js'
import { landFixes } from './land.js'
import { gateFix, policyReason } from './gate.js'
import { landInPlanOrder } from './land-loop.js'
import { readHandoff } from './handoff-files.js'
import type { StageResult } from './stage-result.js'

export interface LandJobDeps {
  github: Pick<GitHubReader, 'pullRequestsForBranch'>
  writer: GitHubWriter
  lander: Lander
  log: Log
  clock: Clock
  handoffs: Handoffs
  secrets: string[]
  /**
   * The checkout (at base-sha, or able to fetch it), for the policy's look at a package.json at the base commit.
   * Without it, a fix that touches a package.json is refused.
   */
  repo?: Pick<Repo, 'filesAt'>
}

export async function landJob(
  plan: Plan,
  settings: Settings,
  context: { runUrl: string; actionSha: string | null },
  deps: LandJobDeps
): Promise<StageResult> {
  const present = new Set(await deps.handoffs.names())
  const matrix = plan.matrix.map(shortId => {
    const planned = plan.issues.find(i => i.facts.short_id === shortId)
    if (!planned) throw new Error(`the plan's matrix names ${shortId}, which its issues do not hold`)
    return planned
  })
  const context_ = { base: plan.base, runUrl: context.runUrl, actionSha: context.actionSha }
  const outcomes = await landInPlanOrder(
    matrix,
    { maxPrs: plan.limits.max_prs },
    {
      reportUnstarted: true,
      work: async planned => {
        const shortId = planned.facts.short_id
        const handed = await readHandoff(shortId, plan, present, deps)
        if (handed.kind === 'invalid') {
          deps.log.warning(`${shortId}: ${handed.reason}`)
          return { kind: 'final', outcome: { disposition: 'land-failed', reason: handed.reason } }
        }
        if (handed.kind === 'final') return { kind: 'final', outcome: handed.record.outcome }
        // The work job's runner ran the agent: land applies only what its own policy gate allows.
        const policy = await gateFix(handed.fix.diff, settings, {
          secrets: deps.secrets,
          baseFiles: paths => baseFilesOf(paths, plan.base.sha, deps)
        })
        if (policy.kind === 'rejected') {
          return {
            kind: 'final',
            outcome: {
              ...handed.record.outcome,
              disposition: 'policy-rejected',
              reason: policyReason(policy)
            }
          }
        }
        return { kind: 'ready', outcome: handed.record.outcome, fix: handed.fix }
      },
      // every free PR slot's fix in one push, then the PRs in plan order (GitHub's pace for content creation)
      landing: {
        kind: 'batch',
        landAll: batch =>
          landFixes(
            batch.map(({ planned, ready }) => ({ planned, fix: ready.fix, worked: ready.outcome })),
            context_,
            settings,
            deps
          )
      }
    },
    deps.log
  )
  return { plan, outcomes, reported: plan.issues }
}

/** The base text of what the policy needs; on failure none (the policy then refuses a package.json change). */
async function baseFilesOf(
  paths: string[],
  baseSha: string,
  deps: Pick<LandJobDeps, 'repo' | 'log'>
): Promise<ReadonlyMap<string, string | null>> {
  if (paths.length === 0 || !deps.repo) return new Map()
  try {
    return await deps.repo.filesAt(baseSha, paths)
  } catch (error) {
    deps.log.warning(
      `Could not read ${oneLine(paths.join(', '), 200)} at the base commit: ${errorMessage(error)}`
    )
    return new Map()
  }
}
