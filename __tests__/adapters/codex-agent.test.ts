// The Codex agent adapter with the REAL codex binary (node_modules) against the local fake model, and the REAL
// @sentry/mcp-server against the fake Sentry API, in a temporary git repository.
import { afterEach, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile
} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createCodexAgent, type CodexAgentOptions } from '../../src/adapters/codex-agent.js'
import {
  CODEX_PATH_ENV,
  installCodex,
  installSentryMcp,
  MCP_ENTRY_ENV
} from '../../src/adapters/codex-install.js'
import { pinFiles } from '../../src/adapters/pinned-files.js'
import { createCodexEventLog } from '../../src/domain/codex-events.js'
import type { Agent, AgentOutcome, AgentRequest, AuditEntry } from '../../src/ports.js'
import { SentryFixResult } from '../../src/schemas/agent-result.js'
import { toJsonSchema } from '../../src/schemas/json-schema.js'
import { node24, ROOT } from '../../test-support/action-process.js'
import {
  applyPatchCall,
  assistantMessage,
  byPrompt,
  conversationOf,
  fixResultMessage,
  hang,
  httpError,
  mcpCall,
  sequence,
  shellCall,
  startFakeModel,
  toolSearchCall,
  turn,
  updateFilePatch,
  type FakeModel,
  type ModelScript
} from '../../test-support/sandbox/fake-model.js'
import { startFakeSentry, type FakeSentry } from '../../test-support/sandbox/fake-sentry.js'
import { findLeaks } from '../../test-support/leaks.js'
import { recordingLog } from '../../test-support/recording-log.js'
import { triageScenario } from '../../test-support/sandbox/world.js'
import { keepTalkingScript } from '../../test-support/sandbox/agent-scripts.js'

const CODEX = path.join(ROOT, 'node_modules/.bin/codex')
const MCP_ENTRY = path.join(ROOT, 'node_modules/@sentry/mcp-server/dist/index.js')
const MODEL_KEY = 'sk-agent-test-model-key-0123456789abcdef'
// Planted in the action's environment: none of them may reach the agent or the MCP server.
const PLANTED = {
  GITHUB_TOKEN: 'ghs_plantedJobToken0123456789abcdefABCD',
  OPENAI_API_KEY: 'sk-planted-openai-key-0123456789abcdef',
  SENTRY_DSN: 'https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/42',
  INPUT_SENTRY_TOKEN: 'sntryu_planted_input_token_0123456789'
}

const CART_JS = `export function cartTotal(cart) {
  return cart.items.reduce((sum, item) => sum + item.price, 0)
}
`

interface Harness {
  base: string
  repo: string
  codexHome: string
  sentry: FakeSentry
  model: FakeModel
  agent: Agent
  log: ReturnType<typeof recordingLog>
  request(overrides?: Partial<AgentRequest>): AgentRequest
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('error', reject)
    child.on('close', code =>
      code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')}: ${out}`))
    )
  })
}

async function makeRepo(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'src'), { recursive: true })
  await writeFile(path.join(dir, 'src/cart.js'), CART_JS)
  const git = (...args: string[]) =>
    run('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], dir)
  await git('init', '-q', '-b', 'main')
  await git('add', '.')
  await git('commit', '-q', '-m', 'initial')
}

async function workspace(): Promise<{ base: string; repo: string; codexHome: string }> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'sct-codex-'))
  cleanups.push(() => rm(base, { recursive: true, force: true }))
  const repo = path.join(base, 'repo')
  await makeRepo(repo)
  return { base, repo, codexHome: path.join(base, 'codex-home') }
}

async function harness(
  script: ModelScript,
  dirs: { base: string; repo: string; codexHome: string },
  overrides: Partial<CodexAgentOptions> = {}
): Promise<Harness> {
  const sentry = await startFakeSentry(triageScenario().sentry)
  cleanups.push(() => sentry.close())
  const model = await startFakeModel(script)
  cleanups.push(() => model.close())
  const log = recordingLog()
  const agent = createCodexAgent({
    codexPath: CODEX,
    codexHome: dirs.codexHome,
    config: {
      model: 'gpt-5.5',
      reasoningEffort: null,
      openaiBaseUrl: model.baseUrl,
      modelRetries: 0,
      sentry: { host: sentry.host, insecureHttp: true, org: 'acme', projects: ['api'] },
      mcp: { nodePath: node24(), entry: MCP_ENTRY },
      extraCaCerts: null
    },
    secrets: { modelKey: MODEL_KEY, sentryToken: sentry.token },
    env: { ...process.env, ...PLANTED },
    log,
    extraArgs: [],
    pinned: [],
    ...overrides
  })
  return {
    ...dirs,
    sentry,
    model,
    agent,
    log,
    request: overrides => ({
      shortId: 'API-12',
      worktree: dirs.repo,
      prompt: 'Fix the Sentry issue API-12 in this repository. Answer with the JSON result.',
      seer: false,
      timeoutMs: 45_000,
      maxTokens: null,
      outDir: path.join(dirs.base, 'out', 'API-12'),
      ...overrides
    })
  }
}

