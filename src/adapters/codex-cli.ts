// The Agent port on the OpenAI Codex CLI: one `codex exec --json` per issue, in the issue's worktree, with its own
// CODEX_HOME (config.toml from domain/codex-config.ts, nothing secret in it) and the Sentry MCP server as its window
// into Sentry. Also installs codex and @sentry/mcp-server through the runner's tool cache.
//
// Where the credentials go (verified with the real binary, see __tests__/pipeline/codex-agent.test.ts):
// - codex itself starts with a minimal environment: PATH, HOME, LANG, CODEX_HOME, the model key under the
//   provider's variable, the Sentry token under SENTRY_ACCESS_TOKEN (forwarded to the MCP server by `env_vars`),
//   plus CA/proxy settings when the runner has them. Never GITHUB_TOKEN, INPUT_*, ACTIONS_* or RUNNER_*.
// - the agent's commands see neither key: shell_environment_policy inherits the core variables only, and under
//   workspace-write each command runs in its own PID namespace, so codex's /proc/<pid>/environ is out of reach.
// - config.toml names variables, never values: the sandbox lets the agent read CODEX_HOME.
// - the time budget kills the whole process tree (codex, its sandboxed commands and the MCP server), which live in
//   separate process groups and sessions: the tree is frozen, listed from /proc, then killed.
// - what codex starts with those keys is pinned at install (pinned-files.ts): the launcher, the native binary and all
//   of its package (bundled bubblewrap included), the programs it runs by name from PATH, the MCP server's package and
//   dependencies. Code from a fix runs between two codex starts; each start is preceded by a check that every one of
//   those files is byte for byte what was installed, and a changed file ends the run before codex starts.
import { spawn } from 'node:child_process'
import { createWriteStream, type WriteStream } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { finished } from 'node:stream/promises'
import * as toolCache from '@actions/tool-cache'
import {
  codexConfigToml,
  modelKeyEnv,
  SENTRY_TOKEN_ENV,
  type CodexConfigInput
} from '../domain/codex-config.js'
import type { Agent, AgentOutcome, AgentRequest, AgentUsage, AuditEntry, Log } from '../ports.js'
import { toJsonSchema } from '../schemas.js'
import { errorMessage } from '../util/errors.js'
import {
  enclosingPackage,
  mergeClosures,
  packageClosure,
  pathLookup,
  subdirectories,
  type CodeClosure
} from './code-closure.js'
import { pinFiles, pinProblem, type PinnedFiles } from './pinned-files.js'

/** The @sentry/mcp-server version the action runs (its tool names and flags are part of the agent's contract). */
export const SENTRY_MCP_VERSION = '0.39.0'
/** Point at an already installed codex (tests, self-hosted runners with codex baked in). */
export const CODEX_PATH_ENV = 'SENTRY_CODEX_TRIAGE_CODEX_PATH'
/** Point at an already installed @sentry/mcp-server's dist/index.js. */
export const MCP_ENTRY_ENV = 'SENTRY_CODEX_TRIAGE_MCP_ENTRY'
/** Ubuntu 24.04 (GitHub's ubuntu-24.04 runners) denies unprivileged user namespaces, which bubblewrap needs, when 1. */
export const APPARMOR_USERNS_SYSCTL = '/proc/sys/kernel/apparmor_restrict_unprivileged_userns'

/** Variables copied from the action's environment into codex's when set: CA bundles and proxies. */
const PASSTHROUGH_ENV = [
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'CODEX_CA_CERTIFICATE',
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
  'TMPDIR'
] as const

const REASON_MAX = 300
const AUDIT_TEXT_MAX = 2_000
const STDERR_KEEP = 64_000
/** after the kill, how long to wait for the process to be reaped and its pipes to close */
const KILL_GRACE_MS = 5_000

export type Env = Readonly<Record<string, string | undefined>>

export interface CodexAgentOptions {
  /** the codex executable (installCodex), or its bin/codex.js */
  codexPath: string
  /** a directory outside every worktree; each run gets its own CODEX_HOME below it, removed afterwards */
  codexHome: string
  /** everything of config.toml but `seer`, which each request decides */
  config: Omit<CodexConfigInput, 'seer'>
  secrets: { modelKey: string; sentryToken: string }
  /** the action's environment: PATH, HOME, LANG and CA/proxy settings are taken from it, nothing else */
  env: Env
  log: Log
  /** `codex-args`, inserted before the prompt argument */
  extraArgs: string[]
  /** where the AppArmor user-namespace switch is read (tests); default APPARMOR_USERNS_SYSCTL */
  appArmorSysctl?: string
  /**
   * The files codex's start runs as code, digested at install (InstalledCodex.pinned, InstalledSentryMcp.pinned, the
   * node that runs them): verified before each start and after each run. Empty only for a fake codex in tests.
   */
  pinned: readonly PinnedFiles[]
}

