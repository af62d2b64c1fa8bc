// What the model's tokens cost, under the prices the user gives (token-prices: USD per million tokens, as providers
// list them; the action keeps no price table, because prices change).
//
// Codex's counts follow the Responses API: input_tokens INCLUDES cached_input_tokens (the API's
// usage.input_tokens_details.cached_tokens is a part of input_tokens; codex's TokenUsage::non_cached_input subtracts
// it), and output_tokens includes the reasoning tokens. So a usage costs
//   (input - cached) × input price + cached × cached-input price + output × output price, per million tokens.
//
// Amounts are whole micro-dollars ($0.000001): one fix costs fractions of a cent, so cents would round it away, and
// whole micro-dollars keep sums free of floating-point noise (0.1 + 0.2). tokens × USD per million tokens is an
// amount in micro-dollars, which is rounded once.
import type { AgentUsage } from '../ports.js'

/** USD per million tokens. */
export interface TokenPrices {
  input: number
  cachedInput: number
  output: number
}

export type TokenCounts = Pick<AgentUsage, 'input_tokens' | 'cached_input_tokens' | 'output_tokens'>

const MICRO_PER_USD = 1_000_000

const microDollars = (usd: number): number => Math.round(usd * MICRO_PER_USD)

/** The cost of a usage in USD, rounded to whole micro-dollars. */
export function costUsd(usage: TokenCounts, prices: TokenPrices): number {
  const input = Math.max(0, usage.input_tokens)
  // never more than the input it is a part of (codex saturates the same way)
  const cached = Math.min(input, Math.max(0, usage.cached_input_tokens))
  const output = Math.max(0, usage.output_tokens)
  const micro = (input - cached) * prices.input + cached * prices.cachedInput + output * prices.output
  return Math.round(micro) / MICRO_PER_USD
}

/** The cost of a usage, or null when no prices were given (cost not computed). */
export const costOrNull = (usage: TokenCounts, prices: TokenPrices | null): number | null =>
  prices === null ? null : costUsd(usage, prices)

/** The sum of amounts already rounded to micro-dollars (the issues' costs), exactly: the run's cost. */
export function sumCostsUsd(costs: readonly number[]): number {
  return costs.reduce((sum, cost) => sum + microDollars(cost), 0) / MICRO_PER_USD
}

/** The run's cost divided by the pull requests it opened; null without prices or without a pull request. */
export function costPerPrUsd(totalCost: number | null, prsOpened: number): number | null {
  if (totalCost === null || prsOpened <= 0) return null
  return Math.round(microDollars(totalCost) / prsOpened) / MICRO_PER_USD
}

/** US dollars as a person reads them: to the cent, and to four decimals under a cent. */
export function usd(amount: number): string {
  return amount > 0 && amount < 0.01 ? `$${amount.toFixed(4)}` : `$${amount.toFixed(2)}`
}
