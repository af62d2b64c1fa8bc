// mode: dry-run, end to end: the bundled action as a Node 24 process, the REAL codex binary against the fake model,
// the REAL @sentry/mcp-server against the fake Sentry API, a checkout of the sample repository. Nothing is pushed.
import { afterEach, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { runAction, type ActionRun } from '../../test-support/action-process.js'
import { startAgentSandbox, type AgentSandbox } from '../../test-support/sandbox/sandbox.js'
import { triageScenario } from '../../test-support/sandbox/world.js'
import { findLeaks } from '../../test-support/leaks.js'
import { garbageScript, hangingScript, sampleModel } from '../../test-support/sandbox/agent-scripts.js'
import { conversationOf, callOutput } from '../../test-support/sandbox/fake-model.js'
import { SAMPLE_FIXES } from '../../test-support/sandbox/sample-repo.js'
import type { TriageSummary } from '../../src/schemas/summary.js'
import { findRunLeaks } from '../../test-support/leak-scan.js'

const exec = promisify(execFile)
let sandbox: AgentSandbox | undefined
const runs: ActionRun[] = []
afterEach(async () => {
  await sandbox?.close()
  sandbox = undefined
  await Promise.all(runs.splice(0).map(r => r.cleanup()))
})

async function dryRun(s: AgentSandbox, extra: Record<string, string> = {}, env: Record<string, string> = {}) {
  const run = await runAction({
    inputs: { ...s.inputs, ...triageScenario().inputs, mode: 'dry-run', ...extra },
    env: {
      ...s.env,
      GITHUB_TOKEN: 'ghs_plantedInTheJobEnv0123456789',
      SENTRY_DSN: 'https://k@o1.ingest.example/1',
      ...env
    },
    workspace: s.checkout.checkout,
    timeoutMs: 240_000
  })
  runs.push(run)
  expect(await findRunLeaks(s, run)).toEqual([])
  return run
}

const summaryOf = async (run: ActionRun) =>
  JSON.parse(await readFile(run.outputs['summary-file']!, 'utf8')) as TriageSummary
const refs = (s: AgentSandbox) =>
  exec('git', ['for-each-ref', '--format=%(refname) %(objectname)'], { cwd: s.checkout.bare }).then(
    r => r.stdout
  )

describe('dry-run mode, end to end', () => {
  it('fixes the sample bugs with the real codex and MCP server, records everything, and pushes nothing', async () => {
    sandbox = await startAgentSandbox(triageScenario())
    const refsBefore = await refs(sandbox)
    const run = await dryRun(sandbox)
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)

    const summary = await summaryOf(run)
    const byId = Object.fromEntries(summary.issues.map(i => [i.short_id, i]))
    expect(Object.fromEntries(summary.issues.map(i => [i.short_id, i.disposition]))).toEqual({
      'API-12': 'dry-run',
      'WEB-7': 'existing-pr',
      'API-31': 'fixed-not-recurred',
      'WEB-9': 'dry-run',
      'API-40': 'below-threshold'
    })
    const api12 = byId['API-12']!
    expect(api12.root_cause).toBe(SAMPLE_FIXES['API-12'].root_cause)
    expect(api12.confidence).toBe('high')
    expect(api12.files_changed!.sort()).toEqual(
      [SAMPLE_FIXES['API-12'].file, SAMPLE_FIXES['API-12'].testFile].sort()
    )
    expect(api12.agent_claimed_tests_passed).toBe(true)
    expect(api12.usage!.model_requests).toBe(7)
    expect(api12.usage!.input_tokens).toBeGreaterThan(0)
    expect(summary.usage.model_requests).toBe(14)

    // The MCP server (not the action) read the issue from the fake Sentry API.
    const mcpReads = sandbox.sentry.requests.filter(
      r =>
        r.path === '/api/0/organizations/acme/issues/API-12/' &&
        String(r.headers['user-agent']).startsWith('sentry-mcp/')
    )
    expect(mcpReads.length).toBeGreaterThan(0)
    expect(sandbox.sentry.writes()).toEqual([])

    // The artifact holds the summary, each issue's patch and its audit log listing the MCP call.
    const [artifact] = sandbox.artifacts.artifacts()
    const files = artifact!.files()
    expect(Object.keys(files).sort()).toEqual([
      'triage-summary.json',
      'work-API-12/audit.jsonl',
      'work-API-12/fix.patch',
      'work-WEB-9/audit.jsonl',
      'work-WEB-9/fix.patch'
    ])
    const audit = files['work-API-12/audit.jsonl']!.toString()
      .trim()
      .split('\n')
      .map(l => JSON.parse(l))
    expect(
      audit.filter(e => e.type === 'mcp_tool_call').map(e => [e.detail.tool, e.detail.arguments])
    ).toEqual([['get_sentry_resource', { resourceType: 'issue', resourceId: 'API-12' }]])

    // The recorded patch fixes the bug: applied to a fresh clone at base, the old and the new tests pass.
    const clone = await mkdtemp(path.join(os.tmpdir(), 'sct-verify-'))
    try {
      await exec('git', ['clone', '-q', sandbox.checkout.bare, clone])
      await exec(
        'git',
        ['apply', '--binary', '-']
          .slice(0, 2)
          .concat(path.join(run.runnerTemp, 'sentry-codex-triage/work-API-12/fix.patch')),
        { cwd: clone }
      )
      await expect(exec('node', ['--test'], { cwd: clone })).resolves.toBeDefined()
    } finally {
      await rm(clone, { recursive: true, force: true })
    }

    // What the agent's `env` printed, as the model received it: no credential of any kind.
    const envRequest = sandbox.model
      .responsesRequests()
      .find(r => callOutput(conversationOf(r).input, 'API-12-env'))!
    const envOutput = callOutput(conversationOf(envRequest).input, 'API-12-env')!
    expect(envOutput).toContain('PATH=')
    const planted = ['ghs_plantedInTheJobEnv0123456789', 'https://k@o1.ingest.example/1']
    expect(findLeaks([...sandbox.secrets, ...planted], { env: envOutput })).toEqual([])

    // Nothing pushed, no PR, no token in the checkout's config any more.
    expect(await refs(sandbox)).toBe(refsBefore)
    expect(sandbox.github.writes()).toEqual([])
    const config = await readFile(path.join(sandbox.checkout.checkout, '.git/config'), 'utf8')
    expect(findLeaks(sandbox.secrets, { config })).toEqual([])
    expect(
      findLeaks(sandbox.secrets, {
        log: run.log,
        stepSummary: run.stepSummary,
        outputs: JSON.stringify(run.outputs),
        ...Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.toString()]))
      })
    ).toEqual([])
  })

  it('kills a run that never finishes at the time budget, reports agent-failed, and still works the next issue', async () => {
    sandbox = await startAgentSandbox(triageScenario(), {
      model: sampleModel({ 'API-12': hangingScript('API-12') })
    })
    const started = Date.now()
    const run = await dryRun(sandbox, { 'issue-timeout-minutes': '0.15' })
    expect(run.code).toBe(0)
    const summary = await summaryOf(run)
    const api12 = summary.issues.find(i => i.short_id === 'API-12')!
    expect(api12.disposition).toBe('agent-failed')
    expect(api12.reason).toMatch(/timed out/)
    expect(summary.issues.find(i => i.short_id === 'WEB-9')!.disposition).toBe('dry-run')
    expect(Date.now() - started).toBeLessThan(120_000)
    const { stdout } = await exec('ps', ['-eo', 'args'])
    expect(stdout).not.toContain(run.runnerTemp)
  })

  it('reports a garbage final answer as agent-failed, and fails the step when every worked issue failed', async () => {
    sandbox = await startAgentSandbox(triageScenario(), {
      model: sampleModel({ 'API-12': garbageScript(), 'WEB-9': garbageScript() })
    })
    const run = await dryRun(sandbox)
    expect(run.code).toBe(1)
    const summary = await summaryOf(run)
    expect(summary.issues.filter(i => i.disposition === 'agent-failed').map(i => i.reason)).toEqual([
      expect.stringMatching(/final answer is not JSON/),
      expect.stringMatching(/final answer is not JSON/)
    ])
    expect(run.errors.join('\n')).toMatch(/every worked issue ended in agent-failed/)
    expect(sandbox.artifacts.artifacts()).toHaveLength(1)
  })
})
