// Digests of the programs the action installs and later starts with keys in their environment: codex (launcher, native
// binary, bundled bubblewrap), the Sentry MCP server with its dependencies, the node that runs them. Code from a fix runs
// between two starts (the action's test run, in a jail); if it broke out, overwriting one of these files is how it would
// reach the keys of the next start, or of every later run on a self-hosted runner, whose tool cache persists. So the
// files are hashed (SHA-256) when installed, and each start is preceded by a check that they are still, byte for byte,
// what was installed: every file's content, every directory's list of names, every symlink's target, and the absence
// of what was absent where a lookup would find it first (see code-closure.ts).
//
// The digests live in this process's memory only: nothing the agent or a test command could write holds them. A set
// that failed a check stays failed, even if the file is put back: the run is compromised.
import { createHash } from 'node:crypto'
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { lstat, open, realpath } from 'node:fs/promises'
import path from 'node:path'

export interface PinSpec {
  /** what the files are, for messages: "codex", "the Sentry MCP server" */
  label: string
  /** single files; a symlink is followed, and where it leads is recorded too */
  files?: readonly string[]
  /** directories: every file below them (symlinks not followed, their targets recorded) */
  trees?: readonly string[]
  /** paths that did not exist when pinned and must not appear: places a lookup searches before the file it found */
  absent?: readonly string[]
}

/** How a pinned set differs from what was installed: the first difference found, naming its file. */
export type PinCheck =
  | { kind: 'unchanged' }
  /** its content, mode, type or (for a symlink) target differs */
  | { kind: 'changed'; label: string; file: string }
  | { kind: 'removed'; label: string; file: string }
  /** a file that was not there (below a pinned tree, or at a path that must stay absent) */
  | { kind: 'added'; label: string; file: string }

export type PinChange = Exclude<PinCheck, { kind: 'unchanged' }>

export interface PinnedFiles {
  readonly label: string
  /** how many files' contents were hashed, and their total size */
  readonly fileCount: number
  readonly byteCount: number
  /** Compares the files with their digests; once a difference is found, returns it on every later call. */
  verify(): Promise<PinCheck>
}

/** One sentence naming the file, for a reason or a log line: "… changed since it was installed". */
export function describePinChange(change: PinChange): string {
  switch (change.kind) {
    case 'changed':
      return `${change.file} (${change.label}) changed since it was installed`
    case 'removed':
      return `${change.file} (${change.label}) was removed since it was installed`
    case 'added':
      return `${change.file} appeared since ${change.label} was installed`
  }
}

/** Verifies the sets in order; the first difference, or unchanged. */
export async function verifyPinned(sets: readonly PinnedFiles[]): Promise<PinCheck> {
  for (const set of sets) {
    const check = await set.verify()
    if (check.kind !== 'unchanged') return check
  }
  return { kind: 'unchanged' }
}

/**
 * null while every set is as installed, else the sentence naming the first difference: what a caller that runs a pinned
 * program (the jail, before each run of bubblewrap) turns into its reason for not running it.
 */
export async function pinProblem(sets: readonly PinnedFiles[]): Promise<string | null> {
  const check = await verifyPinned(sets)
  return check.kind === 'unchanged' ? null : describePinChange(check)
}

// ------------------------------------------------------------------------------------------------- snapshots

type Entry =
  | { type: 'file'; mode: number; size: number; sha256: string | null; stamp: string; changedAtMs: number }
  | { type: 'symlink'; target: string }
  | { type: 'dir'; mode: number }
  | { type: 'other'; mode: number }

/** A pinned single file: the path it resolves to, and that file (hashed unless a pinned tree holds it). */
interface FileRecord {
  given: string
  real: string
  entry: Entry
}

interface Snapshot {
  files: FileRecord[]
  /** absolute path -> entry, for every tree */
  trees: Map<string, Entry>
}

const CHUNK = 4 * 1024 * 1024
/**
 * Small files are listed and read synchronously (a promise per file costs 3-4 times as much as the read itself when
 * a package has ten thousand files), in slices of at most this many ms, so that other work of the action keeps going.
 */
const SLICE_MS = 10

function slicer(): () => Promise<void> {
  let since = performance.now()
  return async () => {
    if (performance.now() - since < SLICE_MS) return
    await new Promise(resolve => setImmediate(resolve))
    since = performance.now()
  }
}