function auditOf(outcome: AgentOutcome, type: AuditEntry['type']): Record<string, unknown>[] {
  return outcome.audit.filter(entry => entry.type === type).map(entry => entry.detail)
}

/** The tool names a tool_search_output offered (namespaced MCP tools included). */
function offeredTools(model: FakeModel, callId: string): string[] {
  for (const request of model.responsesRequests()) {
    const item = (request.body?.input ?? []).find(
      i => i.type === 'tool_search_output' && i.call_id === callId
    )
    if (!item) continue
    return (item.tools as { name: string; tools?: { name: string }[] }[]).flatMap(t =>
      t.tools ? t.tools.map(inner => `${t.name}.${inner.name}`) : [t.name]
    )
  }
  throw new Error(`no tool_search_output for ${callId}`)
}

/** The output of a call as codex sent it back to the model in a later request. */
function outputSentBack(model: FakeModel, callId: string): string {
  for (const request of model.responsesRequests()) {
    const output = conversationOf(request).outputOf(callId)
    if (output !== undefined) return output
  }
  throw new Error(`no output of ${callId} reached the model`)
}

interface ProcessInfo {
  pid: number
  cmdline: string[]
  environ: Record<string, string>
}

async function processes(match: (cmdline: string) => boolean): Promise<ProcessInfo[]> {
  const found: ProcessInfo[] = []
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const cmdline = (await readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0').filter(Boolean)
      if (!match(cmdline.join(' '))) continue
      const environ = Object.fromEntries(
        (await readFile(`/proc/${name}/environ`, 'utf8'))
          .split('\0')
          .filter(Boolean)
          .map(pair => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])
      )
      found.push({ pid: Number(name), cmdline, environ })
    } catch {
      // exited meanwhile
    }
  }
  return found
}

