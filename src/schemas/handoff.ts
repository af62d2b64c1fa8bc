// The stage hand-offs: plan.json (plan -> work, land) and work-<SHORTID>/result.json (work -> land).
import { z } from 'zod'
import { SentryFixResult } from './agent-result.js'
import { IsoDate, Sha } from './primitives.js'
import {
  ExistingPullRequest,
  IssueFacts,
  IssueSummary,
  Limits,
  MeasuredTests,
  ReproductionRecord,
  SKIP_DISPOSITIONS,
  SentryScope
} from './summary.js'

export const PLAN_VERSION = 1
export const WORK_VERSION = 2

/** plan.json: the hand-off from the plan stage to work and land. */
export const PlanIssue = z
  .object({
    facts: IssueFacts,
    branch: z.string(),
    decision: z.discriminatedUnion('kind', [
      z
        .object({
          kind: z.literal('candidate'),
          /** a merged fix whose issue came back: the new PR says so */
          regressed_from: ExistingPullRequest.nullable()
        })
        .strict(),
      z
        .object({
          kind: z.literal('skip'),
          disposition: z.enum(SKIP_DISPOSITIONS),
          reason: z.string(),
          existing_pull_request: ExistingPullRequest.nullable()
        })
        .strict()
    ])
  })
  .strict()
export type PlanIssue = z.infer<typeof PlanIssue>

export const Plan = z
  .object({
    version: z.literal(PLAN_VERSION),
    created_at: IsoDate,
    repository: z.string(),
    base: z.object({ branch: z.string(), sha: z.string().regex(/^[0-9a-f]{40}$/) }).strict(),
    sentry: SentryScope,
    limits: Limits,
    /** every triaged issue, in Sentry's order (most events first) */
    issues: z.array(PlanIssue),
    /** short ids of the candidates, in the order they are worked */
    candidates: z.array(z.string()),
    /** short ids the agent may run Seer analysis on */
    analyze: z.array(z.string()),
    /**
     * short ids a fanned-out run works, one job each: the first max-prs candidates, then spare-candidates more that
     * land uses, in this order, to back-fill a primary that ended without a PR
     */
    matrix: z.array(z.string())
  })
  .strict()
export type Plan = z.infer<typeof Plan>

/** A changed file as the work stage measured it. */
export const ChangedFileRecord = z
  .object({
    path: z.string(),
    old_path: z.string().optional(),
    status: z.enum(['added', 'modified', 'deleted', 'renamed', 'type-changed']),
    additions: z.number().int().nonnegative(),
    deletions: z.number().int().nonnegative(),
    binary: z.boolean(),
    mode: z.string().nullable()
  })
  .strict()
export type ChangedFileRecord = z.infer<typeof ChangedFileRecord>

/** What a stage decided for one issue: the summary's fields beyond Sentry's facts. */
export const IssueOutcome = IssueSummary.omit({
  id: true,
  short_id: true,
  project: true,
  title: true,
  culprit: true,
  level: true,
  events: true,
  users: true,
  first_seen: true,
  last_seen: true,
  permalink: true
}).strict()

/**
 * work-<SHORTID>/result.json: the hand-off from one work job to land. With a ready fix, the patch is fix.patch next to
 * it (git's binary-safe format) and its SHA-256 is recorded here, so land applies exactly what work measured.
 */
export const WorkRecord = z
  .object({
    version: z.literal(WORK_VERSION),
    short_id: z.string(),
    issue_id: z.string(),
    /** the plan this job worked from: land refuses a record of another plan */
    plan: z.object({ created_at: IsoDate, base_sha: Sha }).strict(),
    /** final unless `fix` is set; then land decides (pr-opened, existing-pr, cap-reached...) */
    outcome: IssueOutcome,
    fix: z
      .object({
        result: SentryFixResult,
        files: z.array(ChangedFileRecord),
        patch_file: z.literal('fix.patch'),
        patch_sha256: z.string().regex(/^[0-9a-f]{64}$/),
        tests: MeasuredTests.nullable(),
        reproduction: ReproductionRecord.nullable()
      })
      .strict()
      .nullable()
  })
  .strict()
export type WorkRecord = z.infer<typeof WorkRecord>