// ------------------------------------------------------------------------------------------------- exec

interface ExecSpec {
  args: string[]
  env: Record<string, string>
  /** written to stdin, which is then closed (codex waits for EOF) */
  stdin: string
  timeoutMs: number
  onStdoutLine?: (line: string) => void
}

interface ExecResult {
  code: number | null
  signal: NodeJS.Signals | null
  /** the last STDERR_KEEP characters */
  stderr: string
  /** stdout, when no onStdoutLine consumer was given */
  stdout: string
  /** the process could not be started */
  spawnError: Error | null
  timedOut: boolean
}

/**
 * The one way codex is run: its own process group, stdin closed after the prompt, a minimal environment, and on
 * timeout the whole tree killed.
 */
function execCodex(codexPath: string, spec: ExecSpec): Promise<ExecResult> {
  const [command, args] = /\.[cm]?js$/.test(codexPath)
    ? [process.execPath, [codexPath, ...spec.args]]
    : [codexPath, spec.args]
  return new Promise(resolve => {
    let stderr = ''
    let stdout = ''
    let timedOut = false
    let settled = false
    const child = spawn(command, args, { env: spec.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true })
    const finish = (result: Omit<ExecResult, 'stderr' | 'stdout' | 'timedOut'>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve({ ...result, stderr, stdout, timedOut })
    }
    const timer = setTimeout(() => {
      timedOut = true
      if (child.pid !== undefined) {
        void killProcessTree(child.pid).finally(() => {
          // Pipes inherited by a process that escaped the kill must not hold the run open.
          setTimeout(() => {
            child.stdout.destroy()
            child.stderr.destroy()
            finish({ code: child.exitCode, signal: child.signalCode, spawnError: null })
          }, KILL_GRACE_MS).unref()
        })
      }
    }, spec.timeoutMs)
    child.on('error', error => finish({ code: null, signal: null, spawnError: error }))
    child.stdin.on('error', () => undefined) // codex may exit before reading the prompt
    child.stdin.end(spec.stdin)
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP)
    })
    const lines = createInterface({ input: child.stdout, crlfDelay: Infinity })
    lines.on('line', line => {
      if (spec.onStdoutLine) spec.onStdoutLine(line)
      else stdout += `${line}\n`
    })
    child.on('close', (code, signal) => finish({ code, signal, spawnError: null }))
  })
}

/** pid -> [ppid, pgid] for every process /proc shows; empty where there is no /proc. */
async function processTable(): Promise<Map<number, [number, number]>> {
  const table = new Map<number, [number, number]>()
  let entries: string[]
  try {
    entries = await readdir('/proc')
  } catch {
    return table
  }
  await Promise.all(
    entries
      .filter(name => /^\d+$/.test(name))
      .map(async name => {
        try {
          const statLine = await readFile(`/proc/${name}/stat`, 'utf8')
          // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses
          const fields = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ')
          table.set(Number(name), [Number(fields[1]), Number(fields[2])])
        } catch {
          // gone meanwhile
        }
      })
  )
  return table
}

function descendants(table: Map<number, [number, number]>, root: number): Set<number> {
  const found = new Set<number>([root])
  let grew = true
  while (grew) {
    grew = false
    for (const [pid, [ppid]] of table) {
      if (!found.has(pid) && found.has(ppid)) {
        found.add(pid)
        grew = true
      }
    }
  }
  return found
}

function signal(target: number, name: NodeJS.Signals): void {
  try {
    process.kill(target, name)
  } catch {
    // already gone, or not a group
  }
}

/**
 * Kills root and everything below it. codex puts the MCP server in its own process group and each sandboxed
 * command in its own session, so a group kill alone is not enough: freeze the tree (so nothing forks or is
 * re-parented meanwhile), list it, then kill every process and every group led by one of them.
 */
async function killProcessTree(root: number): Promise<void> {
  signal(-root, 'SIGSTOP')
  const doomed = new Set<number>([root])
  for (let round = 0; round < 3; round++) {
    const table = await processTable()
    const tree = descendants(table, root)
    const before = doomed.size
    for (const pid of tree) {
      if (!doomed.has(pid)) signal(pid, 'SIGSTOP')
      doomed.add(pid)
    }
    if (doomed.size === before && round > 0) break
  }
  const table = await processTable()
  for (const pid of doomed) {
    const pgid = table.get(pid)?.[1]
    if (pgid !== undefined && doomed.has(pgid)) signal(-pgid, 'SIGKILL')
    signal(pid, 'SIGKILL')
  }
  signal(-root, 'SIGKILL')
}

