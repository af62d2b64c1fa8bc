// The three stages as separate jobs of one workflow run (mode plan, work, land), handing off through the run's
// artifacts. Each is the same stage code `mode: fix` runs in one process; only the hand-off differs.
import type {
  Clock,
  GitHubReader,
  GitHubWriter,
  Handoffs,
  Lander,
  Log,
  Repo,
  RunFiles,
  SentryApi
} from '../ports.js'
import { Plan, type PlanIssue } from '../schemas/handoff.js'
import type { Settings } from '../settings/settings.js'
import type { CandidateOutcome } from '../domain/summary.js'
import { oneLine } from '../domain/text.js'
import { describeZodError } from '../domain/zod-errors.js'
import { errorMessage } from '../util/errors.js'
import { runPlan } from './plan.js'
import { workIssue, type WorkDeps } from './work.js'
import { landFix } from './land.js'
import { gateFix, policyReason } from './gate.js'
import {
  PATCH_FILE,
  PLAN_ARTIFACT,
  PLAN_FILE,
  RESULT_FILE,
  plannedIssue,
  readWorkRecord,
  resultPath,
  workArtifact,
  workRecordOf,
  type ReadWork
} from '../domain/handoff.js'

export interface StageResult {
  plan: Plan
  /** what happened to the candidates this stage decided */
  outcomes: Map<string, CandidateOutcome>
  /** the issues this stage reports (all of the plan's, or the one a work job worked) */
  reported: PlanIssue[]
}

/** mode plan: the plan, stored as plan.json and uploaded for the work and land jobs of this run. */
export async function planStage(
  settings: Settings,
  repository: string,
  deps: {
    sentry: SentryApi
    github: GitHubReader
    log: Log
    clock: Clock
    files: RunFiles
    handoffs: Handoffs
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

export interface WorkStageDeps extends WorkDeps {
  handoffs: Handoffs
}

/**
 * mode work: one issue of the plan, exactly as mode fix works it, up to the push; the result, patch, audit and test log
 * are uploaded as work-<SHORTID>. No GitHub call at all: the job needs no token beyond read access to its checkout.
 */
export async function workStage(settings: Settings, deps: WorkStageDeps): Promise<StageResult> {
  const shortId = settings.issue
  if (!shortId) throw new Error("Input 'issue' is required when mode is work")
  const plan = await deps.log.group('Read the plan', () => downloadPlan(deps.handoffs, deps.log))
  const lookup = plannedIssue(plan, shortId)
  if (lookup.kind === 'not-planned') throw new Error(lookup.reason)
  const planned = lookup.planned
  const work = await deps.log.group(`Issue ${shortId}`, () => workIssue(planned, plan, settings, deps))
  const outcome: CandidateOutcome = work.ready
    ? {
        ...work.outcome,
        reason: `fix ready: ${oneLine(work.ready.result.summary, 100)} (${work.ready.diff.files.length} file(s)); the land job pushes it and opens the PR`
      }
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

/** The files of a work folder that land and the reader need (codex's raw event stream stays on the runner). */
function handedOver(name: string): boolean {
  return (
    name === RESULT_FILE ||
    name === PATCH_FILE ||
    name === 'tests.log' ||
    /^(attempt-\d+\/)?audit\.jsonl$/.test(name)
  )
}

export interface LandStageDeps {
  github: Pick<GitHubReader, 'pullRequestsForBranch'>
  writer: GitHubWriter
  lander: Lander
  log: Log
  handoffs: Handoffs
  secrets: string[]
  /**
   * The checkout (at base-sha, or able to fetch it), for the policy's look at a package.json at the base commit.
   * Without it, a fix that touches a package.json is refused.
   */
  repo?: Pick<Repo, 'filesAt'>
}

/**
 * mode land: in plan order, each work job's hand-off is checked, re-checked against dedup and the policy, and landed
 * until the plan's max-prs PRs are open; spares back-fill primaries that ended without one. A work job that left no
 * artifact (it died, timed out or was cancelled) ends its issue agent-failed.
 */
export async function landStage(
  settings: Settings,
  context: { runUrl: string; actionSha: string | null },
  deps: LandStageDeps
): Promise<StageResult> {
  return landPlan(await readPlan(deps), settings, context, deps)
}

/** mode land, first step: the plan of this workflow run, as the plan job handed it over. */
export function readPlan(deps: Pick<LandStageDeps, 'handoffs' | 'log'>): Promise<Plan> {
  return deps.log.group('Read the plan', () => downloadPlan(deps.handoffs, deps.log))
}

/** mode land, second step: the work jobs' fixes of `plan`, landed in plan order (see landStage). */
export async function landPlan(
  plan: Plan,
  settings: Settings,
  context: { runUrl: string; actionSha: string | null },
  deps: LandStageDeps
): Promise<StageResult> {
  const present = new Set(await deps.handoffs.names())
  const maxPrs = plan.limits.max_prs
  const outcomes = new Map<string, CandidateOutcome>()
  let opened = 0
  for (const shortId of plan.matrix) {
    const planned = plan.issues.find(i => i.facts.short_id === shortId)
    if (!planned) throw new Error(`the plan's matrix names ${shortId}, which its issues do not hold`)
    const outcome = await deps.log.group(`Issue ${shortId}`, async (): Promise<CandidateOutcome> => {
      const handed = await readHandoff(shortId, plan, present, deps)
      if (handed.kind === 'invalid') {
        deps.log.warning(`${shortId}: ${handed.reason}`)
        return { disposition: 'agent-failed', reason: handed.reason }
      }
      if (handed.kind === 'final') return handed.record.outcome
      const worked = handed.record.outcome
      if (opened >= maxPrs) {
        return {
          ...worked,
          disposition: 'cap-reached',
          reason: `a fix was ready, but max-prs ${maxPrs} pull request(s) were open before its turn`
        }
      }
      // The work job's runner ran the agent: land applies only what its own policy gate allows.
      const policy = await gateFix(handed.fix.diff, settings, {
        secrets: deps.secrets,
        baseFiles: paths => baseFilesOf(paths, plan.base.sha, deps)
      })
      if (policy.kind === 'rejected') {
        return { ...worked, disposition: 'policy-rejected', reason: policyReason(policy) }
      }
      return landFix(
        planned,
        handed.fix,
        worked,
        { base: plan.base, runUrl: context.runUrl, actionSha: context.actionSha },
        settings,
        deps
      )
    })
    if (outcome.disposition === 'pr-opened') opened++
    deps.log.info(`${shortId}: ${outcome.disposition} — ${outcome.reason}`)
    outcomes.set(shortId, outcome)
  }
  return { plan, outcomes, reported: plan.issues }
}

/** The base text of what the policy needs; on failure none (the policy then refuses a package.json change). */
async function baseFilesOf(
  paths: string[],
  baseSha: string,
  deps: Pick<LandStageDeps, 'repo' | 'log'>
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

async function readHandoff(
  shortId: string,
  plan: Plan,
  present: ReadonlySet<string>,
  deps: Pick<LandStageDeps, 'handoffs'>
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
