// Defence in depth behind the jail: the action trusts nothing that code from a fix could have left behind. Git reads
// the checkout's shared state on every command: its config can name programs (a filter, core.fsmonitor,
// core.sshCommand, core.hooksPath), its hooks and attributes run or change what git does, a replace ref changes what a
// commit means, and a worktree's `commondir` says which of all this applies. The runner HOME's git files do the same.
//
// So before the first agent run the action records a digest of that state, and before every later git command it
// checks that nothing changed. If something did, the run is compromised: from then on every git command is refused
// (nothing more is pushed), the issue at hand ends `policy-rejected` naming what changed, and the step fails. The state
// is small (a few config files, hooks, info/, refs/replace/), so a check costs a few reads.
import { createHash } from 'node:crypto'
import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { RunCompromised } from '../util/errors.js'

export interface GitStateGuardOptions {
  /** the runner's HOME (its .gitconfig and friends) */
  home: string
  /** XDG_CONFIG_HOME when set (git reads $XDG_CONFIG_HOME/git/config) */
  xdgConfigHome?: string
}

export interface GitStateGuard {
  /**
   * Records the digest of the shared git state of the repository whose common git directory is `commonDir`. Called
   * once, by the action, after its own changes to that state (the credential scrub) and before any agent run.
   */
  record(commonDir: string): Promise<void>
  /** Throws RunCompromised when the state changed since it was recorded (and from then on, always). */
  assertUnchanged(): Promise<void>
  /** What changed, once a check found it; null while the run is intact. */
  compromised(): string | null
}

/** The shared state inside the common git directory: files and whole folders. */
const COMMON_FILES = [
  'config',
  'config.worktree',
  'commondir',
  'objects/info/alternates',
  'objects/info/http-alternates'
]
const COMMON_DIRS = ['info', 'hooks', 'refs/replace']
/** The runner HOME's files git reads (or a transport git starts reads). */
const HOME_FILES = [
  '.gitconfig',
  '.config/git/config',
  '.config/git/attributes',
  '.config/git/ignore',
  '.git-credentials',
  '.netrc',
  '.ssh/config'
]

type Digest = Map<string, string>

export function createGitStateGuard(options: GitStateGuardOptions): GitStateGuard {
  let recorded: { commonDir: string; digest: Digest } | null = null
  let changed: string | null = null

  async function snapshot(commonDir: string): Promise<Digest> {
    const digest: Digest = new Map()
    for (const file of COMMON_FILES) await addFile(digest, path.join(commonDir, file), `.git/${file}`)
    for (const dir of COMMON_DIRS) await addTree(digest, path.join(commonDir, dir), `.git/${dir}`)
    // replace refs may be packed; the rest of packed-refs is not the action's to watch
    const packed = await readFile(path.join(commonDir, 'packed-refs'), 'utf8').catch(() => '')
    const replaced = packed.split('\n').filter(line => line.includes(' refs/replace/'))
    if (replaced.length > 0) digest.set('.git/packed-refs (refs/replace/)', sha256(replaced.join('\n')))
    // each worktree's admin directory: where its `commondir` points, and a config of its own
    const worktrees = await readdir(path.join(commonDir, 'worktrees')).catch(() => [] as string[])
    for (const name of worktrees) {
      const admin = path.join(commonDir, 'worktrees', name)
      const pointer = await readFile(path.join(admin, 'commondir'), 'utf8').catch(() => null)
      // git creates the file before it writes it: an empty one is a worktree being added by the action right now,
      // and points nowhere (git would not use it)
      if (
        pointer !== null &&
        pointer.trim() !== '' &&
        path.resolve(admin, pointer.trim()) !== path.resolve(commonDir)
      ) {
        digest.set(`.git/worktrees/${name}/commondir`, `points elsewhere: ${pointer.trim()}`)
      }
      await addFile(digest, path.join(admin, 'config.worktree'), `.git/worktrees/${name}/config.worktree`)
    }
    const homes = [
      ...HOME_FILES.map(f => [path.join(options.home, f), `~/${f}`] as const),
      ...(options.xdgConfigHome
        ? ['config', 'attributes', 'ignore'].map(
            f => [path.join(options.xdgConfigHome!, 'git', f), `$XDG_CONFIG_HOME/git/${f}`] as const
          )
        : [])
    ]
    for (const [file, label] of homes) await addFile(digest, file, label)
    return digest
  }

  return {
    async record(commonDir) {
      if (recorded) return
      recorded = { commonDir, digest: await snapshot(commonDir) }
    },
    async assertUnchanged() {
      if (changed !== null) throw new RunCompromised(changed)
      if (!recorded) return
      const now = await snapshot(recorded.commonDir)
      const differences = compare(recorded.digest, now)
      if (differences.length === 0) return
      const shown =
        differences.slice(0, 5).join(', ') +
        (differences.length > 5 ? ` and ${differences.length - 5} more` : '')
      changed =
        `the checkout's git state changed after code from a fix ran (${shown}): the run is compromised, so the ` +
        `action runs no further git command and pushes nothing more`
      throw new RunCompromised(changed)
    },
    compromised: () => changed
  }
}

/** Paths whose digest differs, appeared or vanished, sorted. */
function compare(before: Digest, after: Digest): string[] {
  const names = new Set([...before.keys(), ...after.keys()])
  return [...names].filter(name => before.get(name) !== after.get(name)).sort()
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

async function addFile(digest: Digest, file: string, label: string): Promise<void> {
  try {
    const info = await stat(file)
    if (!info.isFile()) {
      digest.set(label, `not a file (mode ${info.mode.toString(8)})`)
      return
    }
    digest.set(label, sha256(await readFile(file)))
  } catch {
    // absent: recorded by being absent
  }
}

async function addTree(digest: Digest, dir: string, label: string): Promise<void> {
  let entries
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true })
  } catch {
    return
  }
  for (const entry of entries) {
    const full = path.join(entry.parentPath, entry.name)
    const name = `${label}/${path.relative(dir, full).split(path.sep).join('/')}`
    if (entry.isDirectory()) digest.set(name, 'dir')
    else await addFile(digest, full, name)
  }
}
