// The tools kept across fresh runners, end to end: the bundled action run twice in mode dry-run, each time on a
// "fresh GitHub-hosted runner" (the tool cache at the same path, empty; an empty npm cache), with the install hooks
// off. The first run installs codex and the MCP server with the REAL npm from a local registry serving this
// repository's node_modules and saves them to the local fake of the cache service; the second restores them from it
// and never asks the registry. Both runs fix the sample bugs with what they installed or restored.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { ROOT, type ActionRun } from '../../test-support/action-process.js'
import { agentHarness, dispositions, summaryOf } from '../../test-support/e2e-harness.js'
import { cacheRuntimeEnv, startFakeCache, type FakeCache } from '../../test-support/sandbox/fake-cache.js'
import { startFakeNpmRegistry, type FakeNpmRegistry } from '../../test-support/sandbox/fake-npm-registry.js'
import type { AgentSandbox } from '../../test-support/sandbox/sandbox.js'

const KEYS = [
  `sentry-codex-triage-openai-codex-0.171.0-${process.platform}-${os.arch()}-format1`,
  `sentry-codex-triage-sentry-mcp-server-0.39.0-${process.platform}-${os.arch()}-format1`
]

const h = agentHarness({ mode: 'dry-run' })
let scratch: string
let registry: FakeNpmRegistry
let service: FakeCache | undefined
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'sct-e2e-tool-cache-'))
  registry = await startFakeNpmRegistry({
    nodeModules: path.join(ROOT, 'node_modules'),
    tarballDir: path.join(scratch, 'tarballs')
  })
})
afterEach(async () => {
  await service?.close()
  service = undefined
  await h.cleanup()
})
afterAll(async () => {
  await registry.close()
  await rm(scratch, { recursive: true, force: true })
})

let runners = 0
/** One run of the action on a fresh runner: the hosted runners' tool-cache path, emptied; a new npm cache. */
async function onFreshRunner(
  s: AgentSandbox,
  cache: FakeCache,
  inputs: Record<string, string> = {}
): Promise<ActionRun> {
  const toolCache = path.join(scratch, 'hostedtoolcache')
  await rm(toolCache, { recursive: true, force: true })
  await mkdir(toolCache, { recursive: true })
  return h.run(s, inputs, {
    // the sandbox points these hooks at node_modules; a runner has none
    SENTRY_CODEX_TRIAGE_CODEX_PATH: '',
    SENTRY_CODEX_TRIAGE_MCP_ENTRY: '',
    RUNNER_TOOL_CACHE: toolCache,
    npm_config_registry: registry.url,
    npm_config_cache: path.join(scratch, `npm-cache-${++runners}`),
    npm_config_update_notifier: 'false',
    // the cache service and the artifact service share the results URL and the job's token, as on a runner
    ...cacheRuntimeEnv(cache, { runtimeToken: s.env.ACTIONS_RUNTIME_TOKEN })
  })
}

describe('codex and the MCP server across fresh runners, end to end', () => {
  it('installs them with npm on the first runner and saves them; the second fresh runner restores them, no npm', async () => {
    const s = await h.sandbox()
    service = await startFakeCache({ forward: s.artifacts.url })

    const first = await onFreshRunner(s, service)
    expect(first.errors).toEqual([])
    expect(first.code).toBe(0)
    expect(first.log).toContain('Installing @openai/codex@0.171.0 with npm')
    expect(first.log).toContain('Installing @sentry/mcp-server@0.39.0 with npm')
    expect(first.log).toMatch(
      /Left out what codex exec never runs \(bin\/codex-code-mode-host, codex-resources\/voice\)/
    )
    expect(first.log).toMatch(/Saved @openai\/codex@0\.171\.0 to the cache service in \d+ ms/)
    expect(first.log).toMatch(/Saved @sentry\/mcp-server@0\.39\.0 to the cache service in \d+ ms/)
    expect(service.entries().map(e => [e.key, e.finalized])).toEqual(KEYS.map(key => [key, true]))
    const npmRequests = registry.requests.length
    expect(npmRequests).toBeGreaterThan(0)
    const fixed = dispositions(await summaryOf(first))
    expect(fixed).toMatchObject({ 'API-12': 'dry-run', 'WEB-9': 'dry-run' })
    // the run's summary artifact went through the shared results URL to the artifact service
    expect(s.artifacts.artifacts().map(a => a.finalized)).toEqual([true])

    // (the same workflow run in the fake artifact service: the second summary needs another artifact name)
    const second = await onFreshRunner(s, service, { 'artifact-name': 'sentry-triage-second-runner' })
    expect(second.errors).toEqual([])
    expect(second.code).toBe(0)
    expect(second.log).toMatch(/Restored @openai\/codex@0\.171\.0 from the cache service in \d+ ms/)
    expect(second.log).toMatch(/Restored @sentry\/mcp-server@0\.39\.0 from the cache service in \d+ ms/)
    expect(second.log).not.toMatch(/Installing .* with npm/)
    expect(registry.requests.length).toBe(npmRequests)
    expect(service.calls('GetBlob').filter(r => r.status === 200)).toHaveLength(2)
    // nothing new saved: the entries of the first run are the only ones
    expect(service.entries()).toHaveLength(2)
    expect(dispositions(await summaryOf(second))).toEqual(fixed)
    expect(s.artifacts.artifacts().map(a => a.finalized)).toEqual([true, true])
    expect(
      existsSync(path.join(scratch, 'hostedtoolcache', 'openai-codex', '0.171.0', `${os.arch()}.complete`))
    ).toBe(true)
  }, 480_000)
})
