// Faults, end to end: the bundled action as a Node 24 process against the local sandbox, with Sentry, GitHub, the
// artifact service, git, the codex binary, the MCP server and the runner's disk misbehaving. Each test names the fault
// and asserts the outcome docs/faults.md defines for it: the exit code, the summary (written and schema-valid
// whenever inputs were valid, except where writing it is the fault), the disposition or error, and that nothing was
// pushed where nothing should be.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { execFile, execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { ROOT, runAction, type ActionRun } from '../../test-support/action-process.js'
import {
  remoteBranches,
  startAgentSandbox,
  startSandbox,
  type AgentSandbox,
  type Sandbox
} from '../../test-support/sandbox/sandbox.js'
import { triageScenario } from '../../test-support/sandbox/world.js'
import { findLeaks } from '../../test-support/leaks.js'
import { sentryLinkHeader } from '../../test-support/sandbox/fake-sentry.js'
import { fakeSha, githubFaults } from '../../test-support/sandbox/fake-github.js'
import {
  applyPatchCall,
  callOutput,
  conversationOf,
  fixResultMessage,
  sequence,
  shellCall
} from '../../test-support/sandbox/fake-model.js'
import { sampleModel } from '../../test-support/sandbox/agent-scripts.js'
import { SAMPLE_FIXES } from '../../test-support/sandbox/sample-repo.js'
import { createdPulls } from '../../test-support/e2e-harness.js'
import {
  CRASH_STDERR,
  writeFailingMcpServer,
  writeFakeCodex,
  writeNonExecutableCodex
} from '../../test-support/sandbox/fault-codex.js'
import type { TriageSummary } from '../../src/schemas/summary.js'
import { findRunLeaks } from '../../test-support/leak-scan.js'

const exec = promisify(execFile)
const LIST = '/api/0/organizations/acme/issues/'
const isList = (r: { method: string; path: string }) => r.method === 'GET' && r.path === LIST
const isPullLookup = (r: { method: string; path: string }) =>
  r.method === 'GET' && r.path === '/repos/acme/shop/pulls'

let validate: ValidateFunction
let scratch: string
let sandbox: Sandbox | AgentSandbox | undefined
const runs: ActionRun[] = []
const dirs: string[] = []

beforeAll(async () => {
  const schema = JSON.parse(await readFile(path.join(ROOT, 'schemas/triage-summary.json'), 'utf8'))
  const ajv = new Ajv2020({ allErrors: true, strict: false })
  addFormats.default(ajv)
  validate = ajv.compile(schema)
  scratch = await mkdtemp(path.join(os.tmpdir(), 'sct-faults-'))
})
afterEach(async () => {
  await sandbox?.close()
  sandbox = undefined
  await Promise.all(runs.splice(0).map(r => r.cleanup()))
  await Promise.all(dirs.splice(0).map(d => rm(d, { recursive: true, force: true })))
})
afterAll(() => rm(scratch, { recursive: true, force: true }))

// ------------------------------------------------------------------------------------------------------ helpers

async function triage(
  s: Sandbox,
  inputs: Record<string, string> = {},
  env: Record<string, string> = {}
): Promise<ActionRun> {
  const run = await runAction({
    inputs: { ...s.inputs, ...triageScenario().inputs, ...inputs },
    env: { ...s.env, ...env }
  })
  runs.push(run)
  // every run of this suite: no secret in any output, file, artifact, request or push
  expect(await findRunLeaks(s, run)).toEqual([])
  return run
}

async function fix(
  s: AgentSandbox,
  inputs: Record<string, string> = {},
  env: Record<string, string> = {}
): Promise<ActionRun> {
  const run = await runAction({
    inputs: { ...s.inputs, ...triageScenario().inputs, mode: 'fix', 'test-command': 'npm test', ...inputs },
    env: { ...s.env, ...env },
    workspace: s.checkout.checkout,
    timeoutMs: 240_000
  })
  runs.push(run)
  // every run of this suite: no secret in any output, file, artifact, request or push
  expect(await findRunLeaks(s, run)).toEqual([])
  return run
}

