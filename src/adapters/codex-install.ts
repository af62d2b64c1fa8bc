// Installing codex and @sentry/mcp-server, and pinning what their start runs: each comes from a hook variable (tests,
// self-hosted runners with it baked in), else the runner's tool cache, else the cache service (tool-cache-store.ts: a
// GitHub-hosted runner's tool cache is empty in every job), else `npm install`, kept in the tool cache and saved to
// the cache service for the next run.
//
// What codex starts with the keys is pinned at install (pinned-files.ts, with the closures of code-closure.ts): the
// launcher, the native binary and all of its package (bundled bubblewrap included), the programs it runs by name from
// PATH, the MCP server's package and dependencies. Code from a fix runs between two codex starts; each start is preceded
// by a check that every one of those files is byte for byte what was installed (codex-agent.ts), and a changed file
// ends the run before codex starts. A restored install is pinned the same way as an installed one: from its files on
// disk, once they are in place.
import { lstat, mkdir, mkdtemp, readdir, readFile, realpath, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import * as toolCache from '@actions/tool-cache'
import { REASON_MAX, stderrReason } from '../domain/codex-events.js'
import { oneLine } from '../domain/text.js'
import type { Log } from '../ports.js'
import { errorMessage } from '../util/errors.js'
import {
  enclosingPackage,
  mergeClosures,
  packageClosure,
  pathLookup,
  subdirectories,
  type CodeClosure
} from './code-closure.js'
import { execCodex, minimalEnv, type Env } from './codex-process.js'
import { npmError, npmInstall } from './npm-install.js'
import { pinFiles, type PinnedFiles } from './pinned-files.js'
import {
  cacheServiceUnavailable,
  restoreTool,
  saveTool,
  toolCacheFolder,
  type StoredTool
} from './tool-cache-store.js'

/** The @sentry/mcp-server version the action runs (its tool names and flags are part of the agent's contract). */
export const SENTRY_MCP_VERSION = '0.39.0'
/** Point at an already installed codex (tests, self-hosted runners with codex baked in). */
export const CODEX_PATH_ENV = 'SENTRY_CODEX_TRIAGE_CODEX_PATH'
/** Point at an already installed @sentry/mcp-server's dist/index.js. */
export const MCP_ENTRY_ENV = 'SENTRY_CODEX_TRIAGE_MCP_ENTRY'

/**
 * What codex's native package holds that `codex exec` never runs, left out of the install (and so of the cache): the
 * host of the code_mode feature (off) and the realtime-voice host with its GStreamer libraries (the TUI's voice mode).
 * Seen with strace on 0.171 (`npm test` of the agent: no exec or open of either by codex) and checked by running the
 * trimmed codex through the agent tests. Kept: bin/codex, codex-resources/bwrap (the jails), codex-path/rg (codex puts
 * it on the PATH of the agent's commands). Changing this list changes what an entry holds: bump TOOL_CACHE_FORMAT.
 */
export const CODEX_UNUSED = ['bin/codex-code-mode-host', 'codex-resources/voice'] as const

export interface InstallOptions {
  version: string
  log: Log
  /** the action's environment (hooks, RUNNER_TEMP, npm's settings); default process.env */
  env?: Env
  /** the npm executable (default `npm`) */
  npm?: string
}

interface NpmTool extends Omit<StoredTool, 'version'> {
  hookEnv: string
  /** what to tell a user whose install failed */
  advice: string
  /** removes what the tool never runs from a fresh install (below the prefix) */
  prune?: (prefix: string, log: Log) => Promise<void>
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false
  )

async function installNpmTool(tool: NpmTool, options: InstallOptions): Promise<string> {
  const env = options.env ?? process.env
  const hook = env[tool.hookEnv]
  if (hook !== undefined && hook !== '') {
    if (!(await exists(hook))) throw new Error(`${tool.hookEnv} points at ${hook}, which does not exist.`)
    options.log.info(`Using ${tool.packageName} at ${hook} (${tool.hookEnv})`)
    return hook
  }
  const stored: StoredTool = { ...tool, version: options.version }
  // @actions/tool-cache and @actions/cache read their settings from this process's environment
  const cacheRoot = process.env.RUNNER_TOOL_CACHE
  let saveTo: string | null = null
  if (cacheRoot) {
    const cached = toolCache.find(tool.cacheName, options.version)
    if (cached !== '' && (await exists(path.join(cached, tool.entry)))) {
      options.log.info(`Using ${tool.packageName}@${options.version} from the tool cache`)
      return path.join(cached, tool.entry)
    }
    const folder = toolCacheFolder(cacheRoot, stored)
    const unavailable = cacheServiceUnavailable()
    if (unavailable) {
      options.log.warning(
        `The cache service cannot keep ${tool.packageName}@${options.version} for the next runs (${unavailable}): installing it with npm, as every run on a fresh runner will.`
      )
    } else if (await restoreTool(stored, folder, options.log)) {
      return path.join(folder, tool.entry)
    } else {
      saveTo = folder
    }
  }
  const tempRoot = env.RUNNER_TEMP || os.tmpdir()
  await mkdir(tempRoot, { recursive: true })
  const prefix = await mkdtemp(path.join(tempRoot, `${tool.cacheName}-`))
  options.log.info(`Installing ${tool.packageName}@${options.version} with npm`)
  const npm = await npmInstall({
    npm: options.npm ?? 'npm',
    prefix,
    spec: `${tool.packageName}@${options.version}`,
    env
  })
  if (npm.code !== 0 || !(await exists(path.join(prefix, tool.entry)))) {
    await rm(prefix, { recursive: true, force: true })
    const why = npmError(npm.output)
    throw new Error(
      oneLine(
        `Could not install ${tool.packageName}@${options.version} with npm (${why.trim() || `exit code ${npm.code}`}): ${tool.advice}`,
        REASON_MAX
      )
    )
  }
  await tool.prune?.(prefix, options.log)
  if (!cacheRoot) return path.join(prefix, tool.entry)
  const cached = await toolCache.cacheDir(prefix, tool.cacheName, options.version)
  await rm(prefix, { recursive: true, force: true })
  // saved before anything from the install ran: the entry is what npm installed
  if (saveTo === cached) await saveTool(stored, cached, options.log)
  return path.join(cached, tool.entry)
}

/** Bytes of the files below `file` (itself when a file; symlinks not followed). */
async function sizeOf(file: string): Promise<number> {
  const info = await lstat(file).catch(() => null)
  if (!info) return 0
  if (!info.isDirectory()) return info.size
  let total = 0
  for (const name of await readdir(file)) total += await sizeOf(path.join(file, name))
  return total
}

/** Removes CODEX_UNUSED from every native codex package below the prefix (vendor/<target>/ of @openai/codex-*). */
async function pruneCodex(prefix: string, log: Log): Promise<void> {
  let bytes = 0
  for (const pkg of await subdirectories(path.join(prefix, 'node_modules', '@openai'))) {
    if (!path.basename(pkg).startsWith('codex')) continue
    for (const target of await subdirectories(path.join(pkg, 'vendor'))) {
      for (const unused of CODEX_UNUSED) {
        const file = path.join(target, unused)
        bytes += await sizeOf(file)
        await rm(file, { recursive: true, force: true })
      }
    }
  }
  if (bytes > 0)
    log.info(`Left out what codex exec never runs (${CODEX_UNUSED.join(', ')}): ${formatSize(bytes)}`)
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
 * The codex of `version`: the CODEX_PATH_ENV hook, else the runner's tool cache, else the cache service, else
 * `npm install @openai/codex@<version>` without CODEX_UNUSED (kept in the tool cache and the cache service for the next
 * runs). Its files are digested before it first runs.
 */
export async function installCodex(options: InstallOptions): Promise<InstalledCodex> {
  const codexPath = await installNpmTool(
    {
      packageName: '@openai/codex',
      cacheName: 'openai-codex',
      entry: path.join('node_modules', '@openai', 'codex', 'bin', 'codex.js'),
      hookEnv: CODEX_PATH_ENV,
      prune: pruneCodex,
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
        `The codex at ${codexPath} does not run (${version.spawnError ? errorMessage(version.spawnError) : (stderrReason(version.stderr) ?? `exit code ${version.code}`)}): check the input 'codex-version'.`,
        REASON_MAX
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
