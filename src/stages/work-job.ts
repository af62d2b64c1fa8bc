// mode work: one issue of the plan, exactly as mode fix works it, up to the push; the result, patch, audit and test
// log are uploaded as work-<SHORTID>. No GitHub call at all: the job needs no token beyond read access to its checkout.
import type { Handoffs } from '../ports.js'
import type { Settings } from '../settings/settings.js'
import type { CandidateOutcome } from '../domain/summary.js'
import { plannedIssue, resultPath, workArtifact, workRecordOf } from '../domain/handoff.js'
import { workIssue, type WorkDeps } from './work.js'
import { handedOver, readPlan } from './handoff-files.js'
import type { StageResult } from './stage-result.js'

export interface WorkJobDeps extends WorkDeps {
  handoffs: Handoffs
}

export async function workJob(settings: Settings, deps: WorkJobDeps): Promise<StageResult> {
  const shortId = settings.issue
  if (!shortId) throw new Error("Input 'issue' is required when mode is work")
  const plan = await readPlan(deps)
  const lookup = plannedIssue(plan, shortId)
  if (lookup.kind === 'not-planned') throw new Error(lookup.reason)
  const planned = lookup.planned
  const work = await deps.log.group(`Issue ${shortId}`, () => workIssue(planned, plan, settings, deps))
  const outcome: CandidateOutcome = work.ready
    ? { ...work.outcome, reason: `${work.outcome.reason}; the land job pushes it and opens the PR` }
    : work.outcome
  const { record } = workRecordOf({ ...work, outcome }, planned, plan)
  await deps.log.group(`Hand ${shortId} to the land job`, async () => {
    await deps.files.writeJson(resultPath(shortId), record)
    const prefix = `${workArtifact(shortId)}/`
    const files = (await deps.files.list()).filter(
      f => f.startsWith(prefix) && handedOver(f.slice(prefix.length))
    )
    await deps.handoffs.publish(workArtifact(shortId), files)
  })
  return { plan, outcomes: new Map([[shortId, outcome]]), reported: [planned] }
}