async function sha256Of(file: string, size: number): Promise<string> {
  const hash = createHash('sha256')
  if (size <= CHUNK) return hash.update(readFileSync(file)).digest('hex')
  const handle = await open(file, 'r')
  try {
    const buffer = Buffer.allocUnsafe(CHUNK)
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null)
      if (bytesRead === 0) break
      hash.update(buffer.subarray(0, bytesRead))
    }
  } finally {
    await handle.close()
  }
  return hash.digest('hex')
}

/**
 * Which inode a file is and when its content or metadata last changed. The kernel sets ctime to the current time on
 * every write, chmod, rename or link change, and no process but root's can set it back; with the device and inode
 * (a replacement by rename is another inode), an unchanged stamp means unchanged content. So a file whose stamp is as
 * pinned is not read again: the full SHA-256 is taken at install, and again at a check only when the stamp moved.
 */
function stampOf(info: { dev: bigint; ino: bigint; ctimeNs: bigint; mtimeNs: bigint; size: bigint }): string {
  return `${info.dev}:${info.ino}:${info.ctimeNs}:${info.mtimeNs}:${info.size}`
}

/** The entry at `file` without its content hash (lstat: a symlink is an entry of its own). */
function entryAt(file: string): Entry {
  const info = lstatSync(file, { bigint: true })
  const mode = Number(info.mode) & 0o7777
  if (info.isSymbolicLink()) return { type: 'symlink', target: readlinkSync(file) }
  if (info.isDirectory()) return { type: 'dir', mode }
  if (info.isFile()) {
    return {
      type: 'file',
      mode,
      size: Number(info.size),
      sha256: null,
      stamp: stampOf(info),
      changedAtMs: Number(info.ctimeNs / 1_000_000n)
    }
  }
  return { type: 'other', mode }
}

/**
 * File timestamps move in clock ticks (a few ms), so a file changed in the very tick it was pinned could change again
 * with the same stamp: such a file is hashed at every check.
 */
const FRESH_MS = 2_000

/** Every entry below root (root itself excluded), by absolute path, sorted; symlinks are not followed. */
async function listTree(root: string, into: Map<string, Entry>, pause = slicer()): Promise<void> {
  for (const name of readdirSync(root).sort()) {
    const full = path.join(root, name)
    const entry = entryAt(full)
    into.set(full, entry)
    if (entry.type === 'dir') await listTree(full, into, pause)
  }
  await pause()
}

const within = (file: string, dir: string) => file === dir || file.startsWith(`${dir}${path.sep}`)

/** Hashes each file entry, unless `known` has its digest under the same stamp (see stampOf). */
async function hashFiles(
  entries: [string, Entry][],
  known?: ReadonlyMap<string, Entry>,
  pinnedAtMs = 0
): Promise<void> {
  const pause = slicer()
  for (const [file, entry] of entries) {
    if (entry.type !== 'file') continue
    const was = known?.get(file)
    if (
      was?.type === 'file' &&
      was.sha256 !== null &&
      was.stamp === entry.stamp &&
      pinnedAtMs - was.changedAtMs > FRESH_MS
    ) {
      entry.sha256 = was.sha256
      continue
    }
    entry.sha256 = await sha256Of(file, entry.size)
    await pause()
  }
}

function sameShape(a: Entry, b: Entry): boolean {
  if (a.type !== b.type) return false
  if (a.type === 'symlink') return a.target === (b as typeof a).target
  if (a.type === 'file') return a.mode === (b as typeof a).mode && a.size === (b as typeof a).size
  return a.mode === (b as { mode: number }).mode
}

const isMissing = (error: unknown) =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT'

// ------------------------------------------------------------------------------------------------- pinning

/**
 * Hashes the files of `spec` now. Throws when a file or tree does not exist, or when an `absent` path does: what is
 * pinned must be there, and what must stay absent must be absent to begin with.
 */