/** The summary the run wrote: it exists, it validates against schemas/triage-summary.json, and leaks no secret. */
async function writtenSummary(run: ActionRun, s: Sandbox): Promise<TriageSummary> {
  const file = run.outputs['summary-file']
  expect(file).toBeTruthy()
  const text = await readFile(file!, 'utf8')
  const summary = JSON.parse(text) as TriageSummary
  expect(validate(summary) ? true : validate.errors).toBe(true)
  expect(
    findLeaks(s.secrets, {
      log: run.log,
      stderr: run.stderr,
      stepSummary: run.stepSummary,
      outputs: JSON.stringify(run.outputs),
      summary: text
    })
  ).toEqual([])
  return summary
}

const byId = (summary: TriageSummary) => Object.fromEntries(summary.issues.map(i => [i.short_id, i]))
const warnings = (run: ActionRun) => run.log.split('\n').filter(l => l.startsWith('::warning'))

/** A directory outside /tmp: the codex sandbox lets the agent write /tmp, so a worktree there proves nothing. */
async function outsideTmp(): Promise<string> {
  const dir = await mkdtemp(path.join('/var/tmp', 'sct-faults-'))
  dirs.push(dir)
  return dir
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries.map(e => path.join(e.parentPath, e.name))
}

// ------------------------------------------------------------------------------------------------------ Sentry

describe('faults: Sentry', () => {
  it('Sentry request that hangs past the time limit: aborted, retried, the run succeeds', async () => {
    sandbox = await startSandbox(triageScenario())
    sandbox.sentry.faults.push({
      match: isList,
      response: async (_req, normal) => ({ ...(await normal()), delayMs: 6_000 })
    })
    const run = await triage(sandbox, {}, { SENTRY_CODEX_TRIAGE_SENTRY_TIMEOUT_MS: '1500' })
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)
    expect(warnings(run).join('\n')).toMatch(
      /GET \/api\/0\/organizations\/acme\/issues\/ failed \(no complete answer within 1\.5 s\); retrying/
    )
    const summary = await writtenSummary(run, sandbox)
    expect(summary.error).toBeNull()
    expect(summary.totals.triaged).toBe(5)
    expect(sandbox.sentry.requests.filter(isList)).toHaveLength(2)
  })

  it('Sentry 5xx storm on the issue list: retries run out, the step fails, the summary carries the error', async () => {
    sandbox = await startSandbox(triageScenario())
    sandbox.sentry.faults.push({
      match: isList,
      times: 100,
      response: {
        status: 503,
        headers: { 'retry-after': '0.2' },
        raw: '<html>503 Service Unavailable</html>'
      }
    })
    const run = await triage(sandbox)
    expect(run.code).toBe(1)
    const error =
      /Sentry answered 503 Service Unavailable for GET \/api\/0\/organizations\/acme\/issues\/ 5 times in a row; giving up/
    expect(run.errors.join('\n')).toMatch(error)
    const summary = await writtenSummary(run, sandbox)
    expect(summary.error).toMatch(error)
    expect(summary.issues).toEqual([])
    expect(sandbox.sentry.requests.filter(isList)).toHaveLength(5)
    expect(sandbox.artifacts.artifacts()).toHaveLength(1)
    expect(sandbox.github.writes()).toEqual([])
  })

  it('Sentry answers truncated JSON: the step fails with a clear error, the summary is written', async () => {
    sandbox = await startSandbox(triageScenario())
    sandbox.sentry.faults.push({
      match: isList,
      response: { status: 200, raw: '[{"id":"7001","shortId":"API-12","title":"TypeError: Cannot read prop' }
    })
    const run = await triage(sandbox)
    expect(run.code).toBe(1)
    const error =
      /Sentry answered GET \/api\/0\/organizations\/acme\/issues\/ with a body that is not valid JSON \(status 200, application\/json, \d+ bytes\)/
    expect(run.errors.join('\n')).toMatch(error)
    const summary = await writtenSummary(run, sandbox)
    expect(summary.error).toMatch(error)
    expect(summary.issues).toEqual([])
    expect(sandbox.github.writes()).toEqual([])
  })

  it('Sentry pagination loop (the next cursor repeats): listing stops with a warning, the run succeeds', async () => {
    sandbox = await startSandbox(triageScenario(), { sentryPageSize: 2 })
    const url = sandbox.sentry.url
    sandbox.sentry.faults.push({
      match: isList,
      times: 50,
      response: async (req, normal) => {
        const answer = await normal()
        const headers = Object.fromEntries(
          Object.entries(answer.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'link')
        )
        const page = `${url}${req.path}?${req.query.toString()}`
        headers.link = sentryLinkHeader(
          page,
          { cursor: '0:0:1', results: false },
          { cursor: '0:2:0', results: true }
        )
        return { ...answer, headers }
      }
    })
    const run = await triage(sandbox)
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)
    expect(warnings(run).join('\n')).toMatch(
      /next cursor '0:2:0' was already followed \(a pagination loop\); stopping after 2 pages/
    )
    expect(sandbox.sentry.requests.filter(isList)).toHaveLength(2)
    const summary = await writtenSummary(run, sandbox)
    expect(summary.error).toBeNull()
    // The two pages it read, each issue once.
    expect(summary.issues.map(i => i.short_id)).toEqual(['API-12', 'WEB-7', 'API-31', 'WEB-9'])
  })
})

