// Keeping codex and the MCP server across fresh runners: the REAL @actions/cache against the local fake of GitHub's
// cache service, the REAL npm installing the REAL packages from a local registry that serves this repository's
// node_modules (no network), and the REAL codex started from what was installed or restored.
//
// A GitHub-hosted runner is a fresh VM per job: its tool cache sits at the same path on every VM and is empty. A
// "fresh runner" here is that: the same tool-cache path, emptied, with an empty npm cache. @actions/tool-cache and
// @actions/cache read this process's environment, so each test sets it and puts it back.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import * as cache from '@actions/cache'
import { checkCodexSandbox } from '../../src/adapters/codex-sandbox-check.js'
import {
  CODEX_PATH_ENV,
  CODEX_UNUSED,
  installCodex,
  installSentryMcp,
  MCP_ENTRY_ENV,
  SENTRY_MCP_VERSION
} from '../../src/adapters/codex-install.js'
import { toolCacheFolder, toolCacheKey, type StoredTool } from '../../src/adapters/tool-cache-store.js'
import { ROOT } from '../../test-support/action-process.js'
import { cacheRuntimeEnv, startFakeCache, type FakeCache } from '../../test-support/sandbox/fake-cache.js'
import { startFakeNpmRegistry, type FakeNpmRegistry } from '../../test-support/sandbox/fake-npm-registry.js'
import { recordingLog } from '../../test-support/recording-log.js'

const CODEX: StoredTool = {
  packageName: '@openai/codex',
  cacheName: 'openai-codex',
  version: '0.171.0',
  entry: path.join('node_modules', '@openai', 'codex', 'bin', 'codex.js')
}
const MCP: StoredTool = {
  packageName: '@sentry/mcp-server',
  cacheName: 'sentry-mcp-server',
  version: SENTRY_MCP_VERSION,
  entry: path.join('node_modules', '@sentry', 'mcp-server', 'dist', 'index.js')
}

let scratch: string
let registry: FakeNpmRegistry
let service: FakeCache
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'sct-tool-cache-'))
  registry = await startFakeNpmRegistry({
    nodeModules: path.join(ROOT, 'node_modules'),
    tarballDir: path.join(scratch, 'tarballs')
  })
  service = await startFakeCache()
})
afterAll(async () => {
  await Promise.all([registry.close(), service.close()])
  await rm(scratch, { recursive: true, force: true })
})

const restoreEnv: (() => void)[] = []
afterEach(async () => {
  for (const restore of restoreEnv.splice(0).reverse()) restore()
  service.faults.splice(0)
})

/** Sets variables of this process's environment ('' deletes one) until the test ends. */
function setProcessEnv(vars: Record<string, string>): void {
  for (const [name, value] of Object.entries(vars)) {
    const saved = process.env[name]
    restoreEnv.push(() => {
      if (saved === undefined) delete process.env[name]
      else process.env[name] = saved
    })
    if (value === '') delete process.env[name]
    else process.env[name] = value
  }
}

let runners = 0
/**
 * A fresh runner: the tool cache at the hosted runners' one path, empty; a new temp folder and npm cache; the job's
 * cache-service environment. Returns the environment npm and the hooks read (PATH, HOME, the local registry).
 */
async function freshRunner(serviceEnv: Record<string, string> = cacheRuntimeEnv(service)) {
  const n = ++runners
  const toolCacheRoot = path.join(scratch, 'hostedtoolcache')
  await rm(toolCacheRoot, { recursive: true, force: true })
  const temp = path.join(scratch, `runner-${n}`, 'temp')
  const workspace = path.join(scratch, 'work', 'shop', 'shop')
  await Promise.all([toolCacheRoot, temp, workspace].map(dir => mkdir(dir, { recursive: true })))
  setProcessEnv({
    RUNNER_TOOL_CACHE: toolCacheRoot,
    RUNNER_TEMP: temp,
    GITHUB_WORKSPACE: workspace,
    ACTIONS_CACHE_URL: '',
    ACTIONS_CACHE_MODE: '',
    ...serviceEnv
  })
  const env = {
    PATH: process.env.PATH,
    HOME: path.join(scratch, `runner-${n}`),
    RUNNER_TEMP: temp,
    npm_config_registry: registry.url,
    npm_config_cache: path.join(scratch, `runner-${n}`, 'npm-cache'),
    npm_config_update_notifier: 'false',
    [CODEX_PATH_ENV]: '',
    [MCP_ENTRY_ENV]: ''
  }
  return { toolCacheRoot, env }
}

const messages = (log: ReturnType<typeof recordingLog>, level?: string) =>
  log.lines.filter(l => level === undefined || l.level === level).map(l => l.message)

/** Every file and folder below `dir`, relative. */
async function listing(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true })
  return entries.map(String).sort()
}

