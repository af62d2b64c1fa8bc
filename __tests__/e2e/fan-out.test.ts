// The fan-out (mode plan -> a matrix of mode work -> mode land), end to end as the reusable workflow runs it: the
// bundled action as separate Node 24 processes, the real codex binary and MCP server, the fakes, and real git.
import { afterEach, describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { ROOT } from '../../test-support/action-process.js'
import { runFanOut, type FanOut } from '../../test-support/fan-out.js'
import { findRunLeaks } from '../../test-support/leak-scan.js'
import {
  SANDBOX_GITHUB_TOKEN,
  SANDBOX_READ_TOKEN,
  startAgentSandbox,
  type AgentSandbox
} from '../../test-support/sandbox/sandbox.js'
import { spareScenario, triageScenario } from '../../test-support/sandbox/world.js'
import { alwaysFailingScript, sampleModel } from '../../test-support/sandbox/agent-scripts.js'
import { agentHarness, createdPulls, dispositions, summaryOf } from '../../test-support/e2e-harness.js'
import {
  applyPatchCall,
  fixResultMessage,
  sequence,
  type ModelScript
} from '../../test-support/sandbox/fake-model.js'
import type { TriageSummary } from '../../src/schemas/summary.js'

const INPUTS = { ...triageScenario().inputs, 'test-command': 'npm test' }
const h = agentHarness({ mode: 'fix', 'test-command': 'npm test' })
const open: { s?: AgentSandbox; fan?: FanOut }[] = []
afterEach(async () => {
  await h.cleanup()
  for (const { s, fan } of open.splice(0)) {
    await fan?.cleanup()
    await s?.close()
  }
})

async function sandbox(
  world = triageScenario(),
  scripts: Record<string, ModelScript> = {}
): Promise<AgentSandbox> {
  const s = await startAgentSandbox(world, { model: sampleModel(scripts) })
  open.push({ s })
  return s
}

async function fanOut(s: AgentSandbox, inputs: Record<string, string> = {}, skip: string[] = []) {
  const fan = await runFanOut(s, { ...INPUTS, ...inputs }, { skip, leakScan: findRunLeaks })
  open.push({ fan })
  return fan
}

const landed = async (fan: FanOut): Promise<TriageSummary> => summaryOf(fan.land.run)

/** API-40 (not one of the sample's bugs): a small change that passes the tests. */
const API40: ModelScript = sequence(
  [
    applyPatchCall(
      '*** Begin Patch\n*** Add File: src/orders/page-size.js\n+export const ORDERS_PAGE_SIZE = 50\n*** End Patch'
    )
  ],
  [
    fixResultMessage({
      summary: 'Page the orders query',
      root_cause: 'The orders page loaded every order at once.',
      files_changed: ['src/orders/page-size.js'],
      tests_run: null,
      tests_passed: null
    })
  ]
)

describe('fan-out: plan -> work matrix -> land, end to end', () => {
  it('opens the same pull requests with the same dispositions as mode fix on the same world', async () => {
    const single = await h.sandbox()
    const fix = await h.run(single)
    expect(fix.code).toBe(0)
    const fixSummary = await summaryOf(fix)

    const s = await sandbox()
    const fan = await fanOut(s)
    expect(fan.matrix).toEqual({ include: [{ issue: 'API-12' }, { issue: 'WEB-9' }] })
    expect(fan.plan.run.outputs['base-sha']).toBe(s.checkout.baseSha)
    for (const job of [...fan.work, fan.land])
      expect({ job: job.name, code: job.run.code }).toEqual({ job: job.name, code: 0 })

    const summary = await landed(fan)
    expect(dispositions(summary)).toEqual(dispositions(fixSummary))
    const heads = (pulls: { head: string; title: string }[]) => pulls.map(p => `${p.head} ${p.title}`).sort()
    expect(heads(createdPulls(s))).toEqual(heads(createdPulls(single)))
    expect(fan.land.run.outputs.opened).toBe('2')
    expect(
      JSON.parse(fan.land.run.outputs['pull-requests']!)
        .map((p: { issue: string }) => p.issue)
        .sort()
    ).toEqual(['API-12', 'WEB-9'])
    // the merged summary carries every work job's measured tests and token usage
    for (const id of ['API-12', 'WEB-9']) {
      const issue = summary.issues.find(i => i.short_id === id)!
      expect(issue.tests).toEqual({ command: 'npm test', passed: true, attempts: 1 })
      expect(issue.usage?.model_requests).toBeGreaterThan(0)
    }
    expect(summary.usage.model_requests).toBe(
      summary.issues.reduce((n, i) => n + (i.usage?.model_requests ?? 0), 0)
    )
    expect(summary.run.mode).toBe('land')

    // every hand-off file matches its generated schema
    const ajv = new Ajv2020({ allErrors: true, strict: false })
    addFormats.default(ajv)
    const schema = async (name: string) =>
      ajv.compile(JSON.parse(await readFile(path.join(ROOT, 'schemas', name), 'utf8')))
    const validPlan = await schema('plan.json')
    const validWork = await schema('work-result.json')
    const validSummary = await schema('triage-summary.json')
    const artifacts = s.artifacts.artifacts()
    const plan = artifacts.find(a => a.name === 'plan')!
    expect(validPlan(JSON.parse(plan.files()['plan.json']!.toString('utf8')))).toBe(true)
    for (const id of ['API-12', 'WEB-9']) {
      const work = artifacts.find(a => a.name === `work-${id}`)!
      const files = work.files()
      expect(Object.keys(files).sort()).toEqual(
        [
          `work-${id}/audit.jsonl`,
          `work-${id}/fix.patch`,
          `work-${id}/result.json`,
          `work-${id}/tests.log`
        ].sort()
      )
      expect(validWork(JSON.parse(files[`work-${id}/result.json`]!.toString('utf8')))).toBe(true)
    }
    expect(validSummary(summary)).toBe(true)
    expect(artifacts.map(a => a.name).sort()).toEqual(
      ['plan', `sentry-triage-${fan.runId}`, 'work-API-12', 'work-WEB-9'].sort()
    )
  })

  it('gives the work jobs only a read-only token, which writes nothing to the GitHub API or the git remote', async () => {
    const s = await sandbox()
    const fan = await fanOut(s)
    for (const job of fan.work) {
      const given = JSON.stringify({ inputs: job.inputs, env: job.env })
      expect(given).not.toContain(SANDBOX_GITHUB_TOKEN)
      expect(job.inputs['github-token']).toBe(SANDBOX_READ_TOKEN)
    }
    expect(JSON.stringify({ inputs: fan.land.inputs, env: fan.land.env })).not.toContain(
      s.inputs['sentry-token']
    )
    expect(fan.land.inputs['openai-api-key']).toBe('')

    const byReadToken = s.github.requests.filter(r => s.github.tokenOf(r) === SANDBOX_READ_TOKEN)
    expect(byReadToken.length).toBeGreaterThan(0) // the plan job's dedup look-ups
    expect(byReadToken.filter(r => r.method !== 'GET' && r.method !== 'HEAD')).toEqual([])
    const pushes = s.checkout.http!.requests.filter(r => r.url.includes('git-receive-pack'))
    expect(pushes.length).toBeGreaterThan(0)
    expect(pushes.every(r => r.role === 'write')).toBe(true)
    // land sends both branches in one push request
    expect(pushes.filter(r => r.method === 'POST')).toHaveLength(1)
    // every write the fake GitHub saw came with the land job's token
    expect(s.github.writes().every(r => s.github.tokenOf(r) === SANDBOX_GITHUB_TOKEN)).toBe(true)
    expect(createdPulls(s)).toHaveLength(2)
  })

  it('back-fills a primary that ended tests-failed with a spare, and opens no more than max-prs', async () => {
    const s = await sandbox(spareScenario(), { 'API-12': alwaysFailingScript('API-12'), 'API-40': API40 })
    const fan = await fanOut(s, { 'max-prs': '2', 'spare-candidates': '2', 'fix-attempts': '0' })
    expect(fan.matrix.include.map(e => e.issue)).toEqual(['API-12', 'WEB-7', 'WEB-9', 'API-40'])
    const summary = await landed(fan)
    expect(dispositions(summary)).toEqual({
      'API-12': 'tests-failed',
      'WEB-7': 'pr-opened',
      'API-31': 'fixed-not-recurred',
      'WEB-9': 'pr-opened',
      'API-40': 'cap-reached'
    })
    expect(
      createdPulls(s)
        .map(p => p.head)
        .sort()
    ).toEqual(['fix/sentry-WEB-7', 'fix/sentry-WEB-9'])
    expect(summary.issues.find(i => i.short_id === 'API-40')!.reason).toMatch(/fix was ready, but max-prs 2/)
  })

  it('opens exactly max-prs pull requests when every work job has a fix', async () => {
    const s = await sandbox(spareScenario(), { 'API-40': API40 })
    const fan = await fanOut(s, { 'max-prs': '2', 'spare-candidates': '2' })
    expect(fan.work).toHaveLength(4)
    const summary = await landed(fan)
    expect(summary.issues.filter(i => i.disposition === 'pr-opened').map(i => i.short_id)).toEqual([
      'API-12',
      'WEB-7'
    ])
    expect(dispositions(summary)).toMatchObject({ 'WEB-9': 'cap-reached', 'API-40': 'cap-reached' })
    expect(createdPulls(s)).toHaveLength(2)
    expect(fan.land.run.outputs.opened).toBe('2')
  })

  it('reports a work job that left no artifact as land-failed, and still lands the others', async () => {
    const s = await sandbox()
    const fan = await fanOut(s, {}, ['WEB-9'])
    expect(fan.land.run.code).toBe(0)
    const web9 = (await landed(fan)).issues.find(i => i.short_id === 'WEB-9')!
    expect(web9.disposition).toBe('land-failed')
    expect(web9.reason).toMatch(/no work-WEB-9 artifact in this run: its work job did not finish/)
    expect(createdPulls(s).map(p => p.head)).toEqual(['fix/sentry-API-12'])
  })
})