// ------------------------------------------------------------------------------------------------------ GitHub

describe('faults: GitHub', () => {
  it('GitHub 5xx storm on the dedup look-ups: a set-up failure, the step fails, the summary is written', async () => {
    sandbox = await startSandbox(triageScenario())
    sandbox.github.faults.push({ match: isPullLookup, times: 1000, response: githubFaults.badGateway() })
    const run = await triage(sandbox)
    expect(run.code).toBe(1)
    const error =
      /GitHub server error \(502\) while listing pull requests from acme:fix\/sentry-[A-Z]+-\d+: .*retries were used up/
    expect(run.errors.join('\n')).toMatch(error)
    const summary = await writtenSummary(run, sandbox)
    expect(summary.error).toMatch(error)
    expect(summary.issues).toEqual([])
    // one try and three retries of a look-up
    expect(sandbox.github.requests.filter(isPullLookup).length).toBeGreaterThanOrEqual(4)
    expect(sandbox.github.writes()).toEqual([])
    expect(sandbox.artifacts.artifacts()).toHaveLength(1)
  }, 60_000)

  it('GitHub secondary rate limit during dedup: waited out, the run succeeds with every disposition', async () => {
    const scenario = triageScenario()
    sandbox = await startSandbox(scenario)
    sandbox.github.faults.push(
      {
        match: r => r.path.includes('matching-refs'),
        times: 1,
        response: githubFaults.secondaryRateLimit(1)
      },
      { match: isPullLookup, times: 1, response: githubFaults.secondaryRateLimit(1) }
    )
    const run = await triage(sandbox)
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)
    expect(
      warnings(run).filter(w => /secondary rate limit.*waiting 1 s before retry 1 of 3/.test(w))
    ).toHaveLength(2)
    const summary = await writtenSummary(run, sandbox)
    expect(Object.fromEntries(summary.issues.map(i => [i.short_id, i.disposition]))).toEqual(
      scenario.expected
    )
    expect(sandbox.github.faults).toHaveLength(0)
  })

  it('a fix branch created and another deleted between dedup and push: existing-branch, nothing overwritten or recreated', async () => {
    const scenario = triageScenario()
    // At dedup WEB-9 has a branch without a PR (existing-branch); API-12 has none (a candidate).
    ;(scenario.github.branches as Record<string, string>)['fix/sentry-WEB-9'] = fakeSha('someone')
    const s = await startAgentSandbox(scenario, { model: sampleModel() })
    sandbox = s
    const before = await remoteBranches(s)
    // When land re-checks API-12 (its second PR look-up, after the agent's work), someone pushes fix/sentry-API-12
    // and deletes fix/sentry-WEB-9.
    let api12Lookups = 0
    s.github.faults.push({
      match: r => {
        if (isPullLookup(r) && r.query.get('head') === 'acme:fix/sentry-API-12' && ++api12Lookups === 2) {
          execFileSync('git', ['update-ref', 'refs/heads/fix/sentry-API-12', s.checkout.baseSha], {
            cwd: s.checkout.bare
          })
          execFileSync('git', ['update-ref', '-d', 'refs/heads/fix/sentry-WEB-9'], { cwd: s.checkout.bare })
        }
        return false
      },
      times: 1,
      response: githubFaults.badGateway()
    })
    const run = await runAction({
      inputs: { ...s.inputs, ...scenario.inputs, mode: 'fix', 'test-command': 'npm test' },
      env: s.env,
      workspace: s.checkout.checkout,
      timeoutMs: 240_000
    })
    runs.push(run)
    expect(await findRunLeaks(s, run)).toEqual([])
    expect(api12Lookups).toBe(2)
    expect(run.code).toBe(0)
    const summary = await writtenSummary(run, s)
    const issues = byId(summary)
    expect(issues['API-12']).toMatchObject({
      disposition: 'existing-branch',
      reason: 'branch fix/sentry-API-12 appeared while this run worked; it was not overwritten'
    })
    expect(issues['WEB-9']!.disposition).toBe('existing-branch')
    const branches = await remoteBranches(s)
    expect(branches['fix/sentry-API-12']).toBe(s.checkout.baseSha)
    expect(branches['fix/sentry-WEB-9']).toBeUndefined()
    const { ['fix/sentry-WEB-9']: _deleted, ...untouched } = before
    expect(branches).toEqual({ ...untouched, 'fix/sentry-API-12': s.checkout.baseSha })
    expect(createdPulls(s)).toEqual([])
  })
})

