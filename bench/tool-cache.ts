// Restore from the cache service vs `npm install`, for codex and the MCP server, as a GitHub-hosted runner sees them
// (a fresh VM per job: the tool cache at its usual path, empty): installCodex / installSentryMcp with the REAL
// @actions/cache against the local fake of the cache service, and the REAL npm installing the REAL packages from a
// local registry serving this repository's node_modules. That npm is a lower bound for npm on a runner (no network,
// no registry latency, uncompressed tarballs); the restore's download is local too, so the archive size is reported
// for an estimate of the transfer on a runner.
//
// A first run (empty cache service) installs with npm and saves; then RESTORES fresh runners restore. Each total
// includes what every install pays: the SHA-256 digests of the files (pinning) and, for codex, `codex --version`.
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { installCodex, installSentryMcp } from '../src/adapters/codex-install.js'
import { toolCacheKey } from '../src/adapters/tool-cache-store.js'
import type { Log } from '../src/ports.js'
import { ROOT } from '../test-support/action-process.js'
import { cacheRuntimeEnv, startFakeCache } from '../test-support/sandbox/fake-cache.js'
import { startFakeNpmRegistry } from '../test-support/sandbox/fake-npm-registry.js'

const RESTORES = 3
const CODEX_VERSION = '0.171.0'

export interface ToolCacheRow {
  tool: string
  /** the first run: restore miss + npm install + prune + tool cache + save */
  first_run_ms: number
  /** of which: npm install (from "Installing" to the next step) */
  npm_install_ms: number
  /** of which: the save to the cache service (tar + zstd + upload) */
  save_ms: number
  /** a fresh runner: restore (download + extract) + pinning (+ codex --version), median of RESTORES */
  restore_run_ms: number
  restore_run_ms_runs: number[]
  /** the restore alone, as the action logs it (median) */
  restore_ms: number
  /** first_run_ms / restore_run_ms */
  ratio: number
  installed_mb: number
  archive_mb: number
}

export interface ToolCacheBench {
  rows: ToolCacheRow[]
  /** what the action leaves out of codex's install (CODEX_UNUSED), from its log */
  codex_left_out: string
  note: string
}

/** A Log that keeps each line with the time it was written. */
function timedLog(): Log & { lines: { at: number; message: string }[] } {
  const lines: { at: number; message: string }[] = []
  const push = (message: string) => lines.push({ at: performance.now(), message })
  return { lines, info: push, debug: () => {}, warning: push, group: (_name, fn) => fn() }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const mb = (bytes: number) => Math.round(bytes / 100_000) / 10

async function sizeOf(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size
  }
  return total
}