/** Every file below dir, as text (sqlite files included: a secret would show in them verbatim). */
async function filesBelow(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  async function walk(current: string): Promise<void> {
    for (const entry of await readdir(current, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(current, entry.name)
      if (entry.isDirectory()) await walk(full)
      else if (entry.isFile()) out[full] = await readFile(full, 'latin1').catch(() => '')
    }
  }
  await walk(dir)
  return out
}

/** Polls fn while the run is alive, until it returns a value. */
function whileRunning<T>(fn: () => Promise<T | undefined>): {
  result: () => T | undefined
  stop: () => void
} {
  let value: T | undefined
  let busy = false
  const timer = setInterval(() => {
    if (busy || value !== undefined) return
    busy = true
    fn()
      .then(v => (value = v ?? value))
      .catch(() => undefined)
      .finally(() => (busy = false))
  }, 50)
  return { result: () => value, stop: () => clearInterval(timer) }
}

describe('createCodexAgent with the real codex binary', () => {
  it('runs a scripted fix: MCP issue read, a command, a patch, the final JSON', async () => {
    const dirs = await workspace()
    // AppArmor's user-namespace switch reads "1": the sandbox probe runs, with the real binary, and passes here.
    const sysctl = path.join(dirs.base, 'apparmor_restrict_unprivileged_userns')
    await writeFile(sysctl, '1\n')
    const script = byPrompt({
      'API-12': sequence(
        [toolSearchCall('sentry issue details', { callId: 'search' })],
        [
          mcpCall('get_sentry_resource', { resourceType: 'issue', resourceId: 'API-12' }, { callId: 'issue' })
        ],
        [shellCall('cat src/cart.js', { callId: 'cat' })],
        [
          applyPatchCall(
            updateFilePatch('src/cart.js', {
              remove: ['  return cart.items.reduce((sum, item) => sum + item.price, 0)'],
              add: ['  return (cart?.items ?? []).reduce((sum, item) => sum + item.price, 0)']
            })
          )
        ],
        [fixResultMessage({ files_changed: ['src/cart.js'], summary: 'Treat a missing cart as empty' })]
      )
    })
    const h = await harness(script, dirs, { appArmorSysctl: sysctl })
    const request = h.request()
    const outcome = await h.agent.run(request)

    expect(outcome).toMatchObject({ kind: 'completed', threadId: expect.any(String) })
    if (outcome.kind !== 'completed') throw new Error(outcome.reason)
    expect(SentryFixResult.parse(JSON.parse(outcome.finalMessage))).toMatchObject({
      status: 'fixed',
      files_changed: ['src/cart.js']
    })
    expect(await readFile(path.join(h.repo, 'src/cart.js'), 'utf8')).toContain('(cart?.items ?? [])')
    // five model requests of the fake's default usage (1000 in, 200 cached, 50 out each)
    expect(outcome.usage).toEqual({
      input_tokens: 5000,
      cached_input_tokens: 1000,
      output_tokens: 250,
      model_requests: 5
    })
    expect(h.model.responsesRequests()).toHaveLength(5)
    // where the run's time went: a turn per model request, a call per scripted tool but the tool search (it runs
    // inside codex), and the parts within the whole run
    const timings = outcome.timings!
    expect(timings.model.turns).toBe(5)
    expect(timings.tools.calls).toBe(3)
    for (const part of [timings.startMs, timings.model.ms, timings.tools.ms]) expect(part).toBeGreaterThan(0)
    expect(timings.startMs + timings.model.ms + timings.tools.ms).toBeLessThanOrEqual(timings.totalMs)

    expect(auditOf(outcome, 'mcp_tool_call')).toEqual([
      {
        server: 'sentry',
        tool: 'get_sentry_resource',
        arguments: { resourceType: 'issue', resourceId: 'API-12' },
        status: 'completed',
        error: null
      }
    ])
    expect(auditOf(outcome, 'command_execution')).toEqual([
      expect.objectContaining({ command: expect.stringContaining('cat src/cart.js'), exit_code: 0 })
    ])
    expect(auditOf(outcome, 'file_change')).toEqual([
      { changes: [{ path: path.join(h.repo, 'src/cart.js'), kind: 'update' }], status: 'completed' }
    ])

    // the MCP server read the issue from Sentry, as itself
    const issueRead = h.sentry.requests.find(r => r.path === '/api/0/organizations/acme/issues/API-12/')
    expect(issueRead?.headers['user-agent']).toMatch(/^sentry-mcp\//)
    expect(h.sentry.writes()).toEqual([])
    // what the model was sent: the prompt, the output schema in strict mode, the key, and no web search
    const first = h.model.responsesRequests()[0]!
    expect(conversationOf(first).userText).toContain(request.prompt)
    expect(first.body?.text?.format).toEqual({
      type: 'json_schema',
      name: expect.any(String),
      strict: true,
      schema: toJsonSchema('sentry-fix.json')
    })
    expect(first.headers.authorization).toBe(`Bearer ${MODEL_KEY}`)
    const tools = (first.body?.tools ?? []).map(t => `${String(t.type)}:${String(t.name ?? '')}`)
    expect(tools).toEqual(expect.arrayContaining(['function:exec_command', 'custom:apply_patch']))
    expect(tools.filter(t => t.startsWith('web_search'))).toEqual([])
    // the issue text and the file reached the model as tool outputs
    expect(outputSentBack(h.model, 'issue')).toContain(
      "Cannot read properties of undefined (reading 'total')"
    )
    expect(outputSentBack(h.model, 'cat')).toContain('cart.items.reduce')

    // the hand-off files, and no CODEX_HOME left behind
    const events = (await readFile(path.join(request.outDir, 'events.jsonl'), 'utf8')).trim().split('\n')
    expect(events.map(line => (JSON.parse(line) as { type: string }).type)).toContain('turn.completed')
    const audit = (await readFile(path.join(request.outDir, 'audit.jsonl'), 'utf8')).trim().split('\n')
    expect(audit.map(line => JSON.parse(line) as AuditEntry)).toEqual(outcome.audit)
    expect(await readFile(path.join(request.outDir, 'last-message.txt'), 'utf8')).toBe(outcome.finalMessage)
    expect(await readdir(h.codexHome)).toEqual([])
  })

  it('keeps every credential out of the agent’s commands and out of CODEX_HOME; the MCP server gets only its token', async () => {
    const dirs = await workspace()
    const script = sequence(
      [
        toolSearchCall('update issue status resolve assign seer analyze autofix', {
          callId: 'search',
          limit: 20
        })
      ],
      [
        shellCall(
          `env; echo ---; cat "$(ls -d ${dirs.codexHome}/API-12-*/ | head -1)config.toml"; echo ---; ls /proc; sleep 1`,
          { callId: 'env' }
        )
      ],
      [fixResultMessage({ status: 'no-fix' })]
    )
    const h = await harness(script, dirs)
    const secrets = [MODEL_KEY, h.sentry.token, ...Object.values(PLANTED)]
    const isOurMcpServer = (cmdline: string) =>
      cmdline.includes('mcp-server/dist/index.js') && cmdline.includes(`--host=${h.sentry.host}`)
    const mcp = whileRunning(async () => (await processes(isOurMcpServer))[0])
    const homeFiles = whileRunning(async () => {
      const files = await filesBelow(h.codexHome)
      return Object.keys(files).some(f => f.endsWith('config.toml')) ? files : undefined
    })
    const outcome = await h.agent.run(h.request())
    mcp.stop()
    homeFiles.stop()
    expect(outcome.kind).toBe('completed')

    // what `env` and `cat config.toml` printed inside the sandbox, as the model received it
    const seen = outputSentBack(h.model, 'env')
    expect(seen).toContain('PATH=')
    expect(seen).toContain('env_vars = [ "SENTRY_ACCESS_TOKEN" ]') // the agent CAN read config.toml ...
    expect(findLeaks(secrets, { 'agent command output': seen })).toEqual([]) // ... which holds no secret
    expect(seen).not.toMatch(/^(GITHUB|INPUT|ACTIONS|RUNNER)_/m)
    // each command runs in its own PID namespace: codex and the MCP server are not in the agent's /proc
    const procPids = seen.split('---')[2]!.match(/^\d+$/gm) ?? []
    expect(procPids.length).toBeLessThan(10)

    // nothing codex wrote to CODEX_HOME during the run holds a secret
    const files = homeFiles.result()
    expect(files).toBeDefined()
    expect(findLeaks(secrets, files!)).toEqual([])

    // the MCP server: started with the action's node, minimal skills, and an environment without DSN or model key
    const server = mcp.result()
    expect(server).toBeDefined()
    expect(server!.cmdline[0]).toBe(node24())
    expect(server!.cmdline).toContain('--skills=inspect')
    expect(server!.cmdline).toContain('--project-slug=api')
    expect(server!.environ.SENTRY_ACCESS_TOKEN).toBe(h.sentry.token)
    for (const name of [
      'SENTRY_DSN',
      'OPENAI_API_KEY',
      'GITHUB_TOKEN',
      'CODEX_API_KEY',
      'INPUT_SENTRY_TOKEN'
    ]) {
      expect(server!.environ).not.toHaveProperty(name)
    }
    expect(findLeaks([MODEL_KEY, PLANTED.SENTRY_DSN], { environ: JSON.stringify(server!.environ) })).toEqual(
      []
    )

    // the tools offered: read-only Sentry tools, no Seer (not allowed here), no writes, no way to the docs tools
    const offered = offeredTools(h.model, 'search')
    expect(offered).toContain('mcp__sentry.get_sentry_resource')
    for (const tool of [
      'update_issue',
      'analyze_issue_with_seer',
      'execute_sentry_tool',
      'search_sentry_tools'
    ]) {
      expect(offered).not.toContain(`mcp__sentry.${tool}`)
    }
  })

  it('offers analyze_issue_with_seer when the request allows Seer', async () => {
    const dirs = await workspace()
    const script = sequence(
      [toolSearchCall('seer root cause analysis of an issue', { callId: 'search', limit: 20 })],
      [fixResultMessage()]
    )
    const h = await harness(script, dirs)
    const outcome = await h.agent.run(h.request({ seer: true }))
    expect(outcome.kind).toBe('completed')
    expect(offeredTools(h.model, 'search')).toContain('mcp__sentry.analyze_issue_with_seer')
  })

  it('kills the whole process tree when the model never finishes, and reports the time-out', async () => {
    const dirs = await workspace()
    const script = sequence([shellCall('(sleep 313 &); echo started', { callId: 'bg' })], hang())
    const h = await harness(script, dirs)
    const started = Date.now()
    const outcome = await h.agent.run(h.request({ timeoutMs: 3_000 }))
    const elapsed = Date.now() - started

    expect(outcome).toMatchObject({ kind: 'failed', reason: 'timed out after 3 s' })
    expect(elapsed).toBeLessThan(10_000)
    // the session log counts completed responses: the first one, before the model went silent
    expect(outcome.usage.model_requests).toBe(1)
    expect(auditOf(outcome, 'command_execution')).toEqual([
      expect.objectContaining({ command: expect.stringContaining('sleep 313') })
    ])
    // the answered request is a turn; the one the model never answered is not; the command counts as a call
    expect(outcome.timings).toMatchObject({ model: { turns: 1 }, tools: { calls: 1 } })
    expect(
      outcome.timings!.startMs + outcome.timings!.model.ms + outcome.timings!.tools.ms
    ).toBeLessThanOrEqual(outcome.timings!.totalMs)
    await new Promise(resolve => setTimeout(resolve, 300))
    const survivors = await processes(
      cmdline =>
        cmdline.includes(h.repo) ||
        cmdline.includes(`--host=${h.sentry.host}`) ||
        /\bsleep 313\b/.test(cmdline)
    )
    expect(survivors.map(p => p.cmdline.join(' '))).toEqual([])
    expect(await stat(path.join(h.request().outDir, 'events.jsonl'))).toBeTruthy()
    expect(await readdir(h.codexHome)).toEqual([])
  })

  it('also kills the MCP server when the budget ends during a Sentry call that hangs', async () => {
    // A plain group kill is not enough here: the MCP server has its own process group, and a node process waiting on
    // a request outlives codex (checked by hand: it was re-parented to init and kept running).
    const dirs = await workspace()
    const script = sequence(
      [mcpCall('get_sentry_resource', { resourceType: 'issue', resourceId: 'API-12' }, { callId: 'issue' })],
      [fixResultMessage()]
    )
    const h = await harness(script, dirs)
    let release = () => {}
    const released = new Promise<void>(resolve => (release = resolve))
    cleanups.push(async () => release())
    h.sentry.faults.push({
      match: req => req.path === '/api/0/organizations/acme/issues/API-12/',
      response: async (_req, normal) => {
        await released
        return normal()
      }
    })
    const isOurMcpServer = (cmdline: string) => cmdline.includes(`--host=${h.sentry.host}`)
    const outcome = await h.agent.run(h.request({ timeoutMs: 3_000 }))

    expect(outcome).toMatchObject({ kind: 'failed', reason: 'timed out after 3 s' })
    expect(auditOf(outcome, 'mcp_tool_call')).toEqual([
      expect.objectContaining({ tool: 'get_sentry_resource', status: 'unfinished' })
    ])
    expect(h.sentry.requests.some(r => r.path === '/api/0/organizations/acme/issues/API-12/')).toBe(true)
    await new Promise(resolve => setTimeout(resolve, 300))
    expect((await processes(isOurMcpServer)).map(p => p.cmdline.join(' '))).toEqual([])
  })

  it('returns a garbage final message verbatim: validating it is the caller’s job', async () => {
    const dirs = await workspace()
    const h = await harness(sequence([assistantMessage('I fixed it! {not json')]), dirs)
    const outcome = await h.agent.run(h.request())
    expect(outcome).toMatchObject({ kind: 'completed', finalMessage: 'I fixed it! {not json' })
  })

  it('fails with a clear reason when the codex binary does not exist', async () => {
    const dirs = await workspace()
    const h = await harness(sequence([fixResultMessage()]), dirs, { codexPath: '/nonexistent/bin/codex' })
    const outcome = await h.agent.run(h.request())
    expect(outcome).toMatchObject({ kind: 'failed', usage: { model_requests: 0 } })
    if (outcome.kind !== 'failed') throw new Error('expected a failure')
    expect(outcome.reason).toMatch(/^could not start codex \(\/nonexistent\/bin\/codex\): .*ENOENT/)
  })

  it('fails with the model’s error, the key redacted, when the model refuses the request', async () => {
    const dirs = await workspace()
    const refusal = httpError(401, {
      error: { message: `Incorrect API key provided: ${MODEL_KEY}.`, type: 'invalid_request_error' }
    })
    const h = await harness(() => refusal, dirs)
    const request = h.request()
    const outcome = await h.agent.run(request)
    expect(outcome.kind).toBe('failed')
    if (outcome.kind !== 'failed') throw new Error('expected a failure')
    expect(outcome.reason).toContain('401 Unauthorized')
    expect(outcome.reason).toContain('Incorrect API key provided: ***')
    const written = await readFile(path.join(request.outDir, 'events.jsonl'), 'utf8')
    expect(findLeaks([MODEL_KEY], { reason: outcome.reason, events: written })).toEqual([])
  })

  it('fails when the agent ends without a final message', async () => {
    const dirs = await workspace()
    const h = await harness(sequence(turn([])), dirs)
    const outcome = await h.agent.run(h.request())
    expect(outcome).toMatchObject({ kind: 'failed', reason: 'codex ended without a final message' })
    expect(outcome.usage.model_requests).toBe(1)
  })

  it('turns a sandbox that AppArmor breaks into a clear error before any model request', async () => {
    const dirs = await workspace()
    const sysctl = path.join(dirs.base, 'apparmor_restrict_unprivileged_userns')
    await writeFile(sysctl, '1\n')
    // what bubblewrap prints when the kernel denies it a user namespace
    const brokenCodex = path.join(dirs.base, 'codex-without-userns')
    await writeFile(
      brokenCodex,
      '#!/bin/sh\necho "bwrap: loopback: Failed RTM_NEWADDR: Operation not permitted" >&2\nexit 1\n'
    )
    await chmod(brokenCodex, 0o755)
    const h = await harness(sequence([fixResultMessage()]), dirs, {
      codexPath: brokenCodex,
      appArmorSysctl: sysctl
    })
    const outcome = await h.agent.run(h.request())
    expect(outcome.kind).toBe('failed')
    if (outcome.kind !== 'failed') throw new Error('expected a failure')
    expect(outcome.reason).toContain('kernel.apparmor_restrict_unprivileged_userns')
    expect(outcome.reason).toContain('sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0')
    expect(outcome.reason).toContain('Failed RTM_NEWADDR')
    expect(h.model.requests).toEqual([])
  })
})

/** What one response of the fake model costs by default (DEFAULT_TURN_USAGE): 1000 in (200 of them cached), 50 out. */
const ONE_RESPONSE = 1050

describe('the token budget (AgentRequest.maxTokens) with the real codex binary', () => {
  it('stops an agent that keeps talking within one model response of the budget, and kills the whole tree', async () => {
    const dirs = await workspace()
    // a real model takes seconds per response; 150 ms here keeps the test far from a race on a busy runner
    const h = await harness(keepTalkingScript({ latencyMs: 150 }), dirs)
    const budget = 3 * ONE_RESPONSE + 350 // the fourth response passes it
    const outcome = await h.agent.run(h.request({ maxTokens: budget }))

    expect(outcome.kind).toBe('failed')
    if (outcome.kind !== 'failed') throw new Error('expected a failure')
    const used = outcome.usage.input_tokens + outcome.usage.output_tokens
    expect(used).toBeGreaterThan(budget)
    expect(used).toBeLessThanOrEqual(budget + ONE_RESPONSE)
    expect(outcome.usage).toEqual({
      input_tokens: 4000,
      cached_input_tokens: 800,
      output_tokens: 200,
      model_requests: 4
    })
    expect(outcome.reason).toBe(
      'token budget: the agent used 4,200 tokens (input + output), more than the 3,500 it was allowed; codex was stopped'
    )
    // the model was asked at most once more (a request in flight when codex was stopped), never answered
    expect(h.model.responsesRequests().length).toBeLessThanOrEqual(5)
    expect(auditOf(outcome, 'command_execution').length).toBeGreaterThanOrEqual(3)
    await new Promise(resolve => setTimeout(resolve, 300))
    const survivors = await processes(
      cmdline =>
        cmdline.includes(h.repo) ||
        cmdline.includes(`--host=${h.sentry.host}`) ||
        cmdline.includes('still working')
    )
    expect(survivors.map(p => p.cmdline.join(' '))).toEqual([])
    expect(await readdir(h.codexHome)).toEqual([])
  })

  it('lets a run that uses exactly its budget complete', async () => {
    const dirs = await workspace()
    const h = await harness(sequence([fixResultMessage()]), dirs)
    const outcome = await h.agent.run(h.request({ maxTokens: ONE_RESPONSE }))
    expect(outcome).toMatchObject({
      kind: 'completed',
      usage: { input_tokens: 1000, cached_input_tokens: 200, output_tokens: 50, model_requests: 1 }
    })
  })

  it('fails a run whose final answer passes the budget, though codex ended by itself', async () => {
    const dirs = await workspace()
    const h = await harness(sequence([fixResultMessage()]), dirs)
    const request = h.request({ maxTokens: ONE_RESPONSE - 1 })
    const outcome = await h.agent.run(request)
    expect(outcome).toMatchObject({
      kind: 'failed',
      reason:
        'token budget: the agent used 1,050 tokens (input + output), more than the 1,049 it was allowed; codex was stopped',
      usage: { model_requests: 1 }
    })
  })
})

/** The native codex package of this machine in the repository's node_modules (read, never written). */
function nativeCodexDir(): string {
  const vendor = path.join(ROOT, `node_modules/@openai/codex-linux-${process.arch}/vendor`)
  const triple = readdirSync(vendor).find(name =>
    name.startsWith(process.arch === 'arm64' ? 'aarch64-' : 'x86_64-')
  )
  if (!triple) throw new Error(`no native codex below ${vendor}`)
  return path.join(vendor, triple)
}

/** A copy of the native codex package (bin/codex, codex-resources/bwrap, codex-package.json) that a test may spoil. */
async function copyOfCodex(base: string): Promise<{ root: string; binary: string; bwrap: string }> {
  const from = nativeCodexDir()
  const root = path.join(base, 'codex-copy')
  await mkdir(path.join(root, 'bin'), { recursive: true })
  await mkdir(path.join(root, 'codex-resources'), { recursive: true })
  for (const file of ['bin/codex', 'codex-resources/bwrap', 'codex-package.json']) {
    await copyFile(path.join(from, file), path.join(root, file))
  }
  return { root, binary: path.join(root, 'bin/codex'), bwrap: path.join(root, 'codex-resources/bwrap') }
}

describe('the files a codex start runs, pinned at install', () => {
  it('refuses to start codex once its binary changed after install: the run fails naming the file, codex never starts', async () => {
    const dirs = await workspace()
    const copy = await copyOfCodex(dirs.base)
    const codex = await installCodex({
      version: '0.171.0',
      log: recordingLog(),
      env: { ...process.env, [CODEX_PATH_ENV]: copy.binary }
    })
    expect(codex.bwrap?.path).toBe(copy.bwrap)
    const script = byPrompt({
      'API-12': sequence([fixResultMessage()]),
      'API-13': sequence([fixResultMessage()])
    })
    const h = await harness(script, dirs, { codexPath: codex.path, pinned: [codex.pinned] })

    // as installed: codex starts and completes
    expect(await h.agent.run(h.request())).toMatchObject({ kind: 'completed' })
    expect(h.model.responsesRequests()).toHaveLength(1)

    // code from a fix replaces the binary with one that would run codex after leaving a mark
    const mark = path.join(dirs.base, 'planted-code-ran')
    await writeFile(
      copy.binary,
      `#!/bin/sh\ntouch '${mark}'\nexec '${path.join(nativeCodexDir(), 'bin/codex')}' "$@"\n`
    )
    await chmod(copy.binary, 0o755)
    const outcome = await h.agent.run(h.request({ shortId: 'API-13', prompt: 'Fix API-13.' }))

    expect(outcome).toEqual({
      kind: 'failed',
      reason: `${copy.binary} (codex) changed since it was installed: not starting it`,
      usage: { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, model_requests: 0 },
      audit: []
    })
    expect(existsSync(mark)).toBe(false)
    expect(h.model.responsesRequests()).toHaveLength(1)
    expect(h.log.lines.filter(l => l.level === 'warning').map(l => l.message)).toEqual([
      `${copy.binary} (codex) changed since it was installed: the run is compromised (code from a fix may have escaped its jail), so codex is not started again in this run.`
    ])

    // putting the file back does not make the run trustworthy again
    await copyFile(path.join(nativeCodexDir(), 'bin/codex'), copy.binary)
    expect(await h.agent.run(h.request({ shortId: 'API-13', prompt: 'Fix API-13.' }))).toMatchObject({
      kind: 'failed',
      reason: `${copy.binary} (codex) changed since it was installed: not starting it`
    })
    expect(existsSync(mark)).toBe(false)
    expect(h.model.responsesRequests()).toHaveLength(1)
  })

  it('discards a run during which a pinned file changed', async () => {
    const dirs = await workspace()
    // a pinned file the agent can reach (a real install is out of its reach): its own worktree
    const bait = path.join(dirs.repo, 'pinned-bait.txt')
    await writeFile(bait, 'as installed\n')
    const pinned = await pinFiles({ label: 'the bait', files: [bait] })
    const script = sequence(
      [shellCall(`echo changed >> ${bait}`, { callId: 'spoil' })],
      [fixResultMessage({ files_changed: ['pinned-bait.txt'] })]
    )
    const h = await harness(script, dirs, { pinned: [pinned] })
    const outcome = await h.agent.run(h.request())

    expect(outcome).toMatchObject({
      kind: 'failed',
      reason: `${bait} (the bait) changed since it was installed (found after codex ran): its result is discarded`,
      usage: { model_requests: 2 }
    })
    expect(auditOf(outcome, 'command_execution')).toEqual([
      expect.objectContaining({ command: expect.stringContaining('echo changed'), exit_code: 0 })
    ])
  })

  it('pins an npm-installed codex whole: launcher, platform package, the bundled bubblewrap on its own', async () => {
    const log = recordingLog()
    const codex = await installCodex({
      version: '0.171.0',
      log,
      env: { ...process.env, [CODEX_PATH_ENV]: CODEX }
    })
    const bwrap = path.join(nativeCodexDir(), 'codex-resources/bwrap')
    expect(codex.bwrap?.path).toBe(bwrap)
    expect(await codex.bwrap?.pinned.verify()).toEqual({ kind: 'unchanged' })
    expect(await codex.pinned.verify()).toEqual({ kind: 'unchanged' })
    // the native binary alone is ~300 MB: the whole platform package is in the digest
    expect(codex.pinned.byteCount).toBeGreaterThan(
      (await stat(path.join(nativeCodexDir(), 'bin/codex'))).size
    )
    expect(log.lines.map(l => l.message)).toContainEqual(
      expect.stringMatching(/^Recorded the SHA-256 digests of codex: \d+ files, [\d.]+ MB, in \d+ ms$/)
    )
  })

  it('pins the MCP server with every package it loads', async () => {
    const log = recordingLog()
    const mcp = await installSentryMcp({ log, env: { ...process.env, [MCP_ENTRY_ENV]: MCP_ENTRY } })
    expect(await mcp.pinned.verify()).toEqual({ kind: 'unchanged' })
    // @sentry/mcp-server's own files are a few hundred; its dependencies (the MCP SDK, @sentry/node ...) thousands
    expect(mcp.pinned.fileCount).toBeGreaterThan(1_000)
    expect(log.lines.map(l => l.message)).toContainEqual(
      expect.stringMatching(
        /^Recorded the SHA-256 digests of the Sentry MCP server: \d+ files in \d+ packages/
      )
    )
  })
})

describe('createCodexEventLog', () => {
  const at = () => new Date('2026-11-27T09:00:00Z')

  it('turns unknown events and lines that are not JSON into audit entries instead of failing', () => {
    const log = createCodexEventLog(at)
    for (const line of [
      '{"type":"thread.started","thread_id":"t-1"}',
      'WARNING: something codex printed',
      '{"type":"brand.new.event","x":1}',
      '[1,2]',
      '{"type":"item.completed","item":{"id":"i1","type":"todo_list","items":[]}}',
      '{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":2,"output_tokens":3}}',
      '{"type":"turn.completed","usage":{"input_tokens":5,"output_tokens":"x"}}'
    ]) {
      log.push(line)
    }
    expect(log.threadId).toBe('t-1')
    expect(log.usage).toEqual({ input_tokens: 15, cached_input_tokens: 2, output_tokens: 3 })
    expect(log.turnsCompleted).toBe(2)
    expect(log.audit.map(e => [e.type, e.detail])).toEqual([
      [
        'error',
        { message: 'a line of codex output that is not JSON', line: 'WARNING: something codex printed' }
      ],
      ['unknown', { event: 'brand.new.event' }],
      ['unknown', { event: 'object' }],
      ['unknown', { item_type: 'todo_list' }]
    ])
  })

  it('records turn failures, retries as errors, and items that never completed', () => {
    const log = createCodexEventLog(at)
    log.push('{"type":"error","message":"Reconnecting... 1/5"}')
    log.push(
      '{"type":"item.started","item":{"id":"c1","type":"command_execution","command":"npm test","exit_code":null,"status":"in_progress"}}'
    )
    log.push('{"type":"turn.failed","error":{"message":"stream disconnected"}}')
    expect(log.turnFailure).toBe('stream disconnected')
    expect(log.lastError).toBe('Reconnecting... 1/5')
    expect(log.unfinished()).toEqual([
      {
        at: '2026-11-27T09:00:00.000Z',
        type: 'command_execution',
        detail: { command: 'npm test', exit_code: null, status: 'unfinished' }
      }
    ])
  })
})

describe('installCodex and installSentryMcp', () => {
  it('use the installed copies the environment hooks point at', async () => {
    const log = recordingLog()
    const env = { ...process.env, [CODEX_PATH_ENV]: CODEX, [MCP_ENTRY_ENV]: MCP_ENTRY }
    expect((await installCodex({ version: '0.171.0', log, env })).path).toBe(CODEX)
    expect((await installSentryMcp({ log, env })).entry).toBe(MCP_ENTRY)
    expect(log.lines.filter(l => l.level === 'warning')).toEqual([])
  })

  it('finds codex in the tool cache without running npm', async () => {
    const cache = await mkdtemp(path.join(os.tmpdir(), 'sct-toolcache-'))
    const saved = process.env.RUNNER_TOOL_CACHE
    process.env.RUNNER_TOOL_CACHE = cache
    cleanups.push(async () => {
      if (saved === undefined) delete process.env.RUNNER_TOOL_CACHE
      else process.env.RUNNER_TOOL_CACHE = saved
      await rm(cache, { recursive: true, force: true })
    })
    const dir = path.join(cache, 'openai-codex', '0.171.0', os.arch())
    await mkdir(dir, { recursive: true })
    await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'))
    await writeFile(`${dir}.complete`, '')
    const log = recordingLog()
    // npm is not on this PATH: a cache miss would fail
    const found = await installCodex({
      version: '0.171.0',
      log,
      env: { PATH: '/nonexistent', HOME: os.tmpdir() }
    })
    expect(found.path).toBe(path.join(dir, 'node_modules/@openai/codex/bin/codex.js'))
    expect(log.lines.map(l => l.message)).toContain('Using @openai/codex@0.171.0 from the tool cache')
  })

  it('names the codex-version input when npm cannot install it', async () => {
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'sct-npm-'))
    cleanups.push(() => rm(scratch, { recursive: true, force: true }))
    const saved = process.env.RUNNER_TOOL_CACHE
    delete process.env.RUNNER_TOOL_CACHE
    cleanups.push(async () => {
      if (saved !== undefined) process.env.RUNNER_TOOL_CACHE = saved
    })
    const env = {
      PATH: process.env.PATH,
      HOME: scratch,
      RUNNER_TEMP: scratch,
      // a registry that refuses connections, and an empty npm cache: nothing leaves the machine
      npm_config_registry: 'http://127.0.0.1:9/',
      npm_config_cache: path.join(scratch, 'npm-cache'),
      npm_config_fetch_retries: '0'
    }
    await expect(installCodex({ version: '0.0.0-nope', log: recordingLog(), env })).rejects.toThrow(
      /Could not install @openai\/codex@0\.0\.0-nope with npm \(.*ECONNREFUSED.*\): check the input 'codex-version'/
    )
  })
})
