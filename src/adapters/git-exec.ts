// The one way the action runs git: execGit (async, non-interactive, no hooks, options objects). The worktree adapter
// (git-cli.ts), the credential scrubber (git-credentials.ts) and the land adapter (git-land.ts) all go through it.
// A git command inherits only an allow-list of the action's environment (gitCommandEnv), never a name that looks like
// a credential, and never prompts: a fetch that needs a password fails at once.
import { spawn } from 'node:child_process'
import { isSecretName } from '../domain/secrets.js'
import type { Log } from '../ports.js'
import { PROXY_ENV } from './proxy-env.js'

export class GitError extends Error {
  readonly args: string[]
  readonly exitCode: number
  readonly stderr: string

  constructor(message: string, options: { args: string[]; exitCode: number; stderr: string }) {
    super(message)
    this.name = 'GitError'
    this.args = options.args
    this.exitCode = options.exitCode
    this.stderr = options.stderr
  }
}

export interface ExecGitOptions {
  cwd: string
  /** added to (and overriding) the non-interactive environment */
  env?: Record<string, string>
  input?: string | Buffer
  /** resolve with the exit code instead of throwing on a non-zero exit */
  allowFailure?: boolean
  /** default 10 minutes (a fetch over a slow network) */
  timeoutMs?: number
  log?: Log
  /** checked before the command runs: a compromised run runs no git command (git-state-guard.ts) */
  guard?: { assertUnchanged(): Promise<void> }
}

export interface ExecGitResult {
  exitCode: number
  stdout: Buffer
  stderr: string
}

/** Settings for every call: no hooks, no fsmonitor daemon, plain output. */
const BASE_CONFIG = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'color.ui=never',
  '-c',
  'advice.addEmbeddedRepo=false',
  '-c',
  'advice.detachedHead=false',
  // no background repacking: it would rewrite state the action watches (git-state-guard.ts) and cost time
  '-c',
  'gc.auto=0',
  '-c',
  'maintenance.auto=false'
]

/**
 * What git inherits from the action's environment: what a self-hosted runner behind a corporate proxy or with a private
 * CA needs, HOME (its git identity and url.*.insteadOf), and locale. Nothing else: no INPUT_* (the action's inputs,
 * tokens among them), ACTIONS_*, GITHUB_*, RUNNER_*, and never a name that looks like a credential, even one listed
 * here, because a git command may start a program (a filter, a hook, an ssh command) that code from a fix could have
 * planted.
 */
export const GIT_ENV_ALLOW_LIST: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'TMPDIR',
  'XDG_CONFIG_HOME',
  'GIT_CONFIG_GLOBAL',
  'GIT_SSH_COMMAND',
  'SSH_AUTH_SOCK',
  // fixed commit dates, for reproducible commits
  'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_DATE',
  ...PROXY_ENV,
  'GIT_SSL_CAINFO',
  'GIT_SSL_CAPATH',
  'GIT_SSL_NO_VERIFY',
  'GIT_SSL_CERT',
  'GIT_PROXY_SSL_CAINFO',
  'GIT_HTTP_PROXY_AUTHMETHOD',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'CURL_CA_BUNDLE',
  'NODE_EXTRA_CA_CERTS'
]

/** The environment of a git command: the allow-list of `source`, then the action's fixed settings, then `extra`. */
export function gitCommandEnv(
  source: NodeJS.ProcessEnv,
  extra: Record<string, string> = {}
): Record<string, string> {
  const env: Record<string, string> = {}
  for (const name of GIT_ENV_ALLOW_LIST) {
    const value = source[name]
    if (value !== undefined && !isSecretName(name)) env[name] = value
  }
  return {
    ...env,
    GIT_TERMINAL_PROMPT: '0',
    // empty, not unset: git then asks no helper program at all (nor core.askPass or SSH_ASKPASS), and with terminal
    // prompts off a fetch that needs a password fails at once
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    GCM_INTERACTIVE: 'never',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_ATTR_NOSYSTEM: '1',
    // a replace ref (refs/replace/*) would let what git reads differ from the objects named: a commit, a tree, a blob
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_SSH_COMMAND: source.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes',
    ...extra
  }
}

/** The one way the action runs git. Arguments never carry a credential. */
export async function execGit(args: string[], options: ExecGitOptions): Promise<ExecGitResult> {
  await options.guard?.assertUnchanged()
  const fullArgs = [...BASE_CONFIG, ...args]
  options.log?.debug(`git ${args.join(' ')}`)
  const result = await new Promise<ExecGitResult>((resolve, reject) => {
    // not @actions/exec: it cannot kill at a time limit, and a git that exits before reading stdin crashes it (EPIPE).
    // Its own process group, killed whole at the time limit: a helper git started (git-remote-http stalled on a
    // remote that never answers) holds git's stderr open, so killing git alone would leave the run waiting forever.
    const child = spawn('git', fullArgs, {
      cwd: options.cwd,
      env: gitCommandEnv(process.env, options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true
    })
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
      } catch {
        // the group is gone already
      }
    }, options.timeoutMs ?? 600_000)
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', error => {
      clearTimeout(timer)
      reject(new Error(`could not run git: ${error.message}`))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({
        exitCode: code ?? (signal ? 128 + 9 : -1),
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8')
      })
    })
    child.stdin.on('error', () => undefined)
    child.stdin.end(options.input ?? '')
  })
  if (result.exitCode !== 0 && !options.allowFailure) {
    throw new GitError(`git ${args[0] ?? ''} failed (exit ${result.exitCode}): ${tail(result.stderr)}`, {
      args,
      exitCode: result.exitCode,
      stderr: result.stderr
    })
  }
  return result
}

/** The trimmed UTF-8 stdout of a git command. */
export function stdoutText(result: ExecGitResult): string {
  return result.stdout.toString('utf8').trim()
}

/** The last few lines of git's stderr, for error messages. */
export function tail(stderr: string, lines = 5): string {
  const kept = stderr.trim().split('\n').slice(-lines).join(' | ')
  return kept === '' ? '(no output)' : kept
}

/** The installed git's version, e.g. "2.39.5", for diagnostics. */
export async function gitVersion(): Promise<string> {
  const out = stdoutText(await execGit(['--version'], { cwd: process.cwd() }))
  return /(\d+\.\d+(?:\.\d+)?)/.exec(out)?.[1] ?? out
}
