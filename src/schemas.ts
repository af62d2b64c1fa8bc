// zod is the source of truth for every file the action reads or writes; schemas/*.json are generated from here
// (npm run bundle) and a test fails when they are stale.
import { z } from 'zod'
import { History } from './schemas-history.js'
import { MODES } from './domain/types.js'

export const SUMMARY_VERSION = 1
export const PLAN_VERSION = 1
export const WORK_VERSION = 1

export const DISPOSITIONS = [
  'pr-opened',
  'existing-pr',
  'existing-branch',
  'previously-rejected',
  'fixed-not-recurred',
  'below-threshold',
  'cap-reached',
  'no-fix',
  'policy-rejected',
  'tests-failed',
  'agent-failed',
  'dry-run',
  'triage-only'
] as const
export const Disposition = z.enum(DISPOSITIONS)
export type Disposition = z.infer<typeof Disposition>

/** Dispositions decided before any agent runs (dedup and threshold). */
export const SKIP_DISPOSITIONS = [
  'existing-pr',
  'existing-branch',
  'previously-rejected',
  'fixed-not-recurred',
  'below-threshold'
] as const satisfies readonly Disposition[]
export type SkipDisposition = (typeof SKIP_DISPOSITIONS)[number]

const IsoDate = z.iso.datetime({ offset: true })

/** The agent's final answer (codex exec --output-schema). Strict-mode friendly: every key required, no bounds. */
export const SentryFixResult = z
  .object({
    status: z.enum(['fixed', 'no-fix']).describe('fixed: the worktree holds a fix; no-fix: no confident fix'),
    summary: z.string().describe('one line, imperative, under 72 characters: what the change does'),
    root_cause: z.string().describe('the root cause in a few sentences'),
    confidence: z.enum(['high', 'medium', 'low']),
    files_changed: z.array(z.string()).describe('paths relative to the repository root'),
    tests_run: z.string().nullable().describe('the test command the agent ran, or null'),
    tests_passed: z.boolean().nullable().describe('what the agent saw, or null if it ran none'),
    notes: z.string().describe('anything a reviewer should know; empty if nothing')
  })
  .strict()
export type SentryFixResult = z.infer<typeof SentryFixResult>

export const TokenUsage = z
  .object({
    input_tokens: z.number().int().nonnegative(),
    cached_input_tokens: z.number().int().nonnegative(),
    output_tokens: z.number().int().nonnegative(),
    model_requests: z.number().int().nonnegative()
  })
  .strict()
export type TokenUsage = z.infer<typeof TokenUsage>

export const PullRequestRef = z.object({ number: z.number().int().positive(), url: z.url() }).strict()
export const ExistingPullRequest = PullRequestRef.extend({
  state: z.enum(['open', 'closed', 'merged'])
}).strict()
export type ExistingPullRequest = z.infer<typeof ExistingPullRequest>

/** What Sentry says about an issue, as the summary and the plan carry it. */
export const IssueFacts = z
  .object({
    id: z.string(),
    short_id: z.string(),
    project: z.string(),
    title: z.string(),
    culprit: z.string().nullable(),
    level: z.string(),
    events: z.number().int().nonnegative(),
    users: z.number().int().nonnegative(),
    first_seen: IsoDate,
    last_seen: IsoDate,
    permalink: z.url()
  })
  .strict()
export type IssueFacts = z.infer<typeof IssueFacts>

/** The test-command run as the action measured it (log_tail: the end of the output of a failed run). */
export const MeasuredTests = z
  .object({
    command: z.string(),
    passed: z.boolean(),
    attempts: z.number().int().nonnegative(),
    log_tail: z.string().optional()
  })
  .strict()
export type MeasuredTests = z.infer<typeof MeasuredTests>

export const IssueSummary = IssueFacts.extend({
  disposition: Disposition,
  reason: z.string(),
  branch: z.string().optional(),
  root_cause: z.string().optional(),
  confidence: z.enum(['high', 'medium', 'low']).optional(),
  files_changed: z.array(z.string()).optional(),
  tests: MeasuredTests.optional(),
  agent_claimed_tests_passed: z.boolean().nullable().optional(),
  pull_request: PullRequestRef.optional(),
  existing_pull_request: ExistingPullRequest.optional(),
  usage: TokenUsage.optional(),
  duration_s: z.number().nonnegative().optional()
}).strict()
export type IssueSummary = z.infer<typeof IssueSummary>

export const SentryScope = z
  .object({
    host: z.string(),
    org: z.string(),
    projects: z.array(z.string()).min(1),
    query: z.string(),
    environment: z.string().nullable(),
    stats_period: z.string()
  })
  .strict()
export type SentryScope = z.infer<typeof SentryScope>

export const Limits = z
  .object({
    top: z.number().int().positive(),
    analyze_top: z.number().int().nonnegative(),
    max_prs: z.number().int().nonnegative(),
    min_events: z.number().int().nonnegative()
  })
  .strict()
export type Limits = z.infer<typeof Limits>

export const RunInfo = z
  .object({
    repository: z.string(),
    run_id: z.string(),
    run_url: z.url(),
    event: z.string(),
    mode: z.enum(MODES),
    started_at: IsoDate,
    finished_at: IsoDate,
    release: z.string().nullable()
  })
  .strict()
export type RunInfo = z.infer<typeof RunInfo>

export const TriageSummary = z
  .object({
    version: z.literal(SUMMARY_VERSION),
    run: RunInfo,
    sentry: SentryScope,
    limits: Limits,
    issues: z.array(IssueSummary),
    totals: z
      .object({
        triaged: z.number().int().nonnegative(),
        prs_opened: z.number().int().nonnegative(),
        skipped: z.number().int().nonnegative(),
        failed: z.number().int().nonnegative()
      })
      .strict(),
    usage: TokenUsage,
    /**
     * the fix-quality ledger: how the action's own PRs of the last history-days fared; null in modes plan and work,
     * and when it could not be built (a warning says why)
     */
    history: History.nullable(),
    /** why the run stopped early (a set-up failure), or null */
    error: z.string().nullable()
  })
  .strict()
export type TriageSummary = z.infer<typeof TriageSummary>

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

const Sha = z.string().regex(/^[0-9a-f]{40}$/)

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
        tests: MeasuredTests.nullable()
      })
      .strict()
      .nullable()
  })
  .strict()
export type WorkRecord = z.infer<typeof WorkRecord>

/** The JSON Schema files generated into schemas/. */
export const GENERATED_SCHEMAS = {
  'triage-summary.json': { schema: TriageSummary, title: 'sentry-codex-triage summary' },
  'plan.json': { schema: Plan, title: 'sentry-codex-triage plan' },
  'work-result.json': { schema: WorkRecord, title: 'sentry-codex-triage work result' },
  'sentry-fix.json': { schema: SentryFixResult, title: 'sentry-codex-triage agent result' }
} as const

export function toJsonSchema(name: keyof typeof GENERATED_SCHEMAS): Record<string, unknown> {
  const { schema, title } = GENERATED_SCHEMAS[name]
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output' }) as Record<string, unknown>
  // The agent's schema is sent to the model in strict mode, which accepts no $schema/title keywords.
  if (name === 'sentry-fix.json') {
    delete json.$schema
    return json
  }
  return { ...json, title }
}
