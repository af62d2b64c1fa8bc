// Pure: the plan plus what happened to each candidate becomes the published triage summary.
import type { Ledger } from '../schemas/ledger.js'
import { costOrNull, costPerPrUsd, sumCostsUsd, type TokenPrices } from './cost.js'
import { type Plan } from '../schemas/handoff.js'
import {
  SUMMARY_VERSION,
  type Disposition,
  type IssueFacts,
  type IssueSummary,
  type Limits,
  type RunInfo,
  type RunPhases,
  type SentryScope,
  type TokenUsage,
  type TriageSummary
} from '../schemas/summary.js'

/** What a stage decided for one candidate (the fields beyond disposition and reason are filled where they apply). */
export type CandidateOutcome = Omit<IssueSummary, keyof IssueFacts>

/** Not worked because there was no need: deduped, below threshold, or the PR cap was reached first. */
export const SKIPPED: readonly Disposition[] = [
  'existing-pr',
  'existing-branch',
  'previously-rejected',
  'fixed-not-recurred',
  'below-threshold',
  'cap-reached',
  'budget-reached'
]
/** Worked, and ended without a fix that could be landed because something failed. */
export const FAILED: readonly Disposition[] = [
  'agent-failed',
  'land-failed',
  'tests-failed',
  'not-reproduced',
  'policy-rejected'
]

export const ZERO_USAGE: TokenUsage = {
  input_tokens: 0,
  cached_input_tokens: 0,
  output_tokens: 0,
  model_requests: 0
}

/** The token counts of two usages added (a cost is computed from the sum where one is wanted, never added). */
export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    cached_input_tokens: a.cached_input_tokens + b.cached_input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    model_requests: a.model_requests + b.model_requests
  }
}

/**
 * Every planned issue gets exactly one disposition: skips keep the plan's; candidates take their outcome, or
 * `fallback` (e.g. triage-only, cap-reached) when no stage reached them.
 */
export function summariseIssues(
  plan: Pick<Plan, 'issues'>,
  outcomes: ReadonlyMap<string, CandidateOutcome>,
  fallback: (shortId: string) => CandidateOutcome
): IssueSummary[] {
  return plan.issues.map(({ facts, branch, decision }) => {
    if (decision.kind === 'skip') {
      return {
        ...facts,
        disposition: decision.disposition,
        reason: decision.reason,
        ...(decision.existing_pull_request ? { existing_pull_request: decision.existing_pull_request } : {})
      }
    }
    const outcome = outcomes.get(facts.short_id) ?? fallback(facts.short_id)
    const withBranch = outcome.disposition === 'pr-opened' ? { branch } : {}
    return { ...facts, ...withBranch, ...outcome }
  })
}

export function buildSummary(input: {
  run: RunInfo
  sentry: SentryScope
  limits: Limits
  issues: IssueSummary[]
  usage: TokenUsage
  /** USD per million tokens (token-prices): each issue's and the run's cost; null: cost is not computed */
  prices: TokenPrices | null
  /** the fix-quality ledger, null when it was not built */
  history: Ledger | null
  /** the run's own phases (domain/phases.ts runPhases), undefined when none ran */
  phases?: RunPhases
  error: string | null
}): TriageSummary {
  const issues = input.issues.map(issue =>
    issue.usage
      ? { ...issue, usage: { ...issue.usage, cost_usd: costOrNull(issue.usage, input.prices) } }
      : issue
  )
  const count = (set: readonly Disposition[]) => issues.filter(i => set.includes(i.disposition)).length
  const prsOpened = issues.filter(i => i.disposition === 'pr-opened').length
  // the run's cost is the sum of its issues' (each rounded once), so the summary adds up
  const cost = input.prices === null ? null : sumCostsUsd(issues.map(i => i.usage?.cost_usd ?? 0))
  return {
    version: SUMMARY_VERSION,
    run: input.run,
    sentry: input.sentry,
    limits: input.limits,
    issues,
    totals: {
      triaged: issues.length,
      prs_opened: prsOpened,
      skipped: count(SKIPPED),
      failed: count(FAILED)
    },
    usage: { ...input.usage, cost_usd: cost, cost_per_pr_usd: costPerPrUsd(cost, prsOpened) },
    history: input.history,
    ...(input.phases ? { phases: input.phases } : {}),
    error: input.error
  }
}
