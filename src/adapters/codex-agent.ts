// The Agent port on the OpenAI Codex CLI: one `codex exec --json` per issue, in the issue's worktree, with its own
// CODEX_HOME (config.toml from domain/codex-config.ts, nothing secret in it) and the Sentry MCP server as its window
// into Sentry. Installing codex and the MCP server is codex-install.ts; running the process, codex-process.ts; reading
// its events, domain/codex-events.ts.
//
// Where the credentials go (verified with the real binary, see __tests__/adapters/codex-agent.test.ts):
// - codex itself starts with a minimal environment (codex-process.ts): PATH, HOME, LANG, CODEX_HOME, the model key
//   under the provider's variable, the Sentry token under SENTRY_ACCESS_TOKEN (forwarded to the MCP server by
//   `env_vars`), plus CA/proxy settings when the runner has them. Never GITHUB_TOKEN, INPUT_*, ACTIONS_* or RUNNER_*.
// - the agent's commands see neither key: shell_environment_policy inherits the core variables only, and under
//   workspace-write each command runs in its own PID namespace, so codex's /proc/<pid>/environ is out of reach.
// - config.toml names variables, never values: the sandbox lets the agent read CODEX_HOME.
// - the time budget kills the whole process tree, codex's sandboxed commands and the MCP server included; so does the
//   token budget (AgentRequest.maxTokens). Its signal is codex's session log, not the JSONL stream: `exec --json`
//   reports usage only in turn.completed, once for the whole run, while the session log (CODEX_HOME/sessions/
//   rollout-*.jsonl) gets a `token_usage_record` for each model response as soon as it completes, before its tool
//   calls run (seen on 0.171.0). Followed while codex runs, it stops a run within one model response of its budget.
// - where the run's time went (AgentOutcome.timings): the JSONL stream has no times, so each line is stamped as it
//   arrives; the session log adds codex's own time of each model response (domain/codex-events.ts agentTimingsOf).
// - what codex starts with those keys is pinned at install (codex-install.ts). Code from a fix runs between two codex
//   starts; each start is preceded by a check that every pinned file is byte for byte what was installed, and a
//   changed file ends the run before codex starts (and discards a run during which it changed).
import { createWriteStream, type WriteStream } from 'node:fs'
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { finished } from 'node:stream/promises'
import {
  codexConfigToml,
  modelKeyEnv,
  SENTRY_TOKEN_ENV,
  type CodexConfigInput
} from '../domain/codex-config.js'
import {
  agentTimingsOf,
  createCodexEventLog,
  REASON_MAX,
  sessionUsageOf,
  stderrReason
} from '../domain/codex-events.js'
import { redact } from '../domain/secrets.js'
import { agentBudgetReason, budgetPassed } from '../domain/token-budget.js'
import { oneLine } from '../domain/text.js'
import { ZERO_USAGE } from '../domain/summary.js'
import type { Agent, AgentOutcome, AgentRequest, AgentUsage, Log } from '../ports.js'
import { toJsonSchema } from '../schemas/json-schema.js'
import { errorMessage } from '../util/errors.js'
import { execCodex, minimalEnv, type Env } from './codex-process.js'
import { checkCodexSandbox } from './codex-sandbox-check.js'
import { pinProblem, type PinnedFiles } from './pinned-files.js'

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

/** codex's session logs below CODEX_HOME (sessions/YYYY/MM/DD/rollout-*.jsonl). */
async function sessionLogs(codexHome: string): Promise<string[]> {
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
  return files
}

/**
 * The text of codex's session logs in CODEX_HOME, for the model requests, their usage and their times
 * (domain/codex-events.ts reads them). Best effort: an internal format; null when there is none or it cannot be read.
 */
async function readSessionLogs(codexHome: string): Promise<string[] | null> {
  const files = await sessionLogs(codexHome)
  if (files.length === 0) return null
  const logs: string[] = []
  for (const file of files) logs.push(await readFile(file, 'utf8'))
  return logs
}

/** how often the session log is read while a run with a token budget goes on */
const SESSION_POLL_MS = 50

/**
 * Follows the session log while codex runs, reading only what was appended (whole lines), and calls onUsage with the
 * run's usage so far whenever a model response was recorded. `check` reads at once (on each JSONL event); a timer reads
 * every SESSION_POLL_MS in between.
 */
