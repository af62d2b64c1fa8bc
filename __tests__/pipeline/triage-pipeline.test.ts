// runPipeline in-process with the real Sentry and GitHub adapters against the local fakes.
import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { runPipeline, type PipelineDeps } from '../../src/pipeline.js'
import { parseSettings, type Settings } from '../../src/settings.js'
import { createSentryApi } from '../../src/adapters/sentry-http.js'
import { createGitHubReader, createOctokit } from '../../src/adapters/github-octokit.js'
import { createRunFiles } from '../../src/adapters/run-files.js'
import type { ArtifactSink, RunFiles } from '../../src/ports.js'
import { inputValues } from '../../test-support/action-inputs.js'
import { startSandbox, type Sandbox } from '../../test-support/sandbox.js'
import { triageScenario } from '../../test-support/world.js'
import { recordingLog } from '../../test-support/recording-log.js'
import { githubFaults } from '../../test-support/fake-github.js'

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.close()
  sandbox = undefined
})

function settingsFor(s: Sandbox, extra: Record<string, string> = {}): Settings {
  const values = inputValues({ ...s.inputs, ...triageScenario().inputs, ...extra })
  const parsed = parseSettings(name => values[name] ?? '')
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'))
  return parsed.settings
}

const identity = {
  repository: 'acme/shop',
  runId: '1',
  runUrl: 'https://github.com/acme/shop/actions/runs/1',
  event: 'schedule'
}

async function deps(s: Sandbox, settings: Settings, overrides: Partial<PipelineDeps> = {}) {
  const log = recordingLog()
  const uploads: { name: string; files: string[] }[] = []
  const artifacts: ArtifactSink = {
    async upload(name, files) {
      uploads.push({ name, files })
      return { ok: true, id: 1, size: 1 }
    }
  }
  const octokit = createOctokit({ token: settings.github.token, baseUrl: s.github.url, log, retries: 1 })
  const all: PipelineDeps = {
    sentry: createSentryApi({
      baseUrl: settings.sentry.baseUrl,
      org: settings.sentry.org,
      token: settings.sentry.token,
      log,
      sleep: async () => {}
    }),
    github: createGitHubReader(octokit, { owner: 'acme', repo: 'shop' }, log),
    artifacts,
    files: createRunFiles(await mkdtemp(path.join(os.tmpdir(), 'sct-pipe-'))),
    log,
    clock: { now: () => new Date() },
    ...overrides
  }
  return { all, log, uploads }
}

describe('runPipeline in triage mode', () => {
  it('logs each phase in its own group and each decision as info', async () => {
    sandbox = await startSandbox(triageScenario())
    const settings = settingsFor(sandbox)
    const { all, log, uploads } = await deps(sandbox, settings)
    const report = await runPipeline(settings, identity, all)
    expect(report.failure).toBeNull()
    expect(new Set(log.lines.map(l => l.group))).toEqual(
      new Set([
        'Sentry: list the worst unresolved issues',
        'GitHub: find fixes already in flight',
        null,
        'Publish the triage summary'
      ])
    )
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 'info', message: expect.stringMatching(/^WEB-7: existing-pr/) })
    )
    expect(uploads).toEqual([{ name: settings.artifact.name, files: [report.summaryFile] }])
    expect(report.plan?.candidates).toEqual(['API-12', 'WEB-9'])
    expect(report.plan?.analyze).toEqual(['API-12', 'WEB-9'])
    expect(report.plan?.base).toEqual({ branch: 'main', sha: expect.stringMatching(/^[0-9a-f]{40}$/) })
  })

  it('stops paginating as soon as top issues meet the threshold', async () => {
    sandbox = await startSandbox(triageScenario(), { sentryPageSize: 1 })
    const settings = settingsFor(sandbox, { top: '2' })
    const { all } = await deps(sandbox, settings)
    const report = await runPipeline(settings, identity, all)
    expect(report.summary.issues.map(i => i.short_id)).toEqual(['API-12', 'WEB-7'])
    expect(sandbox.sentry.requests.filter(r => r.path.endsWith('/issues/'))).toHaveLength(2)
  })

  it('treats a GitHub failure during dedup as a set-up failure and still writes the summary', async () => {
    sandbox = await startSandbox(triageScenario())
    sandbox.github.faults.push({
      match: r => r.path.includes('matching-refs'),
      times: 1,
      response: githubFaults.badCredentials()
    })
    const settings = settingsFor(sandbox)
    const { all, uploads } = await deps(sandbox, settings)
    const report = await runPipeline(settings, identity, all)
    expect(report.failure).toMatch(/GitHub rejected github-token \(401\)/)
    expect(report.summary.error).toBe(report.failure)
    const written = JSON.parse(await readFile(report.summaryFile!, 'utf8'))
    expect(written.error).toBe(report.failure)
    expect(uploads).toHaveLength(1)
  })

  it('degrades with a warning when the summary cannot be written, keeping the result', async () => {
    sandbox = await startSandbox(triageScenario())
    const settings = settingsFor(sandbox)
    const files: RunFiles = {
      dir: '/nonexistent',
      writeJson: async () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
      },
      writeText: async () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
      },
      list: async () => []
    }
    const { all, log, uploads } = await deps(sandbox, settings, { files })
    const report = await runPipeline(settings, identity, all)
    expect(report.summaryFile).toBeNull()
    expect(report.summary.totals.triaged).toBe(5)
    expect(uploads).toEqual([])
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 'warning', message: expect.stringContaining('ENOSPC') })
    )
  })
})