describe('codex and the MCP server across fresh runners (the cache service)', () => {
  it('installs them with npm on the first runner and saves them; the next fresh runner restores them and never runs npm', async () => {
    // ---- the first run: empty tool cache, empty cache service
    const first = await freshRunner()
    const log1 = recordingLog()
    const codex1 = await installCodex({ version: CODEX.version, log: log1, env: first.env })
    const mcp1 = await installSentryMcp({ log: log1, env: first.env })
    const codexFolder = toolCacheFolder(first.toolCacheRoot, CODEX)
    const mcpFolder = toolCacheFolder(first.toolCacheRoot, MCP)

    expect(codex1.path).toBe(path.join(codexFolder, CODEX.entry))
    expect(mcp1.entry).toBe(path.join(mcpFolder, MCP.entry))
    expect(messages(log1, 'warning')).toEqual([])
    expect(messages(log1)).toEqual(
      expect.arrayContaining([
        `@openai/codex@0.171.0 is not in the cache service (key ${toolCacheKey(CODEX)})`,
        'Installing @openai/codex@0.171.0 with npm',
        expect.stringMatching(/^Saved @openai\/codex@0\.171\.0 to the cache service in \d+ ms$/),
        `@sentry/mcp-server@${MCP.version} is not in the cache service (key ${toolCacheKey(MCP)})`,
        `Installing @sentry/mcp-server@${MCP.version} with npm`,
        expect.stringMatching(/^Saved @sentry\/mcp-server@0\.39\.0 to the cache service in \d+ ms$/)
      ])
    )
    const npmRequests = registry.requests.length
    expect(registry.requests.filter(r => r.path === '/@openai/codex')).not.toEqual([])
    expect(service.entries().map(e => [e.key, e.finalized, e.scope])).toEqual([
      [toolCacheKey(CODEX), true, 'refs/heads/main'],
      [toolCacheKey(MCP), true, 'refs/heads/main']
    ])
    expect(toolCacheKey(CODEX)).toBe(
      `sentry-codex-triage-openai-codex-0.171.0-${process.platform}-${os.arch()}-format1`
    )

    // what codex exec never runs is not installed, nor saved; what it runs is
    const codexFiles = await listing(codexFolder)
    for (const unused of CODEX_UNUSED) {
      expect(codexFiles.filter(f => f.endsWith(`/${unused}`) || f.includes(`/${unused}/`))).toEqual([])
    }
    for (const kept of ['bin/codex', 'codex-resources/bwrap', 'codex-path/rg', 'codex-package.json']) {
      expect(codexFiles.filter(f => f.endsWith(`/${kept}`))).toHaveLength(1)
    }

    // ---- the second run: a fresh runner (same tool-cache path, empty), no npm anywhere
    const second = await freshRunner()
    expect(existsSync(codexFolder)).toBe(false)
    const log2 = recordingLog()
    const codex2 = await installCodex({
      version: CODEX.version,
      log: log2,
      env: second.env,
      npm: '/nonexistent/npm'
    })
    const mcp2 = await installSentryMcp({ log: log2, env: second.env, npm: '/nonexistent/npm' })

    expect(codex2.path).toBe(codex1.path)
    expect(mcp2.entry).toBe(mcp1.entry)
    expect(registry.requests.length).toBe(npmRequests)
    expect(messages(log2, 'warning')).toEqual([])
    expect(messages(log2).filter(m => /npm|cache service/.test(m))).toEqual([
      expect.stringMatching(/^Restored @openai\/codex@0\.171\.0 from the cache service in \d+ ms$/),
      expect.stringMatching(/^Restored @sentry\/mcp-server@0\.39\.0 from the cache service in \d+ ms$/)
    ])
    expect(service.calls('GetBlob').filter(r => r.status === 200)).toHaveLength(2)
    // the same files as installed, pinned from what is on disk after the restore
    expect(await listing(codexFolder)).toEqual(codexFiles)
    expect([codex2.pinned.fileCount, codex2.pinned.byteCount]).toEqual([
      codex1.pinned.fileCount,
      codex1.pinned.byteCount
    ])
    expect([mcp2.pinned.fileCount, mcp2.pinned.byteCount]).toEqual([
      mcp1.pinned.fileCount,
      mcp1.pinned.byteCount
    ])
    expect(await codex2.pinned.verify()).toEqual({ kind: 'unchanged' })
    expect(await mcp2.pinned.verify()).toEqual({ kind: 'unchanged' })
    expect(codex2.bwrap?.path.startsWith(codexFolder)).toBe(true)
    expect(existsSync(`${codexFolder}.complete`)).toBe(true)

    // the restored codex runs a sandboxed command with its own bubblewrap (the probe the action runs on Ubuntu 24.04)
    const restricted = path.join(scratch, 'apparmor-restricted')
    await writeFile(restricted, '1\n')
    expect(
      await checkCodexSandbox({
        codexPath: codex2.path,
        env: second.env,
        scratchDir: path.join(scratch, 'probe'),
        appArmorSysctl: restricted
      })
    ).toBeNull()

    // a runner whose tool cache persists (self-hosted) finds the restored tools there, without the service
    const log3 = recordingLog()
    await installSentryMcp({ log: log3, env: second.env, npm: '/nonexistent/npm' })
    expect(messages(log3)).toContain(`Using @sentry/mcp-server@${MCP.version} from the tool cache`)
  }, 300_000)

  // The fault paths install codex: its npm install is a few large files (seconds), the MCP server's thousands (15-20 s).
  it.each([
    ['no cache service in this job', { ACTIONS_RESULTS_URL: '' }, 'no cache service in this job'],
    [
      'GitHub Enterprise Server',
      { GITHUB_SERVER_URL: 'https://ghes.example.com' },
      'GitHub Enterprise Server (ghes.example.com) is not supported'
    ]
  ])(
    'warns and installs with npm where the cache service is unavailable: %s',
    async (_, vars, reason) => {
      const runner = await freshRunner({ ...cacheRuntimeEnv(service), ...vars })
      const before = service.requests.length
      const log = recordingLog()
      const codex = await installCodex({ version: CODEX.version, log, env: runner.env })

      expect(codex.path).toBe(path.join(toolCacheFolder(runner.toolCacheRoot, CODEX), CODEX.entry))
      expect(messages(log, 'warning')).toEqual([
        expect.stringContaining(
          `The cache service cannot keep @openai/codex@${CODEX.version} for the next runs (${reason}`
        )
      ])
      expect(messages(log)).toContain(`Installing @openai/codex@${CODEX.version} with npm`)
      expect(service.requests.length).toBe(before)
    },
    120_000
  )

  it('installs with npm when the cache service refuses to serve or keep the entry, and the install goes on', async () => {
    const runner = await freshRunner(cacheRuntimeEnv(service, { scope: 'refs/heads/fault' }))
    service.faults.push(
      { operation: 'GetCacheEntryDownloadURL', status: 403, msg: 'cache read denied: fake', times: 1 },
      { operation: 'CreateCacheEntry', status: 403, msg: 'cache write denied: fake', times: 1 }
    )
    const log = recordingLog()
    const codex = await installCodex({ version: CODEX.version, log, env: runner.env })

    expect(await codex.pinned.verify()).toEqual({ kind: 'unchanged' })
    expect(messages(log)).toEqual(
      expect.arrayContaining([
        `Installing @openai/codex@${CODEX.version} with npm`,
        `@openai/codex@${CODEX.version} was not saved to the cache service (key ${toolCacheKey(CODEX)})`
      ])
    )
    expect(service.entries().filter(e => e.scope === 'refs/heads/fault')).toEqual([])
  }, 120_000)

  it('does not use an entry that holds no tool (another layout): warns and installs with npm', async () => {
    const runner = await freshRunner(cacheRuntimeEnv(service, { scope: 'refs/heads/other-layout' }))
    // an entry under the tool's key and path that lacks its entry file
    const folder = toolCacheFolder(runner.toolCacheRoot, CODEX)
    await mkdir(path.join(folder, 'elsewhere'), { recursive: true })
    await writeFile(path.join(folder, 'elsewhere', 'index.js'), 'console.log("not codex")\n')
    expect(await cache.saveCache([folder], toolCacheKey(CODEX))).not.toBe(-1)
    await rm(folder, { recursive: true, force: true })

    const log = recordingLog()
    const codex = await installCodex({ version: CODEX.version, log, env: runner.env })
    expect(existsSync(codex.path)).toBe(true)
    expect(existsSync(path.join(folder, 'elsewhere'))).toBe(false)
    expect(messages(log, 'warning')).toEqual([
      `The cache entry ${toolCacheKey(CODEX)} holds no ${CODEX.entry} at ${folder}: installing @openai/codex@${CODEX.version} with npm`
    ])
    expect(messages(log)).toContain(`Installing @openai/codex@${CODEX.version} with npm`)
  }, 120_000)
})

describe('the fake cache service, as @actions/cache uses it', () => {
  it('takes an archive over 128 MiB in 64 MiB blocks and serves it back whole', async () => {
    // codex's archive is ~114 MiB, one Put Blob: a larger one (a later codex) is uploaded in blocks
    const runner = await freshRunner(cacheRuntimeEnv(service, { scope: 'refs/heads/large' }))
    const folder = path.join(runner.toolCacheRoot, 'large', '1.0.0', os.arch())
    await mkdir(folder, { recursive: true })
    const data = randomBytes(136 * 1024 * 1024)
    await writeFile(path.join(folder, 'incompressible.bin'), data)
    const blocksBefore = service.calls('PutBlock').length
    expect(await cache.saveCache([folder], 'large-entry')).not.toBe(-1)
    expect(service.calls('PutBlock').length - blocksBefore).toBe(3)
    expect(service.calls('PutBlockList').at(-1)?.status).toBe(201)

    await rm(folder, { recursive: true, force: true })
    expect(await cache.restoreCache([folder], 'large-entry')).toBe('large-entry')
    const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')
    expect(sha(await readFile(path.join(folder, 'incompressible.bin')))).toBe(sha(data))
  }, 120_000)
})