export async function toolCacheBench(): Promise<ToolCacheBench> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'sct-bench-tool-cache-'))
  const registry = await startFakeNpmRegistry({
    nodeModules: path.join(ROOT, 'node_modules'),
    tarballDir: path.join(scratch, 'tarballs')
  })
  const service = await startFakeCache()
  const saved = { ...process.env }
  let runners = 0
  // @actions/cache and @actions/tool-cache read this process's environment
  async function freshRunner() {
    const n = ++runners
    const toolCacheRoot = path.join(scratch, 'hostedtoolcache')
    await rm(toolCacheRoot, { recursive: true, force: true })
    const temp = path.join(scratch, `runner-${n}`, 'temp')
    const workspace = path.join(scratch, 'work', 'shop', 'shop')
    await Promise.all([toolCacheRoot, temp, workspace].map(dir => mkdir(dir, { recursive: true })))
    Object.assign(process.env, {
      RUNNER_TOOL_CACHE: toolCacheRoot,
      RUNNER_TEMP: temp,
      GITHUB_WORKSPACE: workspace,
      ...cacheRuntimeEnv(service)
    })
    delete process.env.ACTIONS_CACHE_URL
    return {
      PATH: process.env.PATH,
      HOME: path.join(scratch, `runner-${n}`),
      RUNNER_TEMP: temp,
      npm_config_registry: registry.url,
      npm_config_cache: path.join(scratch, `runner-${n}`, 'npm-cache'),
      npm_config_update_notifier: 'false',
      SENTRY_CODEX_TRIAGE_CODEX_PATH: '',
      SENTRY_CODEX_TRIAGE_MCP_ENTRY: ''
    }
  }
  const tools = [
    {
      tool: `@openai/codex@${CODEX_VERSION}`,
      key: toolCacheKey({ packageName: '', cacheName: 'openai-codex', version: CODEX_VERSION, entry: '' }),
      install: (log: Log, env: Record<string, string | undefined>, npm?: string) =>
        installCodex({ version: CODEX_VERSION, log, env, npm }).then(c => c.path)
    },
    {
      tool: '@sentry/mcp-server@0.39.0',
      key: toolCacheKey({ packageName: '', cacheName: 'sentry-mcp-server', version: '0.39.0', entry: '' }),
      install: (log: Log, env: Record<string, string | undefined>, npm?: string) =>
        installSentryMcp({ log, env, npm }).then(m => m.entry)
    }
  ]
  try {
    const rows: ToolCacheRow[] = []
    let leftOut = ''
    for (const t of tools) {
      const log = timedLog()
      const started = performance.now()
      const entry = await t.install(log, await freshRunner())
      const firstRun = performance.now() - started
      const at = (pattern: RegExp) => log.lines.findIndex(l => pattern.test(l.message))
      const installing = at(/^Installing .* with npm$/)
      const savedLine = log.lines[at(/^Saved .* to the cache service in \d+ ms$/)]
      if (installing < 0 || !savedLine) throw new Error(`${t.tool}: the first run did not install and save`)
      const saveMs = Number(/in (\d+) ms$/.exec(savedLine.message)?.[1])
      const afterNpm = log.lines[installing + 1]!
      leftOut ||= log.lines.find(l => l.message.startsWith('Left out'))?.message ?? ''
      // the line after npm is the pruning (codex) or the save, which ends saveMs after it started
      const npmMs = (afterNpm === savedLine ? afterNpm.at - saveMs : afterNpm.at) - log.lines[installing]!.at
      const installedBytes = await sizeOf(path.dirname(path.dirname(path.dirname(path.dirname(entry)))))
      const runs: number[] = []
      const restores: number[] = []
      for (let i = 0; i < RESTORES; i++) {
        const restoreLog = timedLog()
        const env = await freshRunner()
        const begun = performance.now()
        // no npm on a fresh runner that restores: a miss would fail
        await t.install(restoreLog, env, '/nonexistent/npm')
        runs.push(Math.round(performance.now() - begun))
        const restored = restoreLog.lines.find(l =>
          /^Restored .* from the cache service in \d+ ms$/.test(l.message)
        )
        if (!restored) throw new Error(`${t.tool}: a fresh runner did not restore it`)
        restores.push(Number(/in (\d+) ms$/.exec(restored.message)?.[1]))
      }
      const archive = service.entries().find(e => e.key === t.key)
      rows.push({
        tool: t.tool,
        first_run_ms: Math.round(firstRun),
        npm_install_ms: Math.round(npmMs),
        save_ms: saveMs,
        restore_run_ms: median(runs),
        restore_run_ms_runs: runs,
        restore_ms: median(restores),
        ratio: Math.round((firstRun / median(runs)) * 10) / 10,
        installed_mb: mb(installedBytes),
        archive_mb: mb(archive?.size ?? 0)
      })
    }
    return {
      rows,
      codex_left_out: leftOut,
      note:
        'npm from a local registry with an empty npm cache per runner (a lower bound for npm on a runner); restore from ' +
        `the local fake cache service, median of ${RESTORES} fresh runners; both include pinning (and codex --version)`
    }
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
    Object.assign(process.env, saved)
    await Promise.all([registry.close(), service.close()])
    await rm(scratch, { recursive: true, force: true })
  }
}

/** The bench's table rows (header first). */
export function toolCacheTable(bench: ToolCacheBench): (string | number)[][] {
  return [
    [
      'tool',
      'first run ms (npm + save)',
      'npm install ms',
      'save ms',
      'fresh runner ms (restore, median)',
      'restore ms',
      'ratio',
      'installed MB',
      'archive MB'
    ],
    ...bench.rows.map(r => [
      r.tool,
      r.first_run_ms,
      r.npm_install_ms,
      r.save_ms,
      r.restore_run_ms,
      r.restore_ms,
      `${r.ratio}x`,
      r.installed_mb,
      r.archive_mb
    ])
  ]
}
