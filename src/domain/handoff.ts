// The fanned-out stages' hand-offs as data: plan -> matrix, work result -> work-<SHORTID>/result.json + fix.patch, and
// back again in land, where a record is checked before its patch may be applied. Pure: the adapters move the files.
import { createHash } from 'node:crypto'
import type { SentryFixResult } from '../schemas/agent-result.js'
import {
  WORK_VERSION,
  WorkRecord,
  type ChangedFileRecord,
  type Plan,
  type PlanIssue
} from '../schemas/handoff.js'
import type { MeasuredTests } from '../schemas/summary.js'
import type { Reproduction } from './reproduction.js'
import type { ChangedFile, WorktreeDiff } from '../ports.js'
import { patchTouches } from './patch.js'
import type { CandidateOutcome } from './summary.js'
import { describeZodError } from './zod-errors.js'

/** A fix that passed the policy gate and the action's test run: what land commits, pushes and opens a PR for. */
export interface ReadyFix {
  result: SentryFixResult
  diff: WorktreeDiff
  tests: MeasuredTests | null
  /** the reproduction run's verdict, null when the fix had no test command to run */
  reproduction: Reproduction | null
}

/** What the work stage hands to land. */
export interface WorkResult {
  shortId: string
  /** final, unless `ready` is set: then land decides (in dry-run it stays `dry-run`) */
  outcome: CandidateOutcome
  ready: ReadyFix | null
}

/** The run-folder folder of one worked issue: its agent runs, test log and patch. */
export function workDir(shortId: string): string {
  return `work-${shortId}`
}

/** The plan artifact's name: one per workflow run (the plan job uploads it once). */
export const PLAN_ARTIFACT = 'plan'
export const PLAN_FILE = 'plan.json'
export const RESULT_FILE = 'result.json'
export const PATCH_FILE = 'fix.patch'

/** work-<SHORTID>: both the artifact of the work job and the folder its files are in. */
export const workArtifact = workDir

/** The plan job's `matrix` output: one work job per issue land may need, primaries first. */
export function matrixOf(plan: Pick<Plan, 'matrix'>): { include: { issue: string }[] } {
  return { include: plan.matrix.map(issue => ({ issue })) }
}

/** The short ids a fanned-out run works: max-prs primaries, then the spares, in the plan's order. */
export function matrixIds(candidates: readonly string[], maxPrs: number, spares: number): string[] {
  return candidates.slice(0, maxPrs + spares)
}

export type PlannedLookup = { kind: 'found'; planned: PlanIssue } | { kind: 'not-planned'; reason: string }