export async function pinFiles(spec: PinSpec): Promise<PinnedFiles> {
  // a tree is walked at the real path it resolved to when pinned; resolving elsewhere later is a change
  const pinnedTrees = await Promise.all(
    (spec.trees ?? []).map(async given => ({ given, real: await realpath(given) }))
  )
  const trees = pinnedTrees.map(tree => tree.real)
  const absent = [...(spec.absent ?? [])]
  for (const file of absent) {
    const present = await lstat(file).then(
      () => true,
      error => (isMissing(error) ? false : Promise.reject(error))
    )
    if (present) throw new Error(`${file} exists, but ${spec.label} was pinned expecting it absent`)
  }

  const pinnedAtMs = Date.now()
  const recorded = await snapshot()
  await hashFiles([...recordedFileEntries(recorded)])
  let fileCount = 0
  let byteCount = 0
  for (const [, entry] of recordedFileEntries(recorded)) {
    if (entry.type === 'file' && entry.sha256 !== null) {
      fileCount += 1
      byteCount += entry.size
    }
  }
  let failed: PinChange | null = null

  /** The current state, unhashed: single files resolved, trees listed. */
  async function snapshot(): Promise<Snapshot> {
    const files: FileRecord[] = []
    for (const given of spec.files ?? []) {
      const real = await realpath(given)
      files.push({ given, real, entry: entryAt(real) })
    }
    const listed = new Map<string, Entry>()
    for (const tree of trees) await listTree(tree, listed)
    return { files, trees: listed }
  }

  /** Entries whose content is hashed: single files outside every tree (a tree hashes the rest), then the trees'. */
  function* recordedFileEntries(state: Snapshot): Generator<[string, Entry]> {
    for (const record of state.files) {
      if (!trees.some(tree => within(record.real, tree))) yield [record.real, record.entry]
    }
    yield* state.trees
  }

  async function compare(): Promise<PinCheck> {
    const change = (kind: PinChange['kind'], file: string): PinChange => ({ kind, label: spec.label, file })
    // what must stay absent
    for (const file of absent) {
      const present = await lstat(file).then(
        () => true,
        () => false
      )
      if (present) return change('added', file)
    }
    // single files: still there, still resolving to the same file of the same shape
    const currentFiles: FileRecord[] = []
    for (const record of recorded.files) {
      const real = await realpath(record.given).catch(() => null)
      if (real === null) return change('removed', record.given)
      if (real !== record.real) return change('changed', record.given)
      const entry = await Promise.resolve()
        .then(() => entryAt(real))
        .catch(() => null)
      if (entry === null) return change('removed', record.given)
      if (!sameShape(record.entry, entry)) return change('changed', record.given)
      currentFiles.push({ ...record, entry })
    }
    // trees: the same names, types, modes, sizes and link targets
    const listed = new Map<string, Entry>()
    for (const tree of pinnedTrees) {
      const real = await realpath(tree.given).catch(() => null)
      if (real === null) return change('removed', tree.given)
      if (real !== tree.real) return change('changed', tree.given)
      const found = await listTree(tree.real, listed).then(
        () => true,
        error => (isMissing(error) ? false : Promise.reject(error))
      )
      if (!found) return change('removed', tree.given)
    }
    for (const [file, entry] of recorded.trees) {
      const now = listed.get(file)
      if (now === undefined) return change('removed', file)
      if (!sameShape(entry, now)) return change('changed', file)
    }
    for (const file of listed.keys()) {
      if (!recorded.trees.has(file)) return change('added', file)
    }
    // contents, in the order recorded
    const nowEntries = [...recordedFileEntries({ files: currentFiles, trees: listed })]
    const before = new Map(recordedFileEntries(recorded))
    await hashFiles(nowEntries, before, pinnedAtMs)
    for (const [file, entry] of nowEntries) {
      const was = before.get(file)
      if (entry.type === 'file' && was?.type === 'file' && entry.sha256 !== was.sha256) {
        const given = recorded.files.find(record => record.real === file)?.given ?? file
        return change('changed', given)
      }
    }
    return { kind: 'unchanged' }
  }

  return {
    label: spec.label,
    fileCount,
    byteCount,
    async verify() {
      if (failed !== null) return failed
      let check: PinCheck
      try {
        check = await compare()
      } catch (error) {
        // unreadable now (permissions changed, a file turned into a directory ...): a change as well
        const file =
          typeof error === 'object' && error !== null && 'path' in error ? String(error.path) : spec.label
        check = { kind: 'changed', label: spec.label, file }
      }
      if (check.kind !== 'unchanged') failed = check
      return check
    }
  }
}
