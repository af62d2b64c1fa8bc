// The token budgets' decisions (max-tokens-per-issue, max-tokens-per-run), without I/O.
//
// A budget counts input + output tokens as codex reports them, cached input included (input_tokens includes
// cached_input_tokens): what the model read and wrote, which the Responses API calls total_tokens. It does not depend
// on how much of a prompt the provider happened to have cached, so the same run spends the same budget every time;
// what caching saves shows in the cost (domain/cost.ts) instead.
import type { TokenCounts } from './cost.js'

export const tokensUsed = (usage: TokenCounts): number => usage.input_tokens + usage.output_tokens

const count = (n: number): string => n.toLocaleString('en-US')

/** An agent run passed its budget: more tokens than allowed (exactly the budget is still within it). */
export const budgetPassed = (usage: TokenCounts, maxTokens: number | null): boolean =>
  maxTokens !== null && tokensUsed(usage) > maxTokens

/** Why an agent run was stopped (or its result refused) at its token budget. */
export function agentBudgetReason(usage: TokenCounts, maxTokens: number): string {
  return `token budget: the agent used ${count(tokensUsed(usage))} tokens (input + output), more than the ${count(maxTokens)} it was allowed; codex was stopped`
}

export type NextAgentRun =
  | {
      kind: 'run'
      /** the budget of this agent run (what the issue has left), null for none */ maxTokens: number | null
    }
  | { kind: 'stop'; reason: string }

/**
 * Before each agent run of an issue (the first, and each further attempt): how many tokens it may use, or why none
 * is started because the issue's earlier runs spent the whole max-tokens-per-issue.
 */
export function nextAgentRun(maxTokensPerIssue: number | null, issueUsage: TokenCounts): NextAgentRun {
  if (maxTokensPerIssue === null) return { kind: 'run', maxTokens: null }
  const left = maxTokensPerIssue - tokensUsed(issueUsage)
  if (left > 0) return { kind: 'run', maxTokens: left }
  return {
    kind: 'stop',
    reason: `token budget: the issue's agent runs used ${count(tokensUsed(issueUsage))} tokens (input + output) of max-tokens-per-issue ${count(maxTokensPerIssue)}`
  }
}

export type RunBudget = { kind: 'within' } | { kind: 'reached'; reason: string }

/**
 * Before the next issue is started: whether the run's tokens so far have reached max-tokens-per-run. Reaching it is
 * enough (at exactly the budget, any further issue would pass it). An issue already started is not stopped by it.
 */
export function runBudget(maxTokensPerRun: number | null, runUsage: TokenCounts): RunBudget {
  if (maxTokensPerRun === null || tokensUsed(runUsage) < maxTokensPerRun) return { kind: 'within' }
  return {
    kind: 'reached',
    reason: `the run's token budget is spent: ${count(tokensUsed(runUsage))} tokens (input + output) used, max-tokens-per-run is ${count(maxTokensPerRun)}`
  }
}