// ------------------------------------------------------------------------------------------------------ codex and MCP

describe('faults: the codex binary and the MCP server', () => {
  it.each([
    [
      'missing',
      async () => path.join(scratch, 'no-such-dir', 'codex'),
      /SENTRY_CODEX_TRIAGE_CODEX_PATH points at .*no-such-dir\/codex, which does not exist/
    ],
    [
      'not executable',
      () => writeNonExecutableCodex(path.join(scratch, 'noexec')),
      /The codex at .*noexec\/codex does not run \(.*EACCES.*\)/
    ]
  ])(
    'codex binary %s: every candidate agent-failed with the reason, the step fails, nothing pushed',
    async (_what, codexPath, reason) => {
      const s = await startAgentSandbox(triageScenario())
      sandbox = s
      const before = await remoteBranches(s)
      const run = await fix(s, {}, { SENTRY_CODEX_TRIAGE_CODEX_PATH: await codexPath() })
      expect(run.code).toBe(1)
      expect(run.errors.join('\n')).toMatch(/every worked issue ended in agent-failed or land-failed \(2\)/)
      const summary = await writtenSummary(run, s)
      for (const id of ['API-12', 'WEB-9']) {
        expect(byId(summary)[id]!.disposition).toBe('agent-failed')
        expect(byId(summary)[id]!.reason).toMatch(/^the agent could not be set up: /)
        expect(byId(summary)[id]!.reason).toMatch(reason)
      }
      expect(summary.totals.failed).toBe(2)
      expect(s.model.requests).toEqual([])
      expect(await remoteBranches(s)).toEqual(before)
      expect(s.github.writes()).toEqual([])
    }
  )

  it('codex crashes (exit 1 with an error on stderr): agent-failed with that error, the step fails, nothing pushed', async () => {
    const s = await startAgentSandbox(triageScenario())
    sandbox = s
    const before = await remoteBranches(s)
    const codex = await writeFakeCodex(path.join(scratch, 'crash'), 'crash')
    const run = await fix(s, {}, { SENTRY_CODEX_TRIAGE_CODEX_PATH: codex })
    expect(run.code).toBe(1)
    const summary = await writtenSummary(run, s)
    for (const id of ['API-12', 'WEB-9']) {
      expect(byId(summary)[id]).toMatchObject({
        disposition: 'agent-failed',
        reason: `codex exited with code 1: ${CRASH_STDERR}`
      })
    }
    expect(run.errors.join('\n')).toMatch(/every worked issue ended in agent-failed/)
    expect(await remoteBranches(s)).toEqual(before)
    expect(s.github.writes()).toEqual([])
  })

  it('codex emits unknown JSON event types and a non-JSON line: recorded in the audit, the fix still lands', async () => {
    const s = await startAgentSandbox(triageScenario())
    sandbox = s
    const before = await remoteBranches(s)
    const codex = await writeFakeCodex(path.join(scratch, 'unknown'), 'unknown-events')
    const run = await fix(s, { 'max-prs': '1' }, { SENTRY_CODEX_TRIAGE_CODEX_PATH: codex })
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)
    const summary = await writtenSummary(run, s)
    const api12 = byId(summary)['API-12']!
    expect(api12).toMatchObject({ disposition: 'pr-opened', confidence: 'medium' })
    expect(api12.usage).toMatchObject({ input_tokens: 1234, output_tokens: 56 })
    expect(createdPulls(s).map(p => p.head)).toEqual(['fix/sentry-API-12'])
    expect(Object.keys(await remoteBranches(s)).sort()).toEqual(
      [...Object.keys(before), 'fix/sentry-API-12'].sort()
    )
    const [artifact] = s.artifacts.artifacts()
    const auditFile = artifact!.files()['work-API-12/audit.jsonl']!
    const audit = auditFile
      .toString()
      .trim()
      .split('\n')
      .map(line => JSON.parse(line) as { type: string; detail: Record<string, unknown> })
    expect(audit.filter(e => e.type === 'unknown').map(e => e.detail)).toEqual(
      expect.arrayContaining([
        { event: 'session.configured.v2' },
        { item_type: 'quantum_tool_call' },
        { event: 'object' },
        { event: 'string' },
        { event: 'rate_limits.updated' },
        { event: 'thread.finished.v3' }
      ])
    )
    expect(audit).toContainEqual(
      expect.objectContaining({
        type: 'error',
        detail: expect.objectContaining({ message: 'a line of codex output that is not JSON' })
      })
    )
    expect(audit).toContainEqual(
      expect.objectContaining({
        type: 'unknown',
        detail: { item_type: 'hologram_projection', status: 'unfinished' }
      })
    )
  })

  it('codex hangs and ignores SIGTERM (fix mode): killed with its children at the budget, agent-failed, nothing pushed', async () => {
    const s = await startAgentSandbox(triageScenario())
    sandbox = s
    const before = await remoteBranches(s)
    const codex = await writeFakeCodex(path.join(scratch, 'hang'), 'hang')
    const started = Date.now()
    const run = await fix(
      s,
      { 'issue-timeout-minutes': '0.1', concurrency: '2' },
      { SENTRY_CODEX_TRIAGE_CODEX_PATH: codex }
    )
    expect(run.code).toBe(1)
    expect(Date.now() - started).toBeLessThan(60_000)
    const summary = await writtenSummary(run, s)
    for (const id of ['API-12', 'WEB-9']) {
      expect(byId(summary)[id]).toMatchObject({
        disposition: 'agent-failed',
        reason: expect.stringMatching(/^timed out after \d+(\.\d)? s$/)
      })
    }
    const { stdout } = await exec('ps', ['-eo', 'args'])
    expect(stdout).not.toContain(run.runnerTemp)
    expect(await remoteBranches(s)).toEqual(before)
    expect(s.github.writes()).toEqual([])
  })

  it('the Sentry MCP server fails to start: required = true fails codex, agent-failed naming the MCP server', async () => {
    const s = await startAgentSandbox(triageScenario())
    sandbox = s
    const before = await remoteBranches(s)
    const mcp = await writeFailingMcpServer(path.join(scratch, 'mcp'))
    const run = await fix(s, { 'max-prs': '1' }, { SENTRY_CODEX_TRIAGE_MCP_ENTRY: mcp })
    expect(run.code).toBe(1)
    const summary = await writtenSummary(run, s)
    const failed = summary.issues.filter(i => i.disposition === 'agent-failed')
    expect(failed.map(i => i.short_id)).toEqual(['API-12', 'WEB-9'])
    for (const issue of failed) {
      expect(issue.reason).toMatch(
        /^codex exited with code 1: .*required MCP servers failed to initialize: sentry/
      )
    }
    expect(s.model.responsesRequests()).toEqual([])
    expect(await remoteBranches(s)).toEqual(before)
    expect(s.github.writes()).toEqual([])
  })

  it('the agent writes outside its worktree (../ and /tmp): denied or ignored, never in the diff, never pushed', async () => {
    const marker = `sct-outside-${process.pid}-${Date.now()}.txt`
    const fixApi12 = SAMPLE_FIXES['API-12']
    const s = await startAgentSandbox(triageScenario(), {
      model: sampleModel({
        'API-12': sequence(
          [shellCall('echo planted > ../outside.txt', { callId: 'outside-parent' })],
          [shellCall(`echo planted > /tmp/${marker}`, { callId: 'outside-tmp' })],
          [applyPatchCall(fixApi12.applyPatch)],
          [
            fixResultMessage({
              summary: fixApi12.summary,
              root_cause: fixApi12.root_cause,
              files_changed: [fixApi12.file, fixApi12.testFile]
            })
          ]
        )
      })
    })
    sandbox = s
    const before = await remoteBranches(s)
    dirs.push(path.join('/tmp', marker))
    // The worktrees live under RUNNER_TEMP: outside /tmp here, as on a runner, so ../ is outside every writable root.
    const runnerTemp = await outsideTmp()
    const run = await fix(s, { 'max-prs': '1' }, { RUNNER_TEMP: runnerTemp })
    expect(run.code).toBe(0)
    const summary = await writtenSummary(run, s)
    const api12 = byId(summary)['API-12']!
    expect(api12.disposition).toBe('pr-opened')
    expect(api12.files_changed!.sort()).toEqual([fixApi12.file, fixApi12.testFile].sort())
    // ../outside.txt: the sandbox refused it, and the model was told so.
    expect((await filesUnder(runnerTemp)).filter(f => f.endsWith('outside.txt'))).toEqual([])
    const told = s.model
      .responsesRequests()
      .map(r => callOutput(conversationOf(r).input, 'outside-parent'))
      .find(o => o !== undefined)
    expect(told).toMatch(/Read-only file system|Permission denied|Operation not permitted/)
    // The pushed commit holds the fix's files only.
    const { stdout } = await exec('git', ['show', '--name-only', '--format=', 'fix/sentry-API-12'], {
      cwd: s.checkout.bare
    })
    expect(stdout.trim().split('\n').sort()).toEqual([fixApi12.file, fixApi12.testFile].sort())
    const patch = s.artifacts.artifacts()[0]!.files()['work-API-12/fix.patch']!.toString()
    expect(patch).not.toContain('outside')
    expect(patch).not.toContain(marker)
    expect(createdPulls(s).map(p => p.head)).toEqual(['fix/sentry-API-12'])
    expect(Object.keys(await remoteBranches(s)).sort()).toEqual(
      [...Object.keys(before), 'fix/sentry-API-12'].sort()
    )
  })
})

