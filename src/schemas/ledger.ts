// The fix-quality ledger: the `history` section of triage-summary.json (zod is the source of truth; the JSON Schema
// in schemas/ is generated from TriageSummary, which holds `history: Ledger.nullable()`).
import { z } from 'zod'
import { IsoDate } from './primitives.js'
const Count = z.number().int().nonnegative()

export const LEDGER_CLASSES = [
  'open',
  'merged-unmodified',
  'merged-with-changes',
  'closed-unmerged'
] as const
export type LedgerClass = (typeof LEDGER_CLASSES)[number]

const pullRequestFields = {
  number: z.number().int().positive(),
  url: z.url(),
  short_id: z.string(),
  issue_id: z.string(),
  created_at: IsoDate,
  /** merged, and the Sentry issue was seen again after the merge (among the issues this run listed) */
  regressed: z.boolean(),
  /** the reproduction verdict its trailer records; null when unknown (and in PRs opened before it was recorded) */
  reproduced: z.boolean().nullable(),
  /** the fix's model cost in USD its trailer records; null when unknown (no token-prices, older PRs) */
  cost_usd: z.number().nonnegative().nullable()
}

/** One of the action's past pull requests in the window, by how it fared. */
export const LedgerEntry = z.discriminatedUnion('class', [
  z
    .object({
      class: z.literal('open'),
      ...pullRequestFields,
      /** whole days since it was opened */
      age_days: Count
    })
    .strict(),
  z
    .object({
      class: z.literal('merged-unmodified'),
      ...pullRequestFields,
      merged_at: IsoDate
    })
    .strict(),
  z
    .object({
      class: z.literal('merged-with-changes'),
      ...pullRequestFields,
      merged_at: IsoDate,
      /** commits in the PR that are not the action's */
      human_commits: Count
    })
    .strict(),
  z
    .object({
      class: z.literal('closed-unmerged'),
      ...pullRequestFields,
      closed_at: IsoDate
    })
    .strict()
])
export type LedgerEntry = z.infer<typeof LedgerEntry>

/** A rate always travels with its counts: `rate` is merged_unmodified / closed, null when nothing was closed. */
export const MergedUnmodifiedRate = z
  .object({
    merged_unmodified: Count,
    /** merged (with or without human changes) plus closed unmerged */
    closed: Count,
    rate: z.number().min(0).max(1).nullable()
  })
  .strict()
export type MergedUnmodifiedRate = z.infer<typeof MergedUnmodifiedRate>

export const Ledger = z
  .object({
    /** history-days */
    window_days: z.number().int().positive(),
    /** PRs created at or after this instant are in the ledger */
    since: IsoDate,
    /** false when GitHub's search answered incompletely (a timeout, or more than 1,000 results): counts are a floor */
    complete: z.boolean(),
    /** newest first */
    pull_requests: z.array(LedgerEntry),
    counts: z
      .object({
        open: Count,
        merged_unmodified: Count,
        merged_with_changes: Count,
        /** human commits summed over the merged-with-changes PRs */
        human_commits: Count,
        closed_unmerged: Count,
        /** merged PRs whose issue was seen again after the merge (also counted in their merged class) */
        regressed: Count
      })
      .strict(),
    merged_unmodified_rate: MergedUnmodifiedRate,
    /** the same rate for the PRs whose fix was proven by the reproduction run, not proven, and not known */
    merged_unmodified_rate_by_reproduction: z
      .object({ reproduced: MergedUnmodifiedRate, not_reproduced: MergedUnmodifiedRate, unknown: MergedUnmodifiedRate })
      .strict(),
    /** what the PRs whose trailer records a cost cost, and that spend per PR merged unmodified among them */
    cost: z
      .object({
        priced_prs: Count,
        total_usd: z.number().nonnegative(),
        merged_unmodified: Count,
        /** total_usd / merged_unmodified; null when none of the priced PRs was merged unmodified */
        per_merged_unmodified_usd: z.number().nonnegative().nullable()
      })
      .strict(),
    /** GitHub API requests the ledger made (search pages plus one commits listing, or its pages, per merged PR) */
    github_requests: Count
  })
  .strict()
export type Ledger = z.infer<typeof Ledger>
