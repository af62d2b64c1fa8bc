// Runs the repository's test-command itself, outside the agent, so that "tests passed" in a pull request is measured
// by the action and never taken from the agent's word.
//
// The command runs as `/bin/sh -c <command>` in the worktree (after `exec 2>&1`, so the output keeps its order), in
// its own process group (detached), with stdin closed (/dev/null). At the time budget the whole group gets SIGKILL
// (kill(-pid)), so a test runner's children (a dev server, a watcher, `sleep 60 &`) die with it; stragglers of a command
// that exited by itself are killed the same way (they would also hold the output pipes open).
//
// Environment. The command is the repository's code, and so is anything the agent changed in it: it gets a SCRUBBED
// environment built from an allow-list, never the action's own environment. Exactly these names are copied from
// options.env when set:
//   PATH, HOME, LANG, LC_ALL, TMPDIR, NODE_EXTRA_CA_CERTS,
//   HTTP_PROXY, HTTPS_PROXY, NO_PROXY, ALL_PROXY, http_proxy, https_proxy, no_proxy, all_proxy
// and CI=true is set; the jail then sets HOME and TMPDIR to its private ones. Nothing else passes: no GITHUB_* (GITHUB_TOKEN), INPUT_* (the action's inputs, the Sentry and
// OpenAI keys among them), ACTIONS_* (ACTIONS_RUNTIME_TOKEN, ACTIONS_ID_TOKEN_REQUEST_*), RUNNER_*, and no other
// name containing TOKEN, KEY, SECRET, PASSWORD, PASSWD or CREDENTIAL.
//
// Isolation. The process environment is not the only way to a secret or to the next run: a test the agent wrote runs
// as the same user as the action. So the command runs in the jail (jail.ts): the filesystem read-only but for the
// worktree and a private temp dir and HOME, no network but its own loopback, no Unix socket, its own PID namespace.
// Where the jail cannot be made the run does not fall back to an unjailed one: it fails with what to do.
//
// Output. stdout and stderr are kept together as a tail: the last 200 lines and at most 16 KB. The value of every
// variable of options.env with a secret-looking name (domain/secrets.ts isSecretName: INPUT_SENTRY-TOKEN,
// OPENAI_API_KEY ...), in every form domain/secrets.ts secretForms lists (each line of a multi-line value too, URL and
// base64 encodings; values under MIN_SECRET_LENGTH excepted), is redacted in that tail, with well-known token shapes
// and URL credentials, in case a test prints a credential it found elsewhere (on disk, in a config file).
import { spawn } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { redact, secretEnvValues, secretForms } from '../domain/secrets.js'
import type { Log, TestRun, TestRunner } from '../ports.js'
import { errorMessage } from '../util/errors.js'
import { writeSeccomp, type Jail, type JailedCommand } from './jail.js'
import { PROXY_ENV } from './proxy-env.js'

/** The only variables the test command inherits (plus CI=true). */
export const TEST_ENV_ALLOW_LIST: readonly string[] = [
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'TMPDIR',
  'NODE_EXTRA_CA_CERTS',
  ...PROXY_ENV
]

const TAIL_LINES = 200
const TAIL_BYTES = 16 * 1024
/** how long to wait for the output pipes to close after the command exited and its group was killed */
const DRAIN_MS = 2000

export interface TestRunnerOptions {
  /** the action's environment: the allow-list is copied from it, and the values of secret-looking names redacted */
  env: NodeJS.ProcessEnv
  log: Log
  /** default /bin/sh */
  shell?: string
  /** where the command runs (jail.ts) */
  jail: Jail
}

/** The environment the test command gets (see the top of this file). */
export function testCommandEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of TEST_ENV_ALLOW_LIST) {
    const value = env[name]
    if (value !== undefined) out[name] = value
  }
  out.CI = 'true'
  return out
}