// ------------------------------------------------------------------------------------------------------ the runner

describe('faults: the runner and the artifact service', () => {
  it('the summary cannot be written (RUNNER_TEMP/sentry-codex-triage is a file): the step fails, job summary and outputs still set', async () => {
    sandbox = await startSandbox(triageScenario())
    const runnerTemp = path.join(scratch, 'disk-full')
    await mkdir(runnerTemp, { recursive: true })
    await writeFile(path.join(runnerTemp, 'sentry-codex-triage'), 'a file where the run folder belongs')
    const run = await triage(sandbox, {}, { RUNNER_TEMP: runnerTemp })
    expect(run.code).toBe(1)
    expect(run.errors.join('\n')).toMatch(
      /the triage summary could not be written: .*sentry-codex-triage\/triage-summary\.json: E(EXIST|NOTDIR)/
    )
    expect(warnings(run).join('\n')).toMatch(/Could not write .*triage-summary\.json/)
    expect(run.outputs).toMatchObject({
      'summary-file': '',
      opened: '0',
      skipped: '3',
      failed: '0',
      'pull-requests': '[]'
    })
    expect(run.stepSummary).toContain('## Sentry triage')
    expect(run.stepSummary).toContain('API-12')
    expect(run.stepSummary).toMatch(/\[!CAUTION\]\n> the triage summary could not be written/)
    expect(sandbox.artifacts.artifacts()).toEqual([])
    expect(findLeaks(sandbox.secrets, { log: run.log, stepSummary: run.stepSummary })).toEqual([])
  })

  it('the job summary cannot be written (GITHUB_STEP_SUMMARY is a directory): a warning, the run succeeds', async () => {
    sandbox = await startSandbox(triageScenario())
    const dir = path.join(scratch, 'step-summary-dir')
    await mkdir(dir, { recursive: true })
    const run = await triage(sandbox, {}, { GITHUB_STEP_SUMMARY: dir })
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)
    expect(warnings(run).join('\n')).toMatch(/Could not write the job summary: .*EISDIR/)
    const summary = await writtenSummary(run, sandbox)
    expect(summary.totals.triaged).toBe(5)
    expect(sandbox.artifacts.artifacts()).toHaveLength(1)
  })

  it('the artifact service refuses the upload (403): a warning naming the local file, the run succeeds', async () => {
    sandbox = await startSandbox(triageScenario())
    sandbox.artifacts.faults.push({
      operation: 'CreateArtifact',
      status: 403,
      msg: 'artifact storage quota has been hit'
    })
    const run = await triage(sandbox)
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)
    expect(warnings(run).join('\n')).toMatch(
      /Artifact sentry-triage-4242 was not uploaded: artifact upload failed: .*quota.*; the summary file is still at .*triage-summary\.json/
    )
    const summary = await writtenSummary(run, sandbox)
    expect(summary.totals.triaged).toBe(5)
    expect(sandbox.artifacts.artifacts()).toEqual([])
  })
})