function followSessionUsage(codexHome: string, onUsage: (usage: AgentUsage) => void) {
  const read = new Map<string, number>() // file -> bytes of whole lines read
  const usage = { ...ZERO_USAGE }
  let busy = false
  let again = false
  let stopped = false
  async function readAppended(): Promise<boolean> {
    let grew = false
    for (const file of await sessionLogs(codexHome)) {
      const from = read.get(file) ?? 0
      const handle = await open(file, 'r')
      try {
        const { size } = await handle.stat()
        if (size <= from) continue
        const bytes = Buffer.alloc(size - from)
        const { bytesRead } = await handle.read(bytes, 0, bytes.length, from)
        const end = bytes.subarray(0, bytesRead).lastIndexOf(0x0a) + 1 // a line being written is read next time
        if (end === 0) continue
        read.set(file, from + end)
        const added = sessionUsageOf([bytes.subarray(0, end).toString('utf8')])
        if (added.model_requests === 0) continue
        for (const key of Object.keys(usage) as (keyof AgentUsage)[]) usage[key] += added[key]
        grew = true
      } finally {
        await handle.close()
      }
    }
    return grew
  }
  function check(): void {
    if (stopped) return
    if (busy) {
      again = true
      return
    }
    busy = true
    readAppended()
      .then(grew => {
        if (grew && !stopped) onUsage({ ...usage })
      })
      .catch(() => undefined) // best effort: the log is read again on the next tick
      .finally(() => {
        busy = false
        if (again) {
          again = false
          check()
        }
      })
  }
  const timer = setInterval(check, SESSION_POLL_MS)
  const stop = () => {
    stopped = true
    clearInterval(timer)
  }
  return { check, stop }
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

export function createCodexAgent(options: CodexAgentOptions): Agent {
  const keyEnv = modelKeyEnv(options.config)
  const secrets = [options.secrets.modelKey, options.secrets.sentryToken]
  const redacted = (text: string) => redact(text, secrets)
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
      return { kind: 'failed', reason: changedBefore, usage: { ...ZERO_USAGE }, audit: [] }
    }
    sandboxCheck ??= checkCodexSandbox({
      codexPath: options.codexPath,
      env: options.env,
      scratchDir: options.codexHome,
      appArmorSysctl: options.appArmorSysctl
    }).catch(error => `Could not check Codex's sandbox: ${errorMessage(error)}`)
    const sandboxProblem = await sandboxCheck
    if (sandboxProblem !== null) {
      return { kind: 'failed', reason: sandboxProblem, usage: { ...ZERO_USAGE }, audit: [] }
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
    return {
      kind: 'failed',
      reason: changedAfter,
      usage: outcome.usage,
      audit: outcome.audit,
      ...(outcome.timings ? { timings: outcome.timings } : {})
    }
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
    const tokens = request.maxTokens === null ? '' : `, ${request.maxTokens.toLocaleString('en-US')} tokens`
    options.log.info(
      `Running codex for ${request.shortId} (budget ${formatBudget(request.timeoutMs)}${tokens})`
    )
    options.log.debug(`codex ${args.join(' ')}`)

    const events = createWriteStream(path.join(request.outDir, 'events.jsonl'))
    events.on('error', () => undefined) // reported by endStream
    const eventLog = createCodexEventLog()
    const budgetStop = new AbortController()
    const maxTokens = request.maxTokens
    let seen: AgentUsage | null = null // the usage the follower last read
    const follower =
      maxTokens === null
        ? null
        : followSessionUsage(home, usage => {
            seen = usage
            if (budgetPassed(usage, maxTokens)) budgetStop.abort()
          })
    // the stream has no times: each line is stamped as it arrives (eventLog.push), the run from spawn to exit here
    const spawnedAt = Date.now()
    const result = await execCodex(options.codexPath, {
      args,
      env: minimalEnv(options.env, {
        CODEX_HOME: home,
        [keyEnv]: options.secrets.modelKey,
        [SENTRY_TOKEN_ENV]: options.secrets.sentryToken
      }),
      stdin: request.prompt,
      timeoutMs: request.timeoutMs,
      stop: budgetStop.signal,
      onStdoutLine: line => {
        events.write(`${redacted(line)}\n`)
        eventLog.push(redacted(line))
        follower?.check()
      }
    })
    const exitedAt = Date.now()
    follower?.stop()
    await endStream(events)
    await writeFile(path.join(request.outDir, 'codex-stderr.log'), redacted(result.stderr))

    const logs = await readSessionLogs(home).catch(() => null)
    const timings = agentTimingsOf({ spawnedAt, exitedAt, stream: eventLog.times, sessionLogs: logs ?? [] })
    const fromSession = (logs === null ? null : sessionUsageOf(logs)) ?? seen
    const usage: AgentUsage =
      eventLog.turnsCompleted > 0
        ? { ...eventLog.usage, model_requests: fromSession?.model_requests ?? eventLog.turnsCompleted }
        : (fromSession ?? { ...ZERO_USAGE })
    const audit = [...eventLog.audit, ...eventLog.unfinished()]
    await writeJsonl(path.join(request.outDir, 'audit.jsonl'), audit)

    const failed = (reason: string): AgentOutcome => {
      const text = oneLine(redacted(reason), REASON_MAX)
      options.log.info(`codex failed for ${request.shortId}: ${text}`)
      return { kind: 'failed', reason: text, usage, audit, timings }
    }
    // Judged on the whole run's usage, whether the action stopped codex or codex ended in the same moment: a run past
    // its budget fails the same way every time.
    if (maxTokens !== null && (result.stopped || budgetPassed(usage, maxTokens))) {
      return failed(agentBudgetReason(usage, maxTokens))
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
    return { kind: 'completed', finalMessage, usage, audit, threadId: eventLog.threadId, timings }
  }

  return { run }
}
