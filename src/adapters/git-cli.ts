// The git adapter of the work stage: one detached worktree per issue for the agent, and the binary-safe diff of what
// the agent changed in it. Every git call goes through execGit (async, non-interactive, no hooks, options objects).
//
// Credentials. A worktree shares the checkout's .git/config, and codex's sandbox lets the agent read every file. So
// before the first worktree exists, every persisted credential is removed from the checkout's git configuration:
// actions/checkout's `http.<server>/.extraheader` (up to v5), its `includeIf.gitdir:` entries naming a
// RUNNER_TEMP/git-credentials-<uuid>.config file that holds the header (v6+; the file itself is deleted too, since the
// sandbox can read RUNNER_TEMP, and so is every other such file there, which another checkout step left), credential
// helpers, core.sshCommand, and user:password@ in remote and insteadOf URLs,
// in the checkout's config, its config.worktree and its submodules' configs. What was removed is remembered in this
// process's memory only (never written to a backup file the agent could read); restoreCredentials() puts it back once
// no worktree is live, for workflow steps after the action that push with the persisted credential. The action itself
// never needs it: it pushes with its own token, given to that one command.
//
// Git run on a worktree is pinned to the worktree's admin directory (GIT_DIR/GIT_WORK_TREE): the worktree's `.git`
// file is the agent's to rewrite, and following it could load a configuration the agent wrote (core.fsmonitor,
// diff.external ...), outside the sandbox, with the action's environment.
import { spawn } from 'node:child_process'
import { isUtf8 } from 'node:buffer'
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { checkoutCredentialFiles } from './git-credentials.js'
import type { ChangedFile, Log, Repo, Worktree, WorktreeDiff } from '../ports.js'
import type { GitStateGuard } from './git-state-guard.js'
import { PROXY_ENV } from './proxy-env.js'

export interface GitRepoOptions {
  /** the checkout (actions/checkout's working copy) */
  dir: string
  /** where worktrees are created, e.g. $RUNNER_TEMP/sentry-codex-triage/worktrees */
  worktreesDir: string
  /**
   * RUNNER_TEMP: every actions/checkout credentials file in it (git-credentials-<uuid>.config) is removed with the
   * checkout's own credentials, whichever checkout step wrote it. Without it, only the files the checkout's config
   * includes are removed.
   */
  runnerTemp?: string
  log: Log
  /**
   * Recorded once the credentials are scrubbed, before the first worktree (hence before any agent run), and checked
   * before every git command from then on.
   */
  guard?: GitStateGuard
}

export interface GitRepo extends Repo {
  readonly dir: string
  readonly worktreesDir: string
  /**
   * Removes every persisted credential from the checkout's git configuration (see the top of this file). Idempotent:
   * addWorktree calls it before the first worktree is made. Resolves to the names of the config keys removed (never
   * their values).
   */
  scrubCredentials(): Promise<string[]>
  /**
   * Puts back what scrubCredentials removed (config values written without passing through a command line). Refuses
   * while a worktree is live: resolves false and warns. Resolves true when there was nothing or everything was restored.
   */
  restoreCredentials(): Promise<boolean>
}

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

// ------------------------------------------------------------------------------------------------ execGit

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

const CREDENTIAL_NAME = /TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIAL/i