// ------------------------------------------------------------------------------------------------- environment

function minimalEnv(env: Env, extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {
    PATH: env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: env.HOME ?? os.homedir(),
    LANG: env.LANG ?? 'C.UTF-8'
  }
  for (const name of PASSTHROUGH_ENV) {
    const value = env[name]
    if (value !== undefined && value !== '') out[name] = value
  }
  return { ...out, ...extra }
}

function redactor(secrets: string[]): (text: string) => string {
  const values = secrets.filter(s => s.length >= 8)
  return text => values.reduce((out, secret) => out.split(secret).join('***'), text)
}

// ------------------------------------------------------------------------------------------------- events

const EMPTY_USAGE: AgentUsage = {
  input_tokens: 0,
  cached_input_tokens: 0,
  output_tokens: 0,
  model_requests: 0
}

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0)
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null)

function capText(text: string, max = AUDIT_TEXT_MAX): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text
}

/** Strings in a value capped (MCP arguments come from the model and may be long). */
function capped(value: unknown): unknown {
  if (typeof value === 'string') return capText(value)
  if (Array.isArray(value)) return value.slice(0, 50).map(capped)
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, capped(v)]))
  return value
}

/** What the JSONL stream of `codex exec --json` told: the audit, usage, and how the turn ended. */
export interface CodexEventLog {
  push(line: string): void
  readonly audit: AuditEntry[]
  readonly usage: { input_tokens: number; cached_input_tokens: number; output_tokens: number }
  readonly turnsCompleted: number
  readonly threadId: string | null
  /** the message of turn.failed, or null */
  readonly turnFailure: string | null
  /** the last `error` event's message (codex also reports retries this way: not fatal by itself) */
  readonly lastError: string | null
  /** entries for items that started and never completed (a run killed mid-command) */
  unfinished(): AuditEntry[]
}

function itemAudit(item: Json): Pick<AuditEntry, 'type' | 'detail'> {
  const type = str(item.type) ?? 'unknown'
  switch (type) {
    case 'mcp_tool_call': {
      const error = isObject(item.error) ? str(item.error.message) : str(item.error)
      return {
        type: 'mcp_tool_call',
        detail: {
          server: item.server,
          tool: item.tool,
          arguments: capped(item.arguments),
          status: item.status,
          error: error === null ? null : capText(error)
        }
      }
    }
    case 'command_execution':
      return {
        type: 'command_execution',
        detail: {
          command: capText(str(item.command) ?? ''),
          exit_code: item.exit_code ?? null,
          status: item.status
        }
      }
    case 'file_change':
      return {
        type: 'file_change',
        detail: {
          changes: Array.isArray(item.changes)
            ? item.changes.filter(isObject).map(change => ({ path: change.path, kind: change.kind }))
            : [],
          status: item.status
        }
      }
    case 'agent_message':
      return { type: 'agent_message', detail: { text: capText(str(item.text) ?? '') } }
    case 'error':
      return { type: 'error', detail: { message: capText(str(item.message) ?? '') } }
    default:
      return { type: 'unknown', detail: { item_type: type } }
  }
}

