// mode plan: the plan, stored as plan.json and uploaded for the work and land jobs of this run.
import type { Clock, GitHubReader, Handoffs, Log, RunFiles, SentryApi } from '../ports.js'
import { PLAN_ARTIFACT, PLAN_FILE } from '../domain/handoff.js'
import { runPlan } from './plan.js'
import type { PhaseTimer, RunPhase } from '../domain/phases.js'
import type { Settings } from '../settings/settings.js'
import type { StageResult } from './stage-result.js'

export async function planJob(
  settings: Settings,
  repository: string,
  deps: {
    sentry: SentryApi
    github: GitHubReader
    log: Log
    clock: Clock
    files: RunFiles
    handoffs: Handoffs
    /** the run's Sentry listing and dedup phases */
    phases?: PhaseTimer<RunPhase>
  }
): Promise<StageResult> {
  const plan = await runPlan(settings, repository, deps)
  await deps.log.group('Hand the plan to the work jobs', async () => {
    await deps.files.writeJson(PLAN_FILE, plan)
    await deps.handoffs.publish(PLAN_ARTIFACT, [PLAN_FILE])
    deps.log.info(
      `Plan: ${plan.matrix.length} work job(s) (${plan.matrix.join(', ') || 'none'}) for at most ${plan.limits.max_prs} PR(s)`
    )
  })
  return { plan, outcomes: new Map(), reported: plan.issues }
}
