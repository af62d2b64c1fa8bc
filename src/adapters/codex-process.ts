// Running codex as a process: the one exec every codex start goes through (the agent's run, the sandbox probe,
// `--version` at install), and the minimal environment it starts with.
//
// - codex starts with PATH, HOME, LANG and the CA/proxy settings the runner has, plus what the caller adds (CODEX_HOME,
//   the keys): never GITHUB_TOKEN, INPUT_*, ACTIONS_* or RUNNER_*.
// - the time budget, or the caller's stop signal (the token budget), kills the whole process tree (codex, its sandboxed
//   commands and the MCP server), which live in separate process groups and sessions: the tree is frozen, listed from
//   /proc, then killed.
import { spawn } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import os from 'node:os'
import { createInterface } from 'node:readline'

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

/** how much of a process's stderr (or npm's output) is kept: the last characters */
export const STDERR_KEEP = 64_000
/** after the kill, how long to wait for the process to be reaped and its pipes to close */
const KILL_GRACE_MS = 5_000

export type Env = Readonly<Record<string, string | undefined>>

export interface ExecSpec {
  args: string[]
  env: Record<string, string>
  /** written to stdin, which is then closed (codex waits for EOF) */
  stdin: string
  timeoutMs: number
  onStdoutLine?: (line: string) => void
  /** aborting it kills the tree as the time-out does (the token budget, watched by the caller) */
  stop?: AbortSignal
}

export interface ExecResult {
  code: number | null
  signal: NodeJS.Signals | null
  /** the last STDERR_KEEP characters */
  stderr: string
  /** stdout, when no onStdoutLine consumer was given */
  stdout: string
  /** the process could not be started */
  spawnError: Error | null
  timedOut: boolean
  /** killed because `stop` was aborted */
  stopped: boolean
}

/**
 * The one way codex is run: its own process group, stdin closed after the prompt, a minimal environment, and on
 * timeout or stop the whole tree killed.
 */
export function execCodex(codexPath: string, spec: ExecSpec): Promise<ExecResult> {
  const [command, args] = /\.[cm]?js$/.test(codexPath)
    ? [process.execPath, [codexPath, ...spec.args]]
    : [codexPath, spec.args]
  return new Promise(resolve => {
    let stderr = ''
    let stdout = ''
    let killedFor: 'timeout' | 'stop' | null = null
    let settled = false
    // not @actions/exec: codex runs in its own process group, killed whole at the time budget or on a stop
    const child = spawn(command, args, { env: spec.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true })
    const finish = (result: Omit<ExecResult, 'stderr' | 'stdout' | 'timedOut' | 'stopped'>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      spec.stop?.removeEventListener('abort', onStop)
      resolve({ ...result, stderr, stdout, timedOut: killedFor === 'timeout', stopped: killedFor === 'stop' })
    }
    const kill = (why: 'timeout' | 'stop') => {
      if (settled || killedFor !== null) return
      killedFor = why
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
    }
    const timer = setTimeout(() => kill('timeout'), spec.timeoutMs)
    const onStop = () => kill('stop')
    spec.stop?.addEventListener('abort', onStop, { once: true })
    if (spec.stop?.aborted) kill('stop')
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

/** codex's environment: PATH, HOME, LANG and the PASSTHROUGH_ENV that are set, from `env`; then `extra`. */
export function minimalEnv(env: Env, extra: Record<string, string>): Record<string, string> {
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
