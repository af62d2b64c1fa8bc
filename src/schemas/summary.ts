// triage-summary.json: what one run did, issue by issue.
import { z } from 'zod'
import { Ledger } from './ledger.js'
import { MODES } from '../domain/types.js'
import { IsoDate } from './primitives.js'

export const SUMMARY_VERSION = 2
export const DISPOSITIONS = [
  'pr-opened',
  'existing-pr',
  'existing-branch',
  'previously-rejected',
  'fixed-not-recurred',
  'below-threshold',
  'cap-reached',
  'budget-reached',
  'no-fix',
  'policy-rejected',
  'tests-failed',
  'not-reproduced',
  'agent-failed',
  'land-failed',
  'fix-ready',
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

export const TokenUsage = z
  .object({
    input_tokens: z.number().int().nonnegative(),
    cached_input_tokens: z.number().int().nonnegative(),
    output_tokens: z.number().int().nonnegative(),
    model_requests: z.number().int().nonnegative(),
    /** USD, from token-prices; null (or absent) when no prices were given */
    cost_usd: z.number().nonnegative().nullable().optional()
  })
  .strict()
export type TokenUsage = z.infer<typeof TokenUsage>

/** The reproduction run: test-command on the base commit with only the fix's test files applied. */
export const ReproductionRecord = z
  .object({
    /** true: fails without the fix and passes with it; false: passes without it; null: not known (see reason) */
    reproduced: z.boolean().nullable(),
    reason: z.string(),
    /** the fix's test files (test-paths) the run applied to the base */
    test_files: z.array(z.string()),
    base: z
      .object({
        exit_code: z.number().int().nullable(),
        timed_out: z.boolean(),
        /** read from the run's output for the common test runners; empty when none is recognised */
        failing_tests: z.array(z.string())
      })
      .strict()
      .nullable()
  })
  .strict()
export type ReproductionRecord = z.infer<typeof ReproductionRecord>

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

/** Seconds, rounded to 0.1 s. */
const Seconds = z.number().nonnegative()

/**
 * Where one worked issue's time went, in seconds; a phase is present when it ran (several codex runs and test runs of
 * one issue are summed). `agent_s` is the codex runs whole, spawn to exit: `agent_start_s` (codex and the MCP server
 * up to the first model request), `model` (waiting for each model response) and `tools` (the commands, MCP calls and
 * patches the agent ran) are parts of it; the rest is codex's own work between them.
 */
export const IssuePhases = z
  .object({
    worktree_s: Seconds.optional(),
    agent_s: Seconds.optional(),
    agent_start_s: Seconds.optional(),
    model: z.object({ turns: z.number().int().nonnegative(), total_s: Seconds }).strict().optional(),
    tools: z.object({ calls: z.number().int().nonnegative(), total_s: Seconds }).strict().optional(),
    /** the action's own test runs (the jail included), every attempt */
    tests_s: Seconds.optional(),
    /** the reproduction run: a second worktree at the base with the fix's tests, and the test run there */
    reproduction_s: Seconds.optional(),
    policy_s: Seconds.optional(),
    push_s: Seconds.optional(),
    pr_s: Seconds.optional()
  })
  .strict()
export type IssuePhases = z.infer<typeof IssuePhases>

/**
 * The run's own phases, in seconds, present when they ran: Sentry's listing, dedup against GitHub, the fix-quality
 * ledger, and publishing (writing and uploading the summary: its own time is in the job summary, never in the file
 * it is still writing).
 */
export const RunPhases = z
  .object({
    sentry_s: Seconds.optional(),
    dedup_s: Seconds.optional(),
    ledger_s: Seconds.optional(),
    publish_s: Seconds.optional()
  })
  .strict()
export type RunPhases = z.infer<typeof RunPhases>

export const IssueSummary = IssueFacts.extend({
  disposition: Disposition,
  reason: z.string(),
  branch: z.string().optional(),
  root_cause: z.string().optional(),
  confidence: z.enum(['high', 'medium', 'low']).optional(),
  files_changed: z.array(z.string()).optional(),
  tests: MeasuredTests.optional(),
  agent_claimed_tests_passed: z.boolean().nullable().optional(),
  /** whether the fix's new test fails without it and passes with it (null: not known, see reproduction.reason) */
  reproduced: z.boolean().nullable().optional(),
  reproduction: ReproductionRecord.optional(),
  pull_request: PullRequestRef.optional(),
  existing_pull_request: ExistingPullRequest.optional(),
  usage: TokenUsage.optional(),
  duration_s: z.number().nonnegative().optional(),
  phases: IssuePhases.optional()
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
    usage: TokenUsage.extend({
      /** the run's cost divided by the PRs it opened; null without token-prices or without a PR */
      cost_per_pr_usd: z.number().nonnegative().nullable().optional()
    }).strict(),
    /**
     * the fix-quality ledger: how the action's own PRs of the last history-days fared; null in modes plan and work,
     * and when it could not be built (a warning says why)
     */
    history: Ledger.nullable(),
    phases: RunPhases.optional(),
    /** why the run stopped early (a set-up failure), or null */
    error: z.string().nullable()
  })
  .strict()
export type TriageSummary = z.infer<typeof TriageSummary>

