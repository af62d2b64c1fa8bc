// Installing codex and @sentry/mcp-server, and pinning what their start runs: each comes from a hook variable (tests,
// self-hosted runners with it baked in), else the runner's tool cache, else `npm install` (cached for the next run).
//
// What codex starts with the keys is pinned at install (pinned-files.ts, with the closures of code-closure.ts): the
// launcher, the native binary and all of its package (bundled bubblewrap included), the programs it runs by name from
// PATH, the MCP server's package and dependencies. Code from a fix runs between two codex starts; each start is preceded
// by a check that every one of those files is byte for byte what was installed (codex-agent.ts), and a changed file
// ends the run before codex starts.
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, realpath, rm, stat } from 'node:fs/promises'
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
import { execCodex, minimalEnv, STDERR_KEEP, type Env } from './codex-process.js'
import { pinFiles, type PinnedFiles } from './pinned-files.js'

/** The @sentry/mcp-server version the action runs (its tool names and flags are part of the agent's contract). */
export const SENTRY_MCP_VERSION = '0.39.0'
/** Point at an already installed codex (tests, self-hosted runners with codex baked in). */
export const CODEX_PATH_ENV = 'SENTRY_CODEX_TRIAGE_CODEX_PATH'
/** Point at an already installed @sentry/mcp-server's dist/index.js. */
export const MCP_ENTRY_ENV = 'SENTRY_CODEX_TRIAGE_MCP_ENTRY'

export interface InstallOptions {
  version: string
  log: Log
  /** the action's environment (hooks, RUNNER_TOOL_CACHE, RUNNER_TEMP, npm's settings); default process.env */
  env?: Env
  /** the npm executable (default `npm`) */
  npm?: string
}

interface NpmTool {
  packageName: string
  /** tool-cache name */
  cacheName: string
  /** the entry below the install prefix */
  entry: string
  hookEnv: string
  /** what to tell a user whose install failed */
  advice: string
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false
  )

function runNpm(npm: string, args: string[], env: Env): Promise<{ code: number | null; output: string }> {
  return new Promise(resolve => {
    const child = spawn(npm, args, { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-STDERR_KEEP)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    child.on('error', error => resolve({ code: null, output: errorMessage(error) }))
    child.on('close', code => resolve({ code, output }))
  })
}

/** npm's own error lines ("npm error code E404", "npm error 404 Not Found ..."), stack frames left out. */
function npmError(output: string): string {
  const lines = output
    .split('\n')
    .map(line => line.trim())
    .filter(line => /^npm (error|ERR!)/.test(line) && !/^npm (error|ERR!)\s+at /.test(line))
    .map(line => line.replace(/^npm (error|ERR!)\s*/, ''))
    .filter(line => line !== '')
  return lines.length > 0 ? lines.slice(0, 3).join('; ') : (output.trim().split('\n')[0] ?? '')
}

async function installNpmTool(tool: NpmTool, options: InstallOptions): Promise<string> {
  const env = options.env ?? process.env
  const hook = env[tool.hookEnv]
  if (hook !== undefined && hook !== '') {
    if (!(await exists(hook))) throw new Error(`${tool.hookEnv} points at ${hook}, which does not exist.`)
    options.log.info(`Using ${tool.packageName} at ${hook} (${tool.hookEnv})`)
    return hook
  }
  // @actions/tool-cache reads the cache's location from this process's environment
  const cacheRoot = process.env.RUNNER_TOOL_CACHE
  if (cacheRoot) {
    const cached = toolCache.find(tool.cacheName, options.version)
    if (cached !== '' && (await exists(path.join(cached, tool.entry)))) {
      options.log.info(`Using ${tool.packageName}@${options.version} from the tool cache`)
      return path.join(cached, tool.entry)
    }
  }
  const tempRoot = env.RUNNER_TEMP || os.tmpdir()
  await mkdir(tempRoot, { recursive: true })
  const prefix = await mkdtemp(path.join(tempRoot, `${tool.cacheName}-`))
  options.log.info(`Installing ${tool.packageName}@${options.version} with npm`)
  const npm = await runNpm(
    options.npm ?? 'npm',
    [
      'install',
      '--prefix',
      prefix,
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      `${tool.packageName}@${options.version}`
    ],
    env
  )
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
  if (!cacheRoot) return path.join(prefix, tool.entry)
  const cached = await toolCache.cacheDir(prefix, tool.cacheName, options.version)
  await rm(prefix, { recursive: true, force: true })
  return path.join(cached, tool.entry)
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
 * The codex of `version`: the CODEX_PATH_ENV hook, else the runner's tool cache, else `npm install @openai/codex@<version>`
 * (cached for the next run on this runner). Its files are digested before it first runs.
 */
export async function installCodex(options: InstallOptions): Promise<InstalledCodex> {
  const codexPath = await installNpmTool(
    {
      packageName: '@openai/codex',
      cacheName: 'openai-codex',
      entry: path.join('node_modules', '@openai', 'codex', 'bin', 'codex.js'),
      hookEnv: CODEX_PATH_ENV,
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