/** The environment of a git command: the allow-list of `source`, then the action's fixed settings, then `extra`. */
export function gitCommandEnv(
  source: NodeJS.ProcessEnv,
  extra: Record<string, string> = {}
): Record<string, string> {
  const env: Record<string, string> = {}
  for (const name of GIT_ENV_ALLOW_LIST) {
    const value = source[name]
    if (value !== undefined && !CREDENTIAL_NAME.test(name)) env[name] = value
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

/** The one way this adapter runs git. Arguments never carry a credential. */
export async function execGit(args: string[], options: ExecGitOptions): Promise<ExecGitResult> {
  await options.guard?.assertUnchanged()
  const fullArgs = [...BASE_CONFIG, ...args]
  options.log?.debug(`git ${args.join(' ')}`)
  const result = await new Promise<ExecGitResult>((resolve, reject) => {
    const child = spawn('git', fullArgs, {
      cwd: options.cwd,
      env: gitCommandEnv(process.env, options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 600_000,
      killSignal: 'SIGKILL'
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', error => reject(new Error(`could not run git: ${error.message}`)))
    child.on('close', (code, signal) =>
      resolve({
        exitCode: code ?? (signal ? 128 + 9 : -1),
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8')
      })
    )
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

function text(result: ExecGitResult): string {
  return result.stdout.toString('utf8').trim()
}

/** The last few lines of git's stderr, for error messages. */
export function tail(stderr: string, lines = 5): string {
  const kept = stderr.trim().split('\n').slice(-lines).join(' | ')
  return kept === '' ? '(no output)' : kept
}

/** The installed git's version, e.g. "2.39.5", for diagnostics. */
export async function gitVersion(): Promise<string> {
  const out = text(await execGit(['--version'], { cwd: process.cwd() }))
  return /(\d+\.\d+(?:\.\d+)?)/.exec(out)?.[1] ?? out
}

// ------------------------------------------------------------------------------------------------ credentials

type StashEntry =
  /** config values removed from a file */
  | { kind: 'values'; file: string; key: string; values: string[] }
  /** values replaced (remote URLs stripped of their password): restore removes the replacements, adds the originals */
  | { kind: 'replaced'; file: string; key: string; original: string[] }
  /** a config section removed as text (its name holds the credential, so git config cannot be given it) */
  | { kind: 'section'; file: string; text: string }
  /** a credentials file deleted */
  | { kind: 'file'; path: string; content: Buffer; mode: number }

interface ConfigEntry {
  key: string
  value: string | null
}

/** actions/checkout v6+ keeps its header in RUNNER_TEMP/git-credentials-<uuid>.config */
const CHECKOUT_CREDENTIALS_FILE = /(^|[\\/])git-credentials-[0-9a-f-]+\.config$/i
/** user:password@ in a URL, in a value or in a key's subsection */
const PASSWORD_IN_URL = /[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i

type CredentialRule = 'remove' | 'strip-password' | 'remove-section' | 'include'

function credentialRule(entry: ConfigEntry): CredentialRule | null {
  const key = entry.key
  const lower = key.toLowerCase()
  const credentialKey =
    /^http\.(.+\.)?extraheader$/.test(lower) ||
    /^credential\.(.+\.)?helper$/.test(lower) ||
    lower === 'core.sshcommand'
  // a password in the key itself (its subsection URL): the section goes, by text, so the key is never an argument
  if (PASSWORD_IN_URL.test(key) && (credentialKey || /^(url|http|credential)\./.test(lower)))
    return 'remove-section'
  if (credentialKey) return 'remove'
  if (/^remote\..+\.(url|pushurl)$/.test(lower)) {
    return entry.value !== null && PASSWORD_IN_URL.test(entry.value) ? 'strip-password' : null
  }
  if (lower === 'include.path' || /^includeif\..+\.path$/.test(lower)) return 'include'
  return null
}

/** A config key fit for a log line: any user:password@ in it masked. */
function redactKey(key: string): string {
  return key.replace(/(:\/\/)[^/@\s]*@/g, '$1***@')
}

/** `git config --list -z` output: `key\nvalue\0` (or `key\0` for a bare boolean). */
function parseConfigList(buffer: Buffer): ConfigEntry[] {
  const entries: ConfigEntry[] = []
  for (const record of buffer.toString('utf8').split('\0')) {
    if (record === '') continue
    const newline = record.indexOf('\n')
    entries.push(
      newline < 0
        ? { key: record, value: null }
        : { key: record.slice(0, newline), value: record.slice(newline + 1) }
    )
  }
  return entries
}

function stripPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1')
}

/** The value as git writes it in a config file: quoted, with backslash escapes. */
function quoteConfigValue(value: string): string {
  return (
    '"' + value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t') + '"'
  )
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file)
    return true
  } catch {
    return false
  }
}

// ------------------------------------------------------------------------------------------------ the adapter

interface LiveWorktree {
  /** the worktree's admin directory, <common dir>/worktrees/<name> */
  gitDir: string
  baseSha: string
}

const SHA = /^([0-9a-f]{40}|[0-9a-f]{64})$/
const WORKTREE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/

export function createGitRepo(options: GitRepoOptions): GitRepo {
  const dir = path.resolve(options.dir)
  const worktreesDir = path.resolve(options.worktreesDir)
  const log = options.log
  const live = new Map<string, LiveWorktree>()
  const stash: StashEntry[] = []
  let scrubbed: Promise<string[]> | null = null
  let queue: Promise<unknown> = Promise.resolve()

  const git = (args: string[], extra: Omit<ExecGitOptions, 'log' | 'cwd'> & { cwd?: string } = {}) =>
    execGit(args, { cwd: dir, log, guard: options.guard, ...extra })

  /** Runs repository-changing steps (fetch, worktree add/remove/prune, config edits) one at a time. */
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = queue.then(fn, fn)
    queue = next.catch(() => undefined)
    return next
  }

  /** Environment that pins git to one worktree, whatever its `.git` file says now. */
  function worktreeEnv(entry: LiveWorktree, worktreePath: string, extra: Record<string, string> = {}) {
    return { GIT_DIR: entry.gitDir, GIT_WORK_TREE: worktreePath, ...extra }
  }

  async function commonDir(): Promise<string> {
    const out = text(await git(['rev-parse', '--git-common-dir']))
    return path.resolve(dir, out)
  }

  /** The checkout's config files a worktree or the agent could read credentials from. */
  async function configFiles(common: string): Promise<string[]> {
    const files = [path.join(common, 'config')]
    if (await exists(path.join(common, 'config.worktree'))) files.push(path.join(common, 'config.worktree'))
    const walk = async (folder: string): Promise<void> => {
      let entries
      try {
        entries = await readdir(folder, { withFileTypes: true })
      } catch {
        return
      }
      if (entries.some(e => e.isFile() && e.name === 'config') && entries.some(e => e.name === 'HEAD')) {
        // a submodule's git directory: its config, then its own submodules
        files.push(path.join(folder, 'config'))
        await walk(path.join(folder, 'modules'))
        return
      }
      // a folder of a submodule name with slashes
      for (const entry of entries) if (entry.isDirectory()) await walk(path.join(folder, entry.name))
    }
    await walk(path.join(common, 'modules'))
    return files
  }

  async function listConfig(file: string): Promise<ConfigEntry[]> {
    const result = await git(['config', '--file', file, '--list', '-z'], { allowFailure: true })
    return result.exitCode === 0 ? parseConfigList(result.stdout) : []
  }

  function resolveInclude(configFile: string, value: string): string {
    if (value.startsWith('~/')) return path.join(os.homedir(), value.slice(2))
    return path.resolve(path.dirname(configFile), value)
  }

  async function holdsCredentials(file: string): Promise<boolean> {
    if (!(await exists(file))) return false
    const entries = await listConfig(file)
    return entries.some(entry => {
      const rule = credentialRule(entry)
      return rule !== null && rule !== 'include'
    })
  }

  async function scrubFile(file: string, removed: string[]): Promise<void> {
    const entries = await listConfig(file)
    const handled = new Set<string>()
    for (const entry of entries) {
      const rule = credentialRule(entry)
      if (rule === null) continue
      if (rule === 'remove') {
        if (handled.has(entry.key)) continue
        handled.add(entry.key)
        const values = entries.filter(e => e.key === entry.key).map(e => e.value ?? '')
        await git(['config', '--file', file, '--unset-all', entry.key])
        stash.push({ kind: 'values', file, key: entry.key, values })
        removed.push(redactKey(entry.key))
      } else if (rule === 'strip-password') {
        if (handled.has(entry.key)) continue
        handled.add(entry.key)
        const original = entries.filter(e => e.key === entry.key).map(e => e.value ?? '')
        await git(['config', '--file', file, '--unset-all', entry.key])
        for (const value of original)
          await git(['config', '--file', file, '--add', entry.key, stripPassword(value)])
        stash.push({ kind: 'replaced', file, key: entry.key, original })
        removed.push(`${redactKey(entry.key)} (password)`)
      } else if (rule === 'remove-section') {
        const section = await removeSectionText(file, entry.key)
        if (section !== null) {
          stash.push({ kind: 'section', file, text: section })
          removed.push(redactKey(entry.key))
        }
      } else if (rule === 'include' && entry.value !== null) {
        const target = resolveInclude(file, entry.value)
        const deletedByUs = stash.some(s => s.kind === 'file' && s.path === target)
        if (!deletedByUs && !(await holdsCredentials(target))) continue
        await git(['config', '--file', file, '--fixed-value', '--unset-all', entry.key, entry.value])
        stash.push({ kind: 'values', file, key: entry.key, values: [entry.value] })
        removed.push(redactKey(entry.key))
        if (deletedByUs) continue
        if (CHECKOUT_CREDENTIALS_FILE.test(target)) {
          const info = await stat(target)
          stash.push({ kind: 'file', path: target, content: await readFile(target), mode: info.mode & 0o777 })
          await unlink(target)
          removed.push(`${path.basename(target)} (file)`)
        } else {
          log.warning(
            `${target} holds git credentials and is no longer included by the checkout's config, but the file is ` +
              `still on disk where the agent could read it; remove it before running this action.`
          )
        }
      }
    }
  }

  /**
   * Removes, by text, the config section a key belongs to (e.g. `[url "https://user:pw@host/"]` for
   * `url.https://user:pw@host/.insteadof`): the key holds the credential, so it is never given to git as an argument.
   * Returns the removed text, or null if not found.
   */
  async function removeSectionText(file: string, key: string): Promise<string | null> {
    const section = key.slice(0, key.indexOf('.')).toLowerCase()
    const subsection = key.slice(key.indexOf('.') + 1, key.lastIndexOf('.'))
    const original = await readFile(file, 'utf8')
    const kept: string[] = []
    const removed: string[] = []
    let inSection = false
    for (const line of original.split('\n')) {
      const header = /^\s*\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line)
      if (header) {
        inSection =
          (header[1] ?? '').toLowerCase() === section &&
          header[2] !== undefined &&
          header[2].replace(/\\(.)/g, '$1') === subsection
      }
      ;(inSection ? removed : kept).push(line)
    }
    if (removed.length === 0) return null
    const info = await stat(file)
    await writeFile(file, kept.join('\n'), { mode: info.mode & 0o777 })
    return removed.join('\n') + '\n'
  }

  /** Removes the credentials files of RUNNER_TEMP that the checkout's config does not include (other checkouts'). */
  async function scrubRunnerTemp(removed: string[]): Promise<void> {
    if (options.runnerTemp === undefined) return
    for (const file of await checkoutCredentialFiles(options.runnerTemp)) {
      if (stash.some(s => s.kind === 'file' && s.path === file)) continue
      const info = await stat(file)
      stash.push({ kind: 'file', path: file, content: await readFile(file), mode: info.mode & 0o777 })
      await unlink(file)
      removed.push(`${path.basename(file)} (file)`)
    }
  }

  async function scrub(): Promise<string[]> {
    const common = await commonDir()
    const removed: string[] = []
    for (const file of await configFiles(common)) await scrubFile(file, removed)
    await scrubRunnerTemp(removed)
    if (removed.length > 0) {
      log.info(
        `Removed persisted credentials from the checkout's git config for the agent's runs: ${removed.join(', ')}. ` +
          `The action pushes with its own token; what was removed is kept in this process's memory only.`
      )
    }
    const global = await git(['config', '--global', '--list', '-z'], { allowFailure: true })
    const globalKeys = parseConfigList(global.stdout)
      .filter(entry => {
        const rule = credentialRule(entry)
        return rule !== null && rule !== 'include'
      })
      .map(entry => redactKey(entry.key))
    if (globalKeys.length > 0) {
      log.warning(
        `The global git config has credential settings the agent could read (${[...new Set(globalKeys)].join(', ')}); ` +
          `the action leaves them alone.`
      )
    }
    return removed
  }

  /** Credential settings git would apply in a worktree (local and worktree scopes, includes followed). */
  async function visibleCredentials(entry: LiveWorktree, worktreePath: string): Promise<string[]> {
    const result = await git(['config', '--list', '-z', '--includes', '--show-scope'], {
      cwd: worktreePath,
      env: worktreeEnv(entry, worktreePath)
    })
    const records = result.stdout.toString('utf8').split('\0')
    const found: string[] = []
    for (let i = 0; i + 1 < records.length; i += 2) {
      const scope = records[i] ?? ''
      if (scope !== 'local' && scope !== 'worktree') continue
      const [config] = parseConfigList(Buffer.from(records[i + 1] ?? ''))
      if (!config) continue
      const rule = credentialRule(config)
      if (rule !== null && rule !== 'include') found.push(redactKey(config.key))
    }
    return found
  }

  async function ensureCommit(sha: string): Promise<void> {
    const have = await git(['cat-file', '-e', `${sha}^{commit}`], { allowFailure: true })
    if (have.exitCode === 0) return
    log.info(`The checkout does not have ${sha}; fetching it from origin.`)
    const fetched = await git(
      ['fetch', '--quiet', '--no-tags', '--no-recurse-submodules', '--depth=1', 'origin', sha],
      { allowFailure: true }
    )
    if (fetched.exitCode !== 0) {
      const needsAuth =
        /could not read (Username|Password)|terminal prompts disabled|Authentication failed|\b40[13]\b/i.test(
          fetched.stderr
        )
      throw new Error(
        `The checkout does not have the base commit ${sha}, and fetching it from origin failed` +
          (needsAuth
            ? " because the remote needs credentials, which this step does not use (the checkout's persisted " +
              'credentials are removed so that the agent cannot read them)'
            : '') +
          `. Check out the base commit in an earlier step (actions/checkout with ref: the base branch, or ` +
          `fetch-depth: 0). git said: ${tail(fetched.stderr)}`
      )
    }
    const now = await git(['cat-file', '-e', `${sha}^{commit}`], { allowFailure: true })
    if (now.exitCode !== 0) throw new Error(`Fetched ${sha} from origin, but it is not a commit.`)
  }

  /** Removes a worktree directory and its registration; never throws. */
  async function removeWorktree(worktreePath: string): Promise<void> {
    try {
      const removed = await git(['worktree', 'remove', '--force', worktreePath], { allowFailure: true })
      if (removed.exitCode !== 0 && (await exists(worktreePath))) {
        log.debug(`git worktree remove: ${tail(removed.stderr)}; deleting the folder instead`)
      }
      if (isInside(worktreesDir, worktreePath)) {
        await rm(worktreePath, { recursive: true, force: true, maxRetries: 3 })
      }
      await git(['worktree', 'prune'], { allowFailure: true })
    } catch (error) {
      log.warning(`Could not remove the worktree ${worktreePath}: ${String(error)}`)
    }
  }

  async function addWorktree(sha: string, name: string): Promise<Worktree> {
    if (!SHA.test(sha)) throw new Error(`'${sha}' is not a full commit SHA`)
    if (!WORKTREE_NAME.test(name))
      throw new Error(`'${name}' cannot name a worktree (letters, digits, . _ -)`)
    await scrubCredentials()
    if (options.guard) await options.guard.record(await commonDir())
    return serial(async () => {
      await ensureCommit(sha)
      const worktreePath = path.join(worktreesDir, name)
      if (live.has(worktreePath)) throw new Error(`A worktree named '${name}' is already in use.`)
      await mkdir(worktreesDir, { recursive: true })
      if (await exists(worktreePath)) {
        log.warning(`Removing the leftover worktree ${worktreePath} of an earlier run.`)
        await removeWorktree(worktreePath)
      }
      await git(['worktree', 'add', '--detach', '--quiet', worktreePath, sha])
      const gitDir = text(await git(['rev-parse', '--absolute-git-dir'], { cwd: worktreePath }))
      const entry: LiveWorktree = { gitDir, baseSha: sha }
      const leftover = await visibleCredentials(entry, worktreePath)
      if (leftover.length > 0) {
        await removeWorktree(worktreePath)
        throw new Error(
          `Credentials are still visible in the worktree's git config (${leftover.join(', ')}); not running the ` +
            `agent there.`
        )
      }
      live.set(worktreePath, entry)
      log.info(`Worktree ${worktreePath} at ${sha.slice(0, 12)}`)
      let disposed = false
      const worktree: Worktree = {
        path: worktreePath,
        baseSha: sha,
        async [Symbol.asyncDispose]() {
          if (disposed) return
          disposed = true
          live.delete(worktreePath)
          await serial(() => removeWorktree(worktreePath))
        }
      }
      return worktree
    })
  }

  async function diff(worktree: Worktree): Promise<WorktreeDiff> {
    const entry = live.get(worktree.path)
    if (!entry) throw new Error(`${worktree.path} is not a live worktree of this repository`)
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'sct-diff-'))
    try {
      const env = worktreeEnv(entry, worktree.path, { GIT_INDEX_FILE: path.join(tmp, 'index') })
      const run = (args: string[]) => git(args, { cwd: worktree.path, env })
      // A throw-away index: the base tree, then everything in the worktree that .gitignore does not exclude.
      // (git add leaves alone the paths a sparse checkout keeps out of the worktree: they do not count as deleted)
      await run(['read-tree', entry.baseSha])
      await run(['add', '--all', '--', ':/'])
      let result = await collectDiff(run, entry.baseSha, null)
      if (!isUtf8(result.patch)) {
        // A text file that is not UTF-8 would not survive the patch's trip through a string: diff it as binary.
        const attributes = path.join(tmp, 'attributes')
        await writeFile(attributes, '* -diff\n')
        result = await collectDiff(run, entry.baseSha, attributes)
        if (!isUtf8(result.patch)) {
          throw new Error('The diff holds text that is not UTF-8, even with every file diffed as binary.')
        }
      }
      return { patch: result.patch.toString('utf8'), files: result.files }
    } finally {
      await rm(tmp, { recursive: true, force: true })
    }
  }

  async function filesAt(sha: string, paths: readonly string[]): Promise<Map<string, string | null>> {
    if (!SHA.test(sha)) throw new Error(`'${sha}' is not a full commit SHA`)
    const files = new Map<string, string | null>()
    if (paths.length === 0) return files
    await serial(() => ensureCommit(sha))
    for (const file of paths) {
      // `<sha>:<path>` names the blob in the commit's tree; a tree, a submodule or a missing path is no file
      const type = await git(['cat-file', '-t', `${sha}:${file}`], { allowFailure: true })
      if (type.exitCode !== 0 || text(type) !== 'blob') {
        files.set(file, null)
        continue
      }
      files.set(file, (await git(['cat-file', 'blob', `${sha}:${file}`])).stdout.toString('utf8'))
    }
    return files
  }

  function scrubCredentials(): Promise<string[]> {
    if (!scrubbed) {
      scrubbed = serial(scrub)
      scrubbed.catch(() => {
        scrubbed = null
      })
    }
    return scrubbed
  }

  async function restoreCredentials(): Promise<boolean> {
    if (live.size > 0) {
      log.warning(`Not restoring the checkout's credentials while ${live.size} worktree(s) are live.`)
      return false
    }
    return serial(async () => {
      const entries = stash.splice(0, stash.length)
      for (const entry of entries.reverse()) {
        if (entry.kind === 'file') {
          await writeFile(entry.path, entry.content, { mode: entry.mode })
          await chmod(entry.path, entry.mode)
        } else if (entry.kind === 'section') {
          const current = await readFile(entry.file, 'utf8')
          await writeFile(
            entry.file,
            (current.endsWith('\n') || current === '' ? current : current + '\n') + entry.text
          )
        } else if (entry.kind === 'replaced') {
          await git(['config', '--file', entry.file, '--unset-all', entry.key], { allowFailure: true })
          for (const value of entry.original) await addConfigValue(entry.file, entry.key, value)
        } else {
          for (const value of entry.values) await addConfigValue(entry.file, entry.key, value)
        }
      }
      scrubbed = null
      if (entries.length > 0) log.info("Restored the checkout's persisted credentials.")
      return true
    })
  }

  /** `git config --add` of a value that may be a secret: git writes a placeholder, the file edit puts the value in. */
  async function addConfigValue(file: string, key: string, value: string): Promise<void> {
    const placeholder = `sct-restore-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`
    await git(['config', '--file', file, '--add', key, placeholder])
    const content = await readFile(file, 'utf8')
    const at = content.indexOf(placeholder)
    if (at < 0 || content.indexOf(placeholder, at + 1) >= 0) {
      throw new Error(`Could not restore ${key} in ${file}`)
    }
    const info = await stat(file)
    await writeFile(
      file,
      content.slice(0, at) + quoteConfigValue(value) + content.slice(at + placeholder.length),
      { mode: info.mode & 0o777 }
    )
  }

  return {
    dir,
    worktreesDir,
    addWorktree,
    diff,
    filesAt,
    scrubCredentials,
    restoreCredentials
  }
}

// ------------------------------------------------------------------------------------------------ diff parsing

const DIFF_OPTIONS = [
  'diff',
  '--cached',
  '-M',
  '--no-color',
  '--no-ext-diff',
  '--no-textconv',
  '--ignore-submodules=none',
  '--submodule=short',
  '--no-relative'
]

/** Settings that would change the patch's shape if the user's config set them. */
const DIFF_CONFIG = [
  '-c',
  'diff.noprefix=false',
  '-c',
  'diff.mnemonicPrefix=false',
  '-c',
  'diff.suppressBlankEmpty=false',
  '-c',
  'diff.renames=true',
  '-c',
  'core.quotePath=true'
]

async function collectDiff(
  run: (args: string[]) => Promise<ExecGitResult>,
  base: string,
  attributesFile: string | null
): Promise<{ patch: Buffer; files: ChangedFile[] }> {
  const config = attributesFile
    ? [...DIFF_CONFIG, '-c', `core.attributesFile=${attributesFile}`]
    : DIFF_CONFIG
  const patch = await run([
    ...config,
    ...DIFF_OPTIONS,
    '--binary',
    '--full-index',
    '--src-prefix=a/',
    '--dst-prefix=b/',
    base,
    '--'
  ])
  const raw = await run([...config, ...DIFF_OPTIONS, '--raw', '-z', base, '--'])
  const numstat = await run([...config, ...DIFF_OPTIONS, '--numstat', '-z', base, '--'])
  return { patch: patch.stdout, files: changedFiles(raw.stdout, numstat.stdout) }
}

const STATUS: Record<string, ChangedFile['status']> = {
  A: 'added',
  C: 'added',
  D: 'deleted',
  M: 'modified',
  R: 'renamed',
  T: 'type-changed'
}

/** Joins `--raw -z` (status, modes, rename source) and `--numstat -z` (line counts, binary) by path. */
export function changedFiles(raw: Buffer, numstat: Buffer): ChangedFile[] {
  const counts = new Map<string, { additions: number; deletions: number; binary: boolean }>()
  const stats = numstat.toString('utf8').split('\0')
  for (let i = 0; i < stats.length; i++) {
    const record = stats[i] ?? ''
    if (record === '') continue
    const [added = '', deleted = '', file = ''] = record.split('\t')
    let target = file
    if (file === '') {
      // a rename: the two paths follow as records of their own
      target = stats[i + 2] ?? ''
      i += 2
    }
    const binary = added === '-' || deleted === '-'
    counts.set(target, {
      additions: binary ? 0 : Number(added),
      deletions: binary ? 0 : Number(deleted),
      binary
    })
  }
  const files: ChangedFile[] = []
  const records = raw.toString('utf8').split('\0')
  for (let i = 0; i < records.length; i++) {
    const meta = records[i] ?? ''
    if (!meta.startsWith(':')) continue
    const [, newMode = '', , , status = ''] = meta.slice(1).split(' ')
    const letter = status.charAt(0)
    const twoPaths = letter === 'R' || letter === 'C'
    const first = records[i + 1] ?? ''
    const second = twoPaths ? (records[i + 2] ?? '') : null
    i += twoPaths ? 2 : 1
    const file = second ?? first
    const count = counts.get(file) ?? { additions: 0, deletions: 0, binary: false }
    const changed: ChangedFile = {
      path: file,
      status: STATUS[letter] ?? 'modified',
      additions: count.additions,
      deletions: count.deletions,
      binary: count.binary,
      mode: /^0+$/.test(newMode) ? null : newMode
    }
    if (letter === 'R') changed.oldPath = first
    files.push(changed)
  }
  return files
}

function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child)
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
}
