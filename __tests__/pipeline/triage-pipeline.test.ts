// runPipeline in-process over the in-memory Sentry and GitHub ports (the sandbox's worlds, no network); the HTTP
// adapters are tested against the HTTP fakes in __tests__/adapters.
import { describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import { runPipeline } from '../../src/pipeline.js'
import type { RunFiles } from '../../src/ports.js'
import { triageScenario } from '../../test-support/sandbox/world.js'
import { PIPELINE_IDENTITY, pipelineDeps, pipelineSettings } from '../../test-support/pipeline-deps.js'
import { githubFaults } from '../../test-support/sandbox/fake-github.js'

describe('runPipeline in triage mode', () => {
  it('logs each phase in its own group and each decision as info', async () => {
    const settings = pipelineSettings()
    const { all, log, uploads } = await pipelineDeps(triageScenario(), settings)
    const report = await runPipeline(settings, PIPELINE_IDENTITY, all)
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
    const settings = pipelineSettings({ top: '2' })
    const { all, sentry } = await pipelineDeps(triageScenario(), settings, {}, { sentryPageSize: 1 })
    const report = await runPipeline(settings, PIPELINE_IDENTITY, all)
    expect(report.summary.issues.map(i => i.short_id)).toEqual(['API-12', 'WEB-7'])
    // the in-memory port cuts a page only when the pipeline asks for it, as the adapter requests it
    expect(sentry.calls.filter(c => c.startsWith('issues page'))).toEqual(['issues page 1', 'issues page 2'])
  })

  it('treats a GitHub failure during dedup as a set-up failure and still writes the summary', async () => {
    const settings = pipelineSettings()
    const { all, github, uploads } = await pipelineDeps(triageScenario(), settings)
    github.faults.push({ method: 'listBranches', times: 1, response: githubFaults.badCredentials() })
    const report = await runPipeline(settings, PIPELINE_IDENTITY, all)
    expect(report.failure).toMatch(/GitHub rejected github-token \(401\)/)
    expect(report.summary.error).toBe(report.failure)
    const written = JSON.parse(await readFile(report.summaryFile!, 'utf8'))
    expect(written.error).toBe(report.failure)
    expect(uploads).toHaveLength(1)
  })

  it('degrades with a warning when the summary cannot be written, keeping the result', async () => {
    const settings = pipelineSettings()
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
    const { all, log, uploads } = await pipelineDeps(triageScenario(), settings, { files })
    const report = await runPipeline(settings, PIPELINE_IDENTITY, all)
    expect(report.summaryFile).toBeNull()
    expect(report.summary.totals.triaged).toBe(5)
    expect(uploads).toEqual([])
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 'warning', message: expect.stringContaining('ENOSPC') })
    )
  })

  it('fails the step with the reason when the run is compromised, and still writes the summary', async () => {
    const settings = pipelineSettings()
    const reason =
      "the checkout's git state changed after code from a fix ran (.git/config): the run is compromised"
    const { all } = await pipelineDeps(triageScenario(), settings, {
      integrity: { compromised: async () => reason }
    })
    const report = await runPipeline(settings, PIPELINE_IDENTITY, all)
    expect(report.failure).toBe(reason)
    const written = JSON.parse(await readFile(report.summaryFile!, 'utf8'))
    expect(written.error).toBe(reason)
    expect(written.issues).toHaveLength(5)
  })
})
