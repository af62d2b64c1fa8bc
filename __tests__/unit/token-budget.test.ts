import { describe, expect, it } from '@jest/globals'
import {
  agentBudgetReason,
  budgetPassed,
  nextAgentRun,
  runBudget,
  tokensUsed
} from '../../src/domain/token-budget.js'

const usage = (input_tokens: number, cached_input_tokens: number, output_tokens: number) => ({
  input_tokens,
  cached_input_tokens,
  output_tokens
})

describe('tokensUsed', () => {
  it('counts input and output, cached input once as the part of input it is', () => {
    expect(tokensUsed(usage(1000, 200, 50))).toBe(1050)
    expect(tokensUsed(usage(1000, 0, 50))).toBe(1050)
  })
})

describe('budgetPassed', () => {
  it('is never passed without a budget', () => {
    expect(budgetPassed(usage(10_000_000, 0, 10_000_000), null)).toBe(false)
  })

  it('is passed by one token more than the budget, not by exactly the budget', () => {
    expect(budgetPassed(usage(3000, 600, 500), 3500)).toBe(false)
    expect(budgetPassed(usage(3000, 600, 501), 3500)).toBe(true)
  })
})

describe('agentBudgetReason', () => {
  it('says "token budget" with the tokens used and the budget', () => {
    expect(agentBudgetReason(usage(4000, 800, 200), 3500)).toBe(
      'token budget: the agent used 4,200 tokens (input + output), more than the 3,500 it was allowed; codex was stopped'
    )
  })
})

describe('nextAgentRun', () => {
  it('gives every run no limit when there is no per-issue budget', () => {
    expect(nextAgentRun(null, usage(9_000_000, 0, 1_000_000))).toEqual({ kind: 'run', maxTokens: null })
  })

  it('gives the first run the whole budget and each further attempt what the earlier ones left', () => {
    expect(nextAgentRun(5000, usage(0, 0, 0))).toEqual({ kind: 'run', maxTokens: 5000 })
    expect(nextAgentRun(5000, usage(2800, 1000, 200))).toEqual({ kind: 'run', maxTokens: 2000 })
  })

  it('starts no further attempt once the issue used its whole budget', () => {
    for (const used of [usage(4500, 0, 500), usage(5000, 0, 700)]) {
      const next = nextAgentRun(5000, used)
      expect(next.kind).toBe('stop')
      expect(next.kind === 'stop' && next.reason).toMatch(/^token budget: .* max-tokens-per-issue 5,000$/)
    }
  })
})

describe('runBudget', () => {
  it('never stops a run without a budget', () => {
    expect(runBudget(null, usage(1e9, 0, 1e9))).toEqual({ kind: 'within' })
  })

  it('starts the next issue while the run is below its budget', () => {
    expect(runBudget(10_000, usage(9000, 5000, 999))).toEqual({ kind: 'within' })
  })

  it('starts no further issue once the run reached or passed its budget', () => {
    expect(runBudget(10_000, usage(9000, 0, 1000))).toEqual({
      kind: 'reached',
      reason:
        "the run's token budget is spent: 10,000 tokens (input + output) used, max-tokens-per-run is 10,000"
    })
    expect(runBudget(10_000, usage(12_000, 0, 500)).kind).toBe('reached')
  })
})