/** Reads codex's JSONL events one line at a time; unknown events and non-JSON lines become audit entries. */
export function createCodexEventLog(now: () => Date = () => new Date()): CodexEventLog {
  const audit: AuditEntry[] = []
  const usage = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0 }
  const started = new Map<string, Json>()
  let turnsCompleted = 0
  let threadId: string | null = null
  let turnFailure: string | null = null
  let lastError: string | null = null
  const add = (entry: Pick<AuditEntry, 'type' | 'detail'>) =>
    audit.push({ at: now().toISOString(), ...entry })

  function push(line: string): void {
    if (line.trim() === '') return
    let event: unknown
    try {
      event = JSON.parse(line)
    } catch {
      add({
        type: 'error',
        detail: { message: 'a line of codex output that is not JSON', line: capText(line, 200) }
      })
      return
    }
    if (!isObject(event)) {
      add({ type: 'unknown', detail: { event: typeof event } })
      return
    }
    const type = str(event.type) ?? ''
    const item = isObject(event.item) ? event.item : null
    switch (type) {
      case 'thread.started':
        threadId = str(event.thread_id)
        return
      case 'turn.started':
      case 'item.updated':
        return
      case 'item.started':
        if (item && typeof item.id === 'string') started.set(item.id, item)
        return
      case 'item.completed':
        if (!item) break
        if (typeof item.id === 'string') started.delete(item.id)
        if (item.type === 'reasoning') return
        if (item.type === 'error') lastError = str(item.message) ?? lastError
        add(itemAudit(item))
        return
      case 'turn.completed': {
        turnsCompleted += 1
        const u = isObject(event.usage) ? event.usage : {}
        usage.input_tokens += num(u.input_tokens)
        usage.cached_input_tokens += num(u.cached_input_tokens)
        usage.output_tokens += num(u.output_tokens)
        return
      }
      case 'turn.failed': {
        const message = (isObject(event.error) ? str(event.error.message) : null) ?? 'the turn failed'
        turnFailure = message
        add({ type: 'error', detail: { event: 'turn.failed', message: capText(message) } })
        return
      }
      case 'error': {
        const message = str(event.message) ?? ''
        lastError = message
        add({ type: 'error', detail: { event: 'error', message: capText(message) } })
        return
      }
    }
    add({ type: 'unknown', detail: { event: type || null } })
  }

  return {
    push,
    audit,
    usage,
    get turnsCompleted() {
      return turnsCompleted
    },
    get threadId() {
      return threadId
    },
    get turnFailure() {
      return turnFailure
    },
    get lastError() {
      return lastError
    },
    unfinished: () =>
      [...started.values()]
        .filter(item => item.type !== 'reasoning')
        .map(item => {
          const entry = itemAudit(item)
          return {
            at: now().toISOString(),
            type: entry.type,
            detail: { ...entry.detail, status: 'unfinished' }
          }
        })
  }
}

/**
 * Model requests (and their usage) as codex's session log in CODEX_HOME records them: one `token_usage_record` per
 * response. The JSONL stream has no per-request event, and a run killed mid-turn never emits turn.completed.
 * Best effort: an internal format; null when it cannot be read.
 */
async function sessionUsage(codexHome: string): Promise<AgentUsage | null> {
  const files: string[] = []
  async function walk(dir: string): Promise<void> {
    let entries
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) await walk(full)
      else if (/^rollout-.*\.jsonl$/.test(entry.name)) files.push(full)
    }
  }
  await walk(path.join(codexHome, 'sessions'))
  if (files.length === 0) return null
  const usage = { ...EMPTY_USAGE }
  for (const file of files) {
    for (const line of (await readFile(file, 'utf8')).split('\n')) {
      if (!line.includes('"token_usage_record"')) continue
      try {
        const record = JSON.parse(line) as Json
        const payload = isObject(record.payload) ? record.payload : {}
        const u = isObject(payload.usage) ? payload.usage : {}
        usage.model_requests += 1
        usage.input_tokens += num(u.input_tokens)
        usage.cached_input_tokens += num(u.cached_input_tokens)
        usage.output_tokens += num(u.output_tokens)
      } catch {
        // a partly written last line of a killed run
      }
    }
  }
  return usage
}

// ------------------------------------------------------------------------------------------------- outcome

/** The first line of stderr that says what went wrong (codex prefixes them with "Error" or a log level). */
function stderrReason(stderr: string): string | null {
  const lines = stderr
    .split('\n')
    .map(line => line.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z\s+/, '').trim())
    .filter(line => line !== '')
  return (
    lines.find(line => /^(error|fatal)\b/i.test(line)) ??
    lines.find(line => /\berror\b/i.test(line) && !/^warning/i.test(line)) ??
    null
  )
}

function oneLine(text: string, max = REASON_MAX): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

function formatBudget(ms: number): string {
  if (ms >= 60_000) return `${Number((ms / 60_000).toFixed(1))} min`
  return `${Number((ms / 1000).toFixed(1))} s`
}

async function writeJsonl(file: string, rows: unknown[]): Promise<void> {
  await writeFile(file, rows.map(row => `${JSON.stringify(row)}\n`).join(''))
}

async function endStream(stream: WriteStream): Promise<void> {
  stream.end()
  await finished(stream)
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false
  )

// ------------------------------------------------------------------------------------------------- sandbox check

export interface SandboxCheckOptions {
  codexPath: string
  env: Env
  /** a scratch directory for the probe (removed afterwards) */
  scratchDir: string
  appArmorSysctl?: string
}

/**
 * Ubuntu 24.04's AppArmor restriction of unprivileged user namespaces breaks codex's bubblewrap sandbox: every command
 * the agent runs fails. When the restriction is on, one sandboxed `true` tells whether codex can still sandbox.
 * Returns null when it can (or when the restriction is off), otherwise what to do about it.
 */
