// The fan-out's hand-offs as files: the plan a plan job uploads and work and land read, and the work-<SHORTID>
// folder a work job uploads and land reads. What the files may hold is checked in domain/handoff.ts.
import type { Handoffs, Log } from '../ports.js'
import { Plan } from '../schemas/handoff.js'
import { describeZodError } from '../domain/zod-errors.js'
import { errorMessage } from '../util/errors.js'
import {
  PATCH_FILE,
  PLAN_ARTIFACT,
  PLAN_FILE,
  RESULT_FILE,
  readWorkRecord,
  resultPath,
  workArtifact,
  type ReadWork
} from '../domain/handoff.js'

/** mode work and land, first step: the plan of this workflow run, as the plan job handed it over. */
export function readPlan(deps: { handoffs: Handoffs; log: Log }): Promise<Plan> {
  return deps.log.group('Read the plan', () => downloadPlan(deps.handoffs, deps.log))
}

async function downloadPlan(handoffs: Handoffs, log: Log): Promise<Plan> {
  const files = await handoffs.fetch(PLAN_ARTIFACT).catch((error: unknown) => {
    throw new Error(
      `the plan of this workflow run could not be read (${errorMessage(error)}); mode work and land run after a mode plan job of the same run`,
      { cause: error }
    )
  })
  const text = await files.readText(PLAN_FILE)
  if (text === null) throw new Error(`the ${PLAN_ARTIFACT} artifact of this run has no ${PLAN_FILE}`)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new Error(`the run's ${PLAN_FILE} is not JSON: ${errorMessage(error)}`, { cause: error })
  }
  const parsed = Plan.safeParse(json)
  if (!parsed.success) {
    throw new Error(
      `the run's ${PLAN_FILE} does not match this version's schema (${describeZodError(parsed.error, { root: 'root', max: 1 })}); plan, work and land must run the same version of the action`
    )
  }
  log.info(`Plan of ${parsed.data.created_at}: base ${parsed.data.base.branch} at ${parsed.data.base.sha}`)
  return parsed.data
}

/** The files of a work folder that land and the reader need (codex's raw event stream stays on the runner). */
export function handedOver(name: string): boolean {
  return (
    name === RESULT_FILE ||
    name === PATCH_FILE ||
    name === 'tests.log' ||
    /^(attempt-\d+\/)?audit\.jsonl$/.test(name)
  )
}

/** A work job's hand-off, checked (domain/handoff.ts) before land trusts any of it. */
export async function readHandoff(
  shortId: string,
  plan: Plan,
  present: ReadonlySet<string>,
  deps: { handoffs: Handoffs }
): Promise<ReadWork> {
  const name = workArtifact(shortId)
  if (!present.has(name)) {
    return {
      kind: 'invalid',
      reason: `no ${name} artifact in this run: its work job did not finish (failed, timed out or was cancelled; see that job's log)`
    }
  }
  try {
    const files = await deps.handoffs.fetch(name)
    const text = await files.readText(resultPath(shortId))
    if (text === null) return { kind: 'invalid', reason: `the ${name} artifact has no ${RESULT_FILE}` }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      return { kind: 'invalid', reason: `the ${name} artifact's ${RESULT_FILE} is not JSON` }
    }
    const patch = await files.readText(`${name}/${PATCH_FILE}`)
    const read = readWorkRecord(shortId, plan, json, patch)
    return read.kind === 'invalid'
      ? { kind: 'invalid', reason: `the ${name} artifact was refused: ${read.reason}` }
      : read
  } catch (error) {
    return { kind: 'invalid', reason: `the ${name} artifact could not be read: ${errorMessage(error)}` }
  }
}
