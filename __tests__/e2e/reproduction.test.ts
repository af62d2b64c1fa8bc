// Proof and price, end to end: the bundled action, the real codex and MCP server, the sandbox's fakes.
// After the action's own test run passes, test-command runs again, jailed, in a second worktree at the base with only
// the fix's test files applied (the reproduction run); the budgets stop the agent and the run; token-prices price it.
import { afterEach, describe, expect, it } from '@jest/globals'
import { remoteBranches } from '../../test-support/sandbox/sandbox.js'
import { idleTestScript, noTestScript } from '../../test-support/sandbox/agent-scripts.js'
import { agentHarness, createdPulls, dispositions, summaryOf } from '../../test-support/e2e-harness.js'
import { costUsd } from '../../src/domain/cost.js'

const h = agentHarness({ mode: 'fix', 'test-command': 'npm test', concurrency: '1' })
afterEach(() => h.cleanup())

const issueOf = (summary: Awaited<ReturnType<typeof summaryOf>>, id: string) =>
  summary.issues.find(i => i.short_id === id)!

describe('the reproduction proof', () => {
  it('proves a real regression test: it fails on the base, and the PR names the test that failed there', async () => {
    const s = await h.sandbox()
    const run = await h.run(s, { 'max-prs': '1' })
    expect(run.code).toBe(0)
    const api12 = issueOf(await summaryOf(run), 'API-12')
    expect(api12.disposition).toBe('pr-opened')
    expect(api12.reproduced).toBe(true)
    expect(api12.reproduction).toMatchObject({
      reproduced: true,
      test_files: ['test/cart-total-without-summary.test.js'],
      base: { exit_code: 1, timed_out: false }
    })
    expect(api12.reproduction!.base!.failing_tests).toContain(
      'totals a cart that has no cached summary from its items'
    )
    const [pr] = createdPulls(s)
    expect(pr!.body).toContain(
      '**Reproduction** ✅ `test/cart-total-without-summary.test.js` fails without the fix (exit code 1: '
    )
    expect(pr!.body).toContain('`totals a cart that has no cached summary from its items`')
    expect(pr!.body).toMatch(/"reproduced":true/)
    expect(run.stepSummary).toMatch(/\| Reproduced \|/)
  })

  it('catches a test that passes without the fix: reproduced false, and the PR says so', async () => {
    const s = await h.sandbox({ scripts: { 'API-12': idleTestScript('API-12') } })
    const run = await h.run(s, { 'max-prs': '1' })
    const api12 = issueOf(await summaryOf(run), 'API-12')
    expect(api12.disposition).toBe('pr-opened')
    expect(api12.reproduced).toBe(false)
    expect(api12.reproduction).toMatchObject({
      test_files: ['test/regression-idle.test.js'],
      reason: "the fix's tests pass without the fix: they do not exercise the bug",
      base: { exit_code: 0, timed_out: false, failing_tests: [] }
    })
    expect(createdPulls(s)[0]!.body).toContain(
      '**Reproduction** ⚠️ `test/regression-idle.test.js` pass without the fix too'
    )
  })

  it('with require-reproduction, gives such a fix a further attempt, then ends it not-reproduced with no PR', async () => {
    const s = await h.sandbox({ scripts: { 'API-12': idleTestScript('API-12') } })
    const run = await h.run(s, { 'max-prs': '1', 'require-reproduction': 'true', 'fix-attempts': '1' })
    expect(run.code).toBe(0)
    const summary = await summaryOf(run)
    const api12 = issueOf(summary, 'API-12')
    expect(api12.disposition).toBe('not-reproduced')
    expect(api12.reason).toMatch(
      /^require-reproduction: the fix's tests pass without the fix.*after 2 attempt\(s\)/
    )
    expect(api12.reproduced).toBe(false)
    expect(api12.tests).toMatchObject({ passed: true, attempts: 2 })
    const told = s.model
      .responsesRequests()
      .filter(r => JSON.stringify(r.body).includes('did not reproduce the bug'))
    expect(told.length).toBeGreaterThan(0)
    // the cap moves on: the next candidate, whose sample fix has a real regression test, gets the PR
    expect(dispositions(summary)['WEB-9']).toBe('pr-opened')
    expect(Object.keys(await remoteBranches(s))).not.toContain('fix/sentry-API-12')
    expect(createdPulls(s).map(p => p.head)).toEqual(['fix/sentry-WEB-9'])
  })

  it('says why it cannot tell for a fix that adds no test', async () => {
    const s = await h.sandbox({ scripts: { 'API-12': noTestScript('API-12') } })
    const run = await h.run(s, { 'max-prs': '1' })
    const api12 = issueOf(await summaryOf(run), 'API-12')
    expect(api12.disposition).toBe('pr-opened')
    expect(api12.reproduced).toBeNull()
    expect(api12.reproduction).toEqual({
      reproduced: null,
      reason: 'the fix adds no test (no new or changed file under test-paths)',
      test_files: [],
      base: null
    })
    expect(createdPulls(s)[0]!.body).toContain('**Reproduction** not proven: the fix adds no test')
  })
})

describe('budgets and cost', () => {
  it('starts no issue once max-tokens-per-run is reached, and prices the run with token-prices', async () => {
    const s = await h.sandbox()
    const prices = { input: 1.25, cachedInput: 0.125, output: 10 }
    const run = await h.run(s, {
      'max-prs': '3',
      'max-tokens-per-run': '1',
      'token-prices': 'input=1.25, cached-input=0.125, output=10'
    })
    expect(run.code).toBe(0)
    const summary = await summaryOf(run)
    // the first issue was started under the budget and finishes; the rest are never started
    expect(dispositions(summary)).toMatchObject({ 'API-12': 'pr-opened', 'WEB-9': 'budget-reached' })
    expect(issueOf(summary, 'WEB-9').reason).toMatch(
      /^not worked: the run's token budget is spent: [\d,]+ tokens/
    )
    const usage = issueOf(summary, 'API-12').usage!
    expect(usage.input_tokens).toBeGreaterThan(0)
    expect(usage.cost_usd).toBe(costUsd(usage, prices))
    expect(summary.usage.cost_usd).toBe(usage.cost_usd)
    expect(summary.usage.cost_per_pr_usd).toBe(usage.cost_usd)
    expect(run.outputs['input-tokens']).toBe(String(summary.usage.input_tokens))
    expect(run.outputs['output-tokens']).toBe(String(summary.usage.output_tokens))
    expect(run.outputs['cost-usd']).toBe(String(summary.usage.cost_usd))
    expect(run.stepSummary).toMatch(/Cost: \$\d+\.\d+, \$\d+\.\d+ per PR opened\./)
    expect(createdPulls(s)[0]!.body).toMatch(
      new RegExp(`"tokens":${usage.input_tokens + usage.output_tokens},"cost_usd":${usage.cost_usd}`)
    )
  })

  it('stops an agent that passes max-tokens-per-issue: that issue ends agent-failed, the next is worked', async () => {
    const s = await h.sandbox()
    const run = await h.run(s, { 'max-prs': '1', 'max-tokens-per-issue': '1' })
    expect(run.code).toBe(1) // every worked issue ended agent-failed
    const summary = await summaryOf(run)
    expect(issueOf(summary, 'API-12').disposition).toBe('agent-failed')
    expect(issueOf(summary, 'API-12').reason).toMatch(
      /^token budget: the agent used [\d,]+ tokens \(input \+ output\), more than the 1 it was allowed; codex was stopped/
    )
    expect(issueOf(summary, 'WEB-9').disposition).toBe('agent-failed')
    expect(createdPulls(s)).toHaveLength(0)
  })
})
