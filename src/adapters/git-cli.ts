// The git adapter of the work stage: one detached worktree per issue for the agent, and the binary-safe diff of what
// the agent changed in it. Every git call goes through execGit (git-exec.ts: async, non-interactive, no hooks, options
// objects); the changed-file list is parsed by the pure domain/git-diff-parse.ts.
//
// Credentials. A worktree shares the checkout's .git/config, and codex's sandbox lets the agent read every file. So
// before the first worktree exists, every persisted credential is removed from the checkout's git configuration, and
// restoreCredentials() puts it back once no worktree is live (git-credentials.ts says what is removed, and why). A
// worktree in which git still shows a credential is removed again before the agent gets it.
//
// Git run on a worktree is pinned to the worktree's admin directory (GIT_DIR/GIT_WORK_TREE): the worktree's `.git`
// file is the agent's to rewrite, and following it could load a configuration the agent wrote (core.fsmonitor,
// diff.external ...), outside the sandbox, with the action's environment.
import { isUtf8 } from 'node:buffer'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { changedFiles } from '../domain/git-diff-parse.js'
import { redact } from '../domain/secrets.js'
import { oneLine } from '../domain/text.js'
import type { ChangedFile, Log, Repo, Worktree, WorktreeDiff } from '../ports.js'
import { exists } from './path-exists.js'
import { createCredentialScrubber, credentialRule, parseConfigList } from './git-credentials.js'
import { execGit, stdoutText, tail, type ExecGitOptions, type ExecGitResult } from './git-exec.js'
import type { GitStateGuard } from './git-state-guard.js'

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
   * Removes every persisted credential from the checkout's git configuration (see git-credentials.ts). Idempotent:
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
    const out = stdoutText(await git(['rev-parse', '--git-common-dir']))
    return path.resolve(dir, out)
  }

  const credentials = createCredentialScrubber({ git, commonDir, runnerTemp: options.runnerTemp, log })

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
      if (rule !== null && rule !== 'include') found.push(redact(config.key))
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

  async function addWorktree(sha: string, name: string, extra: { apply?: string } = {}): Promise<Worktree> {
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
      const gitDir = stdoutText(await git(['rev-parse', '--absolute-git-dir'], { cwd: worktreePath }))
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
      if (extra.apply !== undefined) {
        // git apply reads the patch from stdin and writes files only: no hook, no filter of the worktree's config runs
        const applied = await git(['apply', '--binary', '--whitespace=nowarn', '-'], {
          cwd: worktreePath,
          input: Buffer.from(extra.apply, 'utf8'),
          allowFailure: true
        })
        if (applied.exitCode !== 0) {
          live.delete(worktreePath)
          await removeWorktree(worktreePath)
          throw new Error(`the patch does not apply at ${sha.slice(0, 12)}: ${oneLine(applied.stderr, 300)}`)
        }
      }
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

  async function diff(worktree: Worktree, only: { only?: readonly string[] } = {}): Promise<WorktreeDiff> {
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
      const paths = only.only ?? null
      let result = await collectDiff(run, entry.baseSha, null, paths)
      if (!isUtf8(result.patch)) {
        // A text file that is not UTF-8 would not survive the patch's trip through a string: diff it as binary.
        const attributes = path.join(tmp, 'attributes')
        await writeFile(attributes, '* -diff\n')
        result = await collectDiff(run, entry.baseSha, attributes, paths)
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
      if (type.exitCode !== 0 || stdoutText(type) !== 'blob') {
        files.set(file, null)
        continue
      }
      files.set(file, (await git(['cat-file', 'blob', `${sha}:${file}`])).stdout.toString('utf8'))
    }
    return files
  }

  function scrubCredentials(): Promise<string[]> {
    if (!scrubbed) {
      scrubbed = serial(credentials.scrub)
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
      await credentials.restore()
      scrubbed = null
      return true
    })
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

// ------------------------------------------------------------------------------------------------ the diff

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
  attributesFile: string | null,
  paths: readonly string[] | null
): Promise<{ patch: Buffer; files: ChangedFile[] }> {
  // literal pathspecs, from the root: a path is a file name, never a glob or a magic word
  const spec = paths === null ? [] : paths.map(p => `:(top,literal)${p}`)
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
    '--',
    ...spec
  ])
  const raw = await run([...config, ...DIFF_OPTIONS, '--raw', '-z', base, '--', ...spec])
  const numstat = await run([...config, ...DIFF_OPTIONS, '--numstat', '-z', base, '--', ...spec])
  return { patch: patch.stdout, files: changedFiles(raw.stdout, numstat.stdout) }
}

function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child)
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
}