export async function checkCodexSandbox(options: SandboxCheckOptions): Promise<string | null> {
  const sysctl = options.appArmorSysctl ?? APPARMOR_USERNS_SYSCTL
  const restricted = await readFile(sysctl, 'utf8').then(
    text => text.trim() === '1',
    () => false
  )
  if (!restricted) return null
  await mkdir(options.scratchDir, { recursive: true })
  const home = await mkdtemp(path.join(options.scratchDir, 'sandbox-probe-'))
  try {
    const probe = await execCodex(options.codexPath, {
      args: ['sandbox', '-P', ':workspace', '-C', home, '--', '/bin/sh', '-c', 'true'],
      env: minimalEnv(options.env, { CODEX_HOME: home }),
      stdin: '',
      timeoutMs: 30_000
    })
    if (probe.code === 0) return null
    const detail = probe.spawnError
      ? errorMessage(probe.spawnError)
      : (stderrReason(probe.stderr) ?? oneLine(probe.stderr))
    return oneLine(
      `Codex cannot sandbox commands on this runner: AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1, as on Ubuntu 24.04), which bubblewrap needs. Add a step before this action that runs: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (probe: ${detail || `exit code ${probe.code}`})`,
      600
    )
  } finally {
    await rm(home, { recursive: true, force: true })
  }
}

// ------------------------------------------------------------------------------------------------- the agent

