// What starting a program loads as code, for pinned-files.ts to pin: a Node package with every package it depends on,
// found the way Node finds them, and programs looked up by name on PATH. Each comes with the places its lookup
// searched before what it found: a file planted there later would change what runs without touching any pinned file,
// so those places are pinned absent.
import { access, constants, lstat, readdir, readFile, realpath, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

export interface CodeClosure {
  /** directories to hash whole */
  trees: string[]
  /** single files to hash */
  files: string[]
  /** paths that must stay absent */
  absent: string[]
}

const exists = (file: string) =>
  lstat(file).then(
    () => true,
    () => false
  )

async function readManifest(dir: string): Promise<Record<string, unknown> | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'))
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/**
 * The package directory holding `file`: the nearest directory above it whose package.json has a name (a package.json
 * without one, such as dist/cjs/package.json, only sets the module type). Null when the file is in no package, or
 * when `name` is given and that package has another name (a program that merely sits inside some project).
 */
export async function enclosingPackage(file: string, name?: string): Promise<string | null> {
  for (let dir = path.dirname(await realpath(file)); ; dir = path.dirname(dir)) {
    const manifest = await readManifest(dir)
    if (typeof manifest?.name === 'string') return name === undefined || manifest.name === name ? dir : null
    if (path.dirname(dir) === dir) return null
  }
}

/** Where Node looks for package `name` required from `dir`, nearest first. */
function nodeModulesCandidates(dir: string, name: string): string[] {
  const candidates: string[] = []
  for (let current = dir; ; current = path.dirname(current)) {
    if (path.basename(current) !== 'node_modules') candidates.push(path.join(current, 'node_modules', name))
    if (path.dirname(current) === current) return candidates
  }
}

/** The folders CommonJS falls back to for a package found nowhere else. */
function globalFolders(name: string): string[] {
  const home = os.homedir()
  return [
    path.join(home, '.node_modules', name),
    path.join(home, '.node_libraries', name),
    path.join(path.dirname(path.dirname(process.execPath)), 'lib', 'node', name)
  ]
}

/**
 * `pkgDir` and every package it depends on (dependencies, optionalDependencies, peerDependencies), each resolved from
 * the real directory of the package that needs it: `node_modules/<name>` there, then in each directory above. The
 * candidates before the one found are pinned absent; a dependency that is not installed (an optional one for another
 * platform, a peer nobody installed) is absent everywhere Node would look, the global folders included.
 */
export async function packageClosure(pkgDir: string): Promise<CodeClosure> {
  const trees: string[] = [pkgDir]
  const absent = new Set<string>()
  const seen = new Set<string>()
  const queue = [pkgDir]
  while (queue.length > 0) {
    const dir = queue.shift()!
    const real = await realpath(dir)
    if (seen.has(real)) continue
    seen.add(real)
    const manifest = (await readManifest(real)) ?? {}
    const names = new Set(
      ['dependencies', 'optionalDependencies', 'peerDependencies'].flatMap(field => {
        const deps = manifest[field]
        return deps !== null && typeof deps === 'object' ? Object.keys(deps) : []
      })
    )
    for (const name of [...names].sort()) {
      let found: string | null = null
      const looked: string[] = []
      for (const candidate of nodeModulesCandidates(real, name)) {
        if (await exists(candidate)) {
          found = candidate
          break
        }
        looked.push(candidate)
      }
      for (const candidate of found ? looked : [...looked, ...globalFolders(name)]) absent.add(candidate)
      if (found) {
        if (!trees.includes(found)) trees.push(found)
        queue.push(found)
      }
    }
  }
  // a candidate below a pinned tree is covered by it (a new file there is a change)
  const covered = (file: string) => trees.some(tree => file.startsWith(`${tree}${path.sep}`))
  return { trees, files: [], absent: [...absent].filter(file => !covered(file) && !trees.includes(file)) }
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false
    await access(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * The programs a process runs by name: for each, the first executable `dir/name` on `searchPath` (absolute
 * directories only: a relative entry depends on the working directory, which is the agent's worktree), pinned as a
 * file; every candidate before it pinned too, as absent or, when something non-executable is there, as a file (made
 * executable, it would be found first). A name found nowhere is absent everywhere.
 */
export async function pathLookup(names: readonly string[], searchPath: string): Promise<CodeClosure> {
  const dirs = searchPath.split(path.delimiter).filter(dir => path.isAbsolute(dir))
  const files: string[] = []
  const absent: string[] = []
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = path.join(dir, name)
      if (await isExecutableFile(candidate)) {
        files.push(candidate)
        break
      }
      if (await exists(candidate)) files.push(candidate)
      else absent.push(candidate)
    }
  }
  return { trees: [], files: [...new Set(files)], absent: [...new Set(absent)] }
}

/** The union of closures, each path once. */
export function mergeClosures(...closures: CodeClosure[]): CodeClosure {
  const union = (pick: (c: CodeClosure) => string[]) => [...new Set(closures.flatMap(pick))]
  return { trees: union(c => c.trees), files: union(c => c.files), absent: union(c => c.absent) }
}

/** The directories below `dir` (one level), sorted; empty when it cannot be read. */
export async function subdirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  return entries
    .filter(entry => entry.isDirectory())
    .map(entry => path.join(dir, entry.name))
    .sort()
}