/** The issue a work job was given, if the plan hands it to a work job. */
export function plannedIssue(plan: Plan, shortId: string): PlannedLookup {
  const planned = plan.issues.find(i => i.facts.short_id === shortId)
  if (!planned) {
    return {
      kind: 'not-planned',
      reason: `Input 'issue' is ${shortId}, which is not in this run's plan (${plan.issues.length} triaged issue(s)); pass \${{ matrix.issue }} from the plan job's matrix output.`
    }
  }
  if (!plan.matrix.includes(shortId)) {
    const why =
      planned.decision.kind === 'skip'
        ? `the plan skipped it (${planned.decision.disposition})`
        : 'it is beyond max-prs + spare-candidates'
    return {
      kind: 'not-planned',
      reason: `Input 'issue' is ${shortId}, which the plan does not hand to a work job: ${why}; pass \${{ matrix.issue }} from the plan job's matrix output.`
    }
  }
  return { kind: 'found', planned }
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/** What the work stage hands to land, and the patch to store next to it. */
export function workRecordOf(
  work: WorkResult,
  planned: PlanIssue,
  plan: Pick<Plan, 'created_at' | 'base'>
): { record: WorkRecord; patch: string | null } {
  const ready = work.ready
  const record: WorkRecord = {
    version: WORK_VERSION,
    short_id: planned.facts.short_id,
    issue_id: planned.facts.id,
    plan: { created_at: plan.created_at, base_sha: plan.base.sha },
    outcome: work.outcome,
    fix: ready
      ? {
          result: ready.result,
          files: ready.diff.files.map(toRecord),
          patch_file: PATCH_FILE,
          patch_sha256: sha256(ready.diff.patch),
          tests: ready.tests,
          reproduction: ready.reproduction
        }
      : null
  }
  return { record, patch: ready ? ready.diff.patch : null }
}

/** How a work job can end without a fix to hand over. */
const WORK_DISPOSITIONS: readonly string[] = ['no-fix', 'policy-rejected', 'tests-failed', 'agent-failed']

export type ReadWork =
  | { kind: 'final'; record: WorkRecord }
  | { kind: 'ready'; record: WorkRecord; fix: ReadyFix }
  | { kind: 'invalid'; reason: string }

/**
 * Checks a downloaded hand-off before land trusts it: the schema, that it is this plan's and this issue's, and that
 * the patch is the one work measured (its SHA-256, and the files its headers name).
 */
export function readWorkRecord(
  shortId: string,
  plan: Pick<Plan, 'created_at' | 'base'>,
  json: unknown,
  patch: string | null
): ReadWork {
  const parsed = WorkRecord.safeParse(json)
  if (!parsed.success) {
    return {
      kind: 'invalid',
      reason: `its ${RESULT_FILE} does not match the schema (${describeZodError(parsed.error, { root: 'root', max: 1 })})`
    }
  }
  const record = parsed.data
  if (record.short_id !== shortId) {
    return { kind: 'invalid', reason: `its ${RESULT_FILE} is for ${record.short_id}, not ${shortId}` }
  }
  if (record.plan.created_at !== plan.created_at || record.plan.base_sha !== plan.base.sha) {
    return {
      kind: 'invalid',
      reason: `it was worked from another plan (created ${record.plan.created_at}, base ${record.plan.base_sha.slice(0, 12)})`
    }
  }
  // A work job decides only these; what happens next (pr-opened, cap-reached...) is land's to say.
  const expected = record.fix ? ['fix-ready'] : WORK_DISPOSITIONS
  if (!expected.includes(record.outcome.disposition)) {
    return {
      kind: 'invalid',
      reason: `its outcome ${record.outcome.disposition} is not one a work job ends with${record.fix ? ' when it hands over a fix' : ''}`
    }
  }
  if (!record.fix) return { kind: 'final', record }
  if (patch === null) return { kind: 'invalid', reason: `its ${PATCH_FILE} is missing` }
  if (sha256(patch) !== record.fix.patch_sha256) {
    return {
      kind: 'invalid',
      reason: `its ${PATCH_FILE} is not the patch the work job measured (SHA-256 differs)`
    }
  }
  const files = record.fix.files.map(fromRecord)
  const touched = patchTouches(patch)
  const known = new Set(files.flatMap(f => (f.oldPath === undefined ? [f.path] : [f.path, f.oldPath])))
  const unlisted = [...touched.paths].filter(p => !known.has(p))
  if (touched.sections !== files.length || unlisted.length > 0) {
    return {
      kind: 'invalid',
      reason: `its ${PATCH_FILE} touches other files than its ${RESULT_FILE} lists (${touched.sections} section(s) for ${files.length} file(s)${unlisted.length ? `; unlisted: ${unlisted.slice(0, 5).join(', ')}` : ''})`
    }
  }
  return {
    kind: 'ready',
    record,
    fix: {
      result: record.fix.result,
      diff: { patch, files },
      tests: record.fix.tests,
      reproduction: record.fix.reproduction
    }
  }
}

function toRecord(file: ChangedFile): ChangedFileRecord {
  return {
    path: file.path,
    ...(file.oldPath === undefined ? {} : { old_path: file.oldPath }),
    status: file.status,
    additions: file.additions,
    deletions: file.deletions,
    binary: file.binary,
    mode: file.mode
  }
}

function fromRecord(file: ChangedFileRecord): ChangedFile {
  return {
    path: file.path,
    ...(file.old_path === undefined ? {} : { oldPath: file.old_path }),
    status: file.status,
    additions: file.additions,
    deletions: file.deletions,
    binary: file.binary,
    mode: file.mode
  }
}

export const resultPath = (shortId: string) => `${workArtifact(shortId)}/${RESULT_FILE}`
export const patchPath = (shortId: string) => `${workArtifact(shortId)}/${PATCH_FILE}`