export function createTestRunner(options: TestRunnerOptions): TestRunner {
  const { log } = options
  const shell = options.shell ?? '/bin/sh'
  const env = testCommandEnv(options.env)
  const secrets = secretEnvValues(options.env)
  /** the longest written form of a secret (forms come longest first): the buffer keeps that much more than the tail */
  const longestForm = secretForms(secrets)[0]?.text.length ?? 0
  const { jail } = options

  return {
    async run({ command, cwd, timeoutMs }) {
      const problem = await jail.check()
      if (problem) {
        log.warning(`The test command cannot run jailed: ${problem}`)
        return {
          passed: false,
          exitCode: null,
          timedOut: false,
          logTail: `could not jail the test command: ${problem}`,
          durationMs: 0
        }
      }
      const started = performance.now()
      const output = new TailBuffer(TAIL_BYTES + Math.max(8 * 1024, 2 * longestForm))
      log.info(
        `Running the test command in ${cwd} (time budget ${Math.round(timeoutMs / 1000)} s): ${command}`
      )

      return new Promise<TestRun>(resolve => {
        let timedOut = false
        let exitCode: number | null = null
        let exited = false
        let settled = false
        let drainTimer: NodeJS.Timeout | undefined

        // `exec 2>&1` first: stderr joins stdout on one pipe, so the tail keeps the order a person would have seen
        let jailed: JailedCommand
        try {
          jailed = jail.command([shell, '-c', `exec 2>&1\n${command}`], { writable: cwd })
        } catch (error) {
          resolve(notStarted(error, started, log))
          return
        }
        // not @actions/exec: the jail gets its seccomp filter on fd 3, and its process group is killed at the budget
        const child = spawn(jailed.file, jailed.args, {
          cwd,
          env,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe', 'pipe']
        })
        writeSeccomp(child.stdio[3], jailed.seccomp)

        const killGroup = (): void => {
          if (child.pid === undefined) return
          try {
            process.kill(-child.pid, 'SIGKILL')
          } catch {
            // ESRCH: the group is already gone
          }
        }

        const timer = setTimeout(
          () => {
            timedOut = true
            log.debug(`The test command exceeded ${timeoutMs} ms: killing its process group.`)
            killGroup()
          },
          Math.max(0, timeoutMs)
        )

        const finish = (startError?: unknown): void => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          clearTimeout(drainTimer)
          if (startError !== undefined) {
            output.push(Buffer.from(`\n[the test command could not start: ${errorMessage(startError)}]\n`))
          }
          const durationMs = Math.round(performance.now() - started)
          const passed = startError === undefined && !timedOut && exitCode === 0
          const result: TestRun = {
            passed,
            exitCode: startError === undefined && !timedOut ? exitCode : null,
            timedOut,
            logTail: tail(redact(output.text(), secrets), output.droppedBytes > 0),
            durationMs
          }
          const seconds = (durationMs / 1000).toFixed(1)
          if (passed) log.info(`The test command passed in ${seconds} s.`)
          else if (timedOut) log.info(`The test command was killed at its time budget after ${seconds} s.`)
          else if (startError !== undefined)
            log.info(`The test command could not start: ${errorMessage(startError)}`)
          else log.info(`The test command failed (exit code ${String(result.exitCode)}) after ${seconds} s.`)
          resolve(result)
        }

        child.stdout!.on('data', (chunk: Buffer) => output.push(chunk))
        child.stderr!.on('data', (chunk: Buffer) => output.push(chunk))
        child.on('error', error => {
          killGroup()
          finish(error)
        })
        child.on('exit', code => {
          exited = true
          exitCode = code
          clearTimeout(timer)
          // background children of a command that has exited are not wanted; they would also hold the pipes open
          killGroup()
          drainTimer = setTimeout(() => {
            child.stdout!.destroy()
            child.stderr!.destroy()
            finish()
          }, DRAIN_MS)
        })
        child.on('close', () => {
          if (exited) finish()
        })
      })
    }
  }
}

function notStarted(error: unknown, started: number, log: Log): TestRun {
  log.info(`The test command could not start: ${errorMessage(error)}`)
  return {
    passed: false,
    exitCode: null,
    timedOut: false,
    logTail: `[the test command could not start: ${errorMessage(error)}]`,
    durationMs: Math.round(performance.now() - started)
  }
}

/** The last `capacity` bytes written to it, and how many earlier bytes were dropped. */
class TailBuffer {
  private chunks: Buffer[] = []
  private size = 0
  droppedBytes = 0

  constructor(private readonly capacity: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk)
    this.size += chunk.length
    while (this.size > this.capacity) {
      const first = this.chunks[0] as Buffer
      const excess = this.size - this.capacity
      if (first.length <= excess) {
        this.chunks.shift()
        this.size -= first.length
        this.droppedBytes += first.length
      } else {
        this.chunks[0] = first.subarray(excess)
        this.size -= excess
        this.droppedBytes += excess
      }
    }
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8')
  }
}

/** The last TAIL_LINES lines, at most TAIL_BYTES, with a first line saying that earlier output was left out. */
function tail(text: string, alreadyTruncated: boolean): string {
  let lines = text.split('\n')
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  // a line cut by the byte buffer is incomplete: drop it
  let truncated = alreadyTruncated
  if (alreadyTruncated && lines.length > 1) lines = lines.slice(1)
  if (lines.length > TAIL_LINES) {
    lines = lines.slice(-TAIL_LINES)
    truncated = true
  }
  let body = lines.join('\n')
  const bytes = Buffer.from(body, 'utf8')
  if (bytes.length > TAIL_BYTES) {
    body = bytes.subarray(bytes.length - TAIL_BYTES).toString('utf8')
    const newline = body.indexOf('\n')
    if (newline >= 0 && newline < body.length - 1) body = body.slice(newline + 1)
    body = body.replace(/^\uFFFD+/, '')
    truncated = true
  }
  return truncated ? `[… earlier output left out; the last lines follow]\n${body}` : body
}