export function createCodexAgent(options: CodexAgentOptions): Agent {
  const keyEnv = modelKeyEnv(options.config)
  const redact = redactor([options.secrets.modelKey, options.secrets.sentryToken])
  let sandboxCheck: Promise<string | null> | undefined
  let warned = false

  /**
   * null while every pinned file is as installed, else why codex must not start (or its run not count). A pinned set
   * stays failed once a check failed: no later issue of this run starts codex either.
   */
  async function tampered(when: 'before' | 'after'): Promise<string | null> {
    const what = await pinProblem(options.pinned)
    if (what === null) return null
    if (!warned) {
      warned = true
      options.log.warning(
        `${what}: the run is compromised (code from a fix may have escaped its jail), so codex is not started again in this run.`
      )
    }
    return when === 'before'
      ? `${what}: not starting it`
      : `${what} (found after codex ran): its result is discarded`
  }

  async function run(request: AgentRequest): Promise<AgentOutcome> {
    await mkdir(request.outDir, { recursive: true })
    await mkdir(options.codexHome, { recursive: true })
    const changedBefore = await tampered('before')
    if (changedBefore !== null) {
      return { kind: 'failed', reason: changedBefore, usage: { ...EMPTY_USAGE }, audit: [] }
    }
    sandboxCheck ??= checkCodexSandbox({
      codexPath: options.codexPath,
      env: options.env,
      scratchDir: options.codexHome,
      appArmorSysctl: options.appArmorSysctl
    }).catch(error => `Could not check Codex's sandbox: ${errorMessage(error)}`)
    const sandboxProblem = await sandboxCheck
    if (sandboxProblem !== null) {
      return { kind: 'failed', reason: sandboxProblem, usage: { ...EMPTY_USAGE }, audit: [] }
    }

    const home = await mkdtemp(path.join(options.codexHome, `${request.shortId.replace(/[^\w.-]/g, '_')}-`))
    let outcome: AgentOutcome
    try {
      outcome = await runIn(home, request)
    } finally {
      await rm(home, { recursive: true, force: true })
    }
    // changed while codex ran (its own commands, or a test run of another issue): nothing of this run is trusted
    const changedAfter = await tampered('after')
    if (changedAfter === null) return outcome
    return { kind: 'failed', reason: changedAfter, usage: outcome.usage, audit: outcome.audit }
  }

  async function runIn(home: string, request: AgentRequest): Promise<AgentOutcome> {
    const configFile = path.join(home, 'config.toml')
    const schemaFile = path.join(home, 'sentry-fix.schema.json')
    const lastMessageFile = path.join(request.outDir, 'last-message.txt')
    await writeFile(configFile, codexConfigToml({ ...options.config, seer: request.seer }), { mode: 0o600 })
    await writeFile(schemaFile, `${JSON.stringify(toJsonSchema('sentry-fix.json'), null, 2)}\n`)
    await rm(lastMessageFile, { force: true })

    const args = [
      'exec',
      '--json',
      '--skip-git-repo-check',
      '--strict-config',
      '--output-schema',
      schemaFile,
      '-o',
      lastMessageFile,
      '-C',
      request.worktree,
      ...options.extraArgs,
      '-'
    ]
    options.log.info(`Running codex for ${request.shortId} (budget ${formatBudget(request.timeoutMs)})`)
    options.log.debug(`codex ${args.join(' ')}`)

    const events = createWriteStream(path.join(request.outDir, 'events.jsonl'))
    events.on('error', () => undefined) // reported by endStream
    const eventLog = createCodexEventLog()
    const result = await execCodex(options.codexPath, {
      args,
      env: minimalEnv(options.env, {
        CODEX_HOME: home,
        [keyEnv]: options.secrets.modelKey,
        [SENTRY_TOKEN_ENV]: options.secrets.sentryToken
      }),
      stdin: request.prompt,
      timeoutMs: request.timeoutMs,
      onStdoutLine: line => {
        events.write(`${redact(line)}\n`)
        eventLog.push(redact(line))
      }
    })
    await endStream(events)
    await writeFile(path.join(request.outDir, 'codex-stderr.log'), redact(result.stderr))

    const fromSession = await sessionUsage(home).catch(() => null)
    const usage: AgentUsage =
      eventLog.turnsCompleted > 0
        ? { ...eventLog.usage, model_requests: fromSession?.model_requests ?? eventLog.turnsCompleted }
        : (fromSession ?? { ...EMPTY_USAGE })
    const audit = [...eventLog.audit, ...eventLog.unfinished()]
    await writeJsonl(path.join(request.outDir, 'audit.jsonl'), audit)

    const failed = (reason: string): AgentOutcome => {
      const text = oneLine(redact(reason))
      options.log.info(`codex failed for ${request.shortId}: ${text}`)
      return { kind: 'failed', reason: text, usage, audit }
    }
    if (result.timedOut) return failed(`timed out after ${formatBudget(request.timeoutMs)}`)
    if (result.spawnError) {
      return failed(`could not start codex (${options.codexPath}): ${errorMessage(result.spawnError)}`)
    }
    if (eventLog.turnFailure !== null) return failed(`codex: ${eventLog.turnFailure}`)
    if (result.code !== 0) {
      const why = eventLog.lastError ?? stderrReason(result.stderr)
      const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.code}`
      return failed(`codex ${how}${why ? `: ${why}` : ''}`)
    }
    if (eventLog.turnsCompleted === 0) return failed('codex ended without completing its turn')
    const finalMessage = (await exists(lastMessageFile)) ? await readFile(lastMessageFile, 'utf8') : ''
    if (finalMessage.trim() === '') return failed('codex ended without a final message')
    return { kind: 'completed', finalMessage, usage, audit, threadId: eventLog.threadId }
  }

  return { run }
}

// ------------------------------------------------------------------------------------------------- install

export interface InstallOptions {
  version: string
  log: Log
  /** the action's environment (hooks, RUNNER_TOOL_CACHE, RUNNER_TEMP, npm's settings); default process.env */
  env?: Env
  /** the npm executable (default `npm`) */
  npm?: string
}

interface NpmTool {
  packageName: string
  /** tool-cache name */
  cacheName: string
  /** the entry below the install prefix */
  entry: string
  hookEnv: string
  /** what to tell a user whose install failed */
  advice: string
}

function runNpm(npm: string, args: string[], env: Env): Promise<{ code: number | null; output: string }> {
  return new Promise(resolve => {
    const child = spawn(npm, args, { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-STDERR_KEEP)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    child.on('error', error => resolve({ code: null, output: errorMessage(error) }))
    child.on('close', code => resolve({ code, output }))
  })
}

/** npm's own error lines ("npm error code E404", "npm error 404 Not Found ..."), stack frames left out. */
function npmError(output: string): string {
  const lines = output
    .split('\n')
    .map(line => line.trim())
    .filter(line => /^npm (error|ERR!)/.test(line) && !/^npm (error|ERR!)\s+at /.test(line))
    .map(line => line.replace(/^npm (error|ERR!)\s*/, ''))
    .filter(line => line !== '')
  return lines.length > 0 ? lines.slice(0, 3).join('; ') : (output.trim().split('\n')[0] ?? '')
}

async function installNpmTool(tool: NpmTool, options: InstallOptions): Promise<string> {
  const env = options.env ?? process.env
  const hook = env[tool.hookEnv]
  if (hook !== undefined && hook !== '') {
    if (!(await exists(hook))) throw new Error(`${tool.hookEnv} points at ${hook}, which does not exist.`)
    options.log.info(`Using ${tool.packageName} at ${hook} (${tool.hookEnv})`)
    return hook
  }
  // @actions/tool-cache reads the cache's location from this process's environment
  const cacheRoot = process.env.RUNNER_TOOL_CACHE
  if (cacheRoot) {
    const cached = toolCache.find(tool.cacheName, options.version)
    if (cached !== '' && (await exists(path.join(cached, tool.entry)))) {
      options.log.info(`Using ${tool.packageName}@${options.version} from the tool cache`)
      return path.join(cached, tool.entry)
    }
  }
  const tempRoot = env.RUNNER_TEMP || os.tmpdir()
  await mkdir(tempRoot, { recursive: true })
  const prefix = await mkdtemp(path.join(tempRoot, `${tool.cacheName}-`))
  options.log.info(`Installing ${tool.packageName}@${options.version} with npm`)
  const npm = await runNpm(
    options.npm ?? 'npm',
    [
      'install',
      '--prefix',
      prefix,
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      `${tool.packageName}@${options.version}`
    ],
    env
  )
  if (npm.code !== 0 || !(await exists(path.join(prefix, tool.entry)))) {
    await rm(prefix, { recursive: true, force: true })
    const why = npmError(npm.output)
    throw new Error(
      oneLine(
        `Could not install ${tool.packageName}@${options.version} with npm (${why.trim() || `exit code ${npm.code}`}): ${tool.advice}`
      )
    )
  }
  if (!cacheRoot) return path.join(prefix, tool.entry)
  const cached = await toolCache.cacheDir(prefix, tool.cacheName, options.version)
  await rm(prefix, { recursive: true, force: true })
  return path.join(cached, tool.entry)
}

/**
 * Programs codex (0.171, checked with strace) starts by name from PATH outside its sandbox, with its keys in the
 * environment: bubblewrap (a `bwrap` on PATH wins over the bundled one), git (the repository's state), lsb_release
 * and getconf (the OS, for its user agent). Their lookup is pinned with codex.
 */
export const CODEX_PATH_PROGRAMS = ['bwrap', 'git', 'lsb_release', 'getconf'] as const

/** A codex ready to start, with the digests of everything its start runs as code. */
export interface InstalledCodex {
  /** what createCodexAgent starts: bin/codex.js (run with the action's node) or a codex executable */
  path: string
  /**
   * The bubblewrap bundled with this codex (Linux; codex-resources/bwrap next to the native binary), pinned on its own
   * so that a caller running it (the test command's jail) can verify it before each use: run `path` only after
   * `pinned.verify()` returned unchanged.
   */
  bwrap: { path: string; pinned: PinnedFiles } | null
  /** the launcher, its platform package (native binary, bwrap, helpers), the PATH programs: verify before each start */
  pinned: PinnedFiles
}

/** @sentry/mcp-server's entry, with the digests of its package and every package it loads. */
export interface InstalledSentryMcp {
  /** dist/index.js */
  entry: string
  pinned: PinnedFiles
}

const NATIVE_ARCH: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64' }

/**
 * The native package root of a codex (the directory with codex-package.json: bin/codex, codex-resources/, codex-path/):
 * next to the executable itself, or in the vendor/ folder of one of its packages, for this machine's architecture.
 */
async function nativeCodexRoot(codexPath: string, packageDirs: readonly string[]): Promise<string | null> {
  const isRoot = (dir: string) =>
    stat(path.join(dir, 'codex-package.json')).then(
      info => info.isFile(),
      () => false
    )
  const beside = path.dirname(path.dirname(await realpath(codexPath)))
  if (await isRoot(beside)) return beside
  const arch = NATIVE_ARCH[process.arch] ?? process.arch
  for (const dir of packageDirs) {
    for (const target of await subdirectories(path.join(dir, 'vendor'))) {
      if (path.basename(target).startsWith(`${arch}-`) && (await isRoot(target))) return target
    }
  }
  return null
}

async function bundledBwrap(nativeRoot: string): Promise<string | null> {
  if (process.platform !== 'linux') return null
  const manifest = await readFile(path.join(nativeRoot, 'codex-package.json'), 'utf8')
    .then(text => JSON.parse(text) as { resourcesDir?: unknown })
    .catch(() => ({}) as { resourcesDir?: unknown })
  const resources = typeof manifest.resourcesDir === 'string' ? manifest.resourcesDir : 'codex-resources'
  const bwrap = path.join(nativeRoot, resources, 'bwrap')
  return (await stat(bwrap).then(
    info => info.isFile(),
    () => false
  ))
    ? bwrap
    : null
}

function formatSize(bytes: number): string {
  return `${Number((bytes / 1_000_000).toFixed(1))} MB`
}

/**
 * Digests of what starting the codex at `codexPath` runs: the launcher's package and its platform package (or the
 * native package root beside an executable), the PATH lookups of CODEX_PATH_PROGRAMS, and the bundled bubblewrap.
 */
async function pinCodex(codexPath: string, env: Env, log: Log): Promise<InstalledCodex> {
  const started = Date.now()
  // both the launcher's package and the platform package with the native binary are named @openai/codex
  const pkg = await enclosingPackage(codexPath, '@openai/codex')
  const packages: CodeClosure = pkg ? await packageClosure(pkg) : { trees: [], files: [], absent: [] }
  const native = await nativeCodexRoot(codexPath, packages.trees)
  const covered = (dir: string) => packages.trees.some(tree => dir.startsWith(`${tree}${path.sep}`))
  const searchPath = minimalEnv(env, {}).PATH ?? ''
  const pinned = await pinFiles({
    label: 'codex',
    ...mergeClosures(
      packages,
      { trees: native && !covered(native) ? [native] : [], files: [codexPath], absent: [] },
      await pathLookup(CODEX_PATH_PROGRAMS, searchPath)
    )
  })
  const bwrapPath = native ? await bundledBwrap(native) : null
  const bwrap = bwrapPath
    ? { path: bwrapPath, pinned: await pinFiles({ label: "codex's bubblewrap", files: [bwrapPath] }) }
    : null
  log.info(
    `Recorded the SHA-256 digests of codex: ${pinned.fileCount} files, ${formatSize(pinned.byteCount)}, in ${Date.now() - started} ms`
  )
  return { path: codexPath, bwrap, pinned }
}

/**
 * The codex of `version`: the CODEX_PATH_ENV hook, else the runner's tool cache, else `npm install @openai/codex@<version>`
 * (cached for the next run on this runner). Its files are digested before it first runs.
 */
export async function installCodex(options: InstallOptions): Promise<InstalledCodex> {
  const codexPath = await installNpmTool(
    {
      packageName: '@openai/codex',
      cacheName: 'openai-codex',
      entry: path.join('node_modules', '@openai', 'codex', 'bin', 'codex.js'),
      hookEnv: CODEX_PATH_ENV,
      advice: `check the input 'codex-version' (an exact published version of @openai/codex such as 0.171.0) and that this runner can reach the npm registry.`
    },
    options
  )
  const installed = await pinCodex(codexPath, options.env ?? process.env, options.log)
  const version = await execCodex(codexPath, {
    args: ['--version'],
    env: minimalEnv(options.env ?? process.env, {}),
    stdin: '',
    timeoutMs: 30_000
  })
  const reported = /(\d+\.\d+\.\d+\S*)/.exec(version.stdout)?.[1]
  if (version.code !== 0) {
    throw new Error(
      oneLine(
        `The codex at ${codexPath} does not run (${version.spawnError ? errorMessage(version.spawnError) : (stderrReason(version.stderr) ?? `exit code ${version.code}`)}): check the input 'codex-version'.`
      )
    )
  }
  if (reported !== options.version) {
    options.log.warning(
      `The codex at ${codexPath} reports version ${reported ?? 'unknown'}, not ${options.version} (input 'codex-version').`
    )
  }
  return installed
}

/**
 * @sentry/mcp-server's dist/index.js at SENTRY_MCP_VERSION, like installCodex (hook: MCP_ENTRY_ENV), with the digests
 * of its package and every package it depends on, as Node resolves them from there.
 */
export async function installSentryMcp(
  options: Omit<InstallOptions, 'version'> & { version?: string }
): Promise<InstalledSentryMcp> {
  const entry = await installNpmTool(
    {
      packageName: '@sentry/mcp-server',
      cacheName: 'sentry-mcp-server',
      entry: path.join('node_modules', '@sentry', 'mcp-server', 'dist', 'index.js'),
      hookEnv: MCP_ENTRY_ENV,
      advice: 'check that this runner can reach the npm registry.'
    },
    { ...options, version: options.version ?? SENTRY_MCP_VERSION }
  )
  const started = Date.now()
  const pkg = await enclosingPackage(entry, '@sentry/mcp-server')
  const closure = pkg ? await packageClosure(pkg) : { trees: [], files: [], absent: [] }
  const pinned = await pinFiles({
    label: 'the Sentry MCP server',
    ...mergeClosures(closure, { trees: [], files: [entry], absent: [] })
  })
  options.log.info(
    `Recorded the SHA-256 digests of the Sentry MCP server: ${pinned.fileCount} files in ${closure.trees.length} packages, ${formatSize(pinned.byteCount)}, in ${Date.now() - started} ms`
  )
  return { entry, pinned }
}
