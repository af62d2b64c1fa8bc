// The fix-quality ledger inside runPipeline: when it is asked (after the plan, before any work, in the modes that
// report it), what it is given, and how a low rate or a failure reaches the run. Sentry, GitHub and the ledger's
// source are in-memory ports over the sandbox's worlds (the HTTP adapters have their own tests).
import { describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import { runPipeline } from '../../src/pipeline.js'
import type { Handoffs, LedgerCommit } from '../../src/ports.js'
import { triageScenario } from '../../test-support/sandbox/world.js'
import { PIPELINE_IDENTITY, pipelineDeps, pipelineSettings } from '../../test-support/pipeline-deps.js'
import { fakeSha } from '../../test-support/sandbox/fake-github.js'
import { ACTION_AUTHOR, ledgerPull, memoryLedger } from '../../test-support/sandbox/ledger-world.js'

const DAY = 86_400_000
const daysAgo = (d: number) => new Date(Date.now() - d * DAY).toISOString()
const action = (n: number): LedgerCommit => ({
  sha: fakeSha(`action:${n}`),
  authorEmail: ACTION_AUTHOR.email
})
const human = (n: number): LedgerCommit => ({ sha: fakeSha(`human:${n}`), authorEmail: 'dev@acme.example' })

/**
 * Six closed PRs of the action: #21 merged for API-12 (the scenario's issue, seen an hour ago: regressed), #22-#23
 * merged unmodified, #24-#25 merged after a human commit, #26 closed unmerged: rate 3 of 6 = 0.5.
 */
function sixClosed() {
  const merged = (n: number, shortId: string, id: string) =>
    ledgerPull(n, { id, shortId }, { createdAt: daysAgo(30 - n), mergedAt: daysAgo(29 - n) })
  return memoryLedger(
    [
      merged(21, 'API-12', '7001'),
      merged(22, 'API-122', '7122'),
      merged(23, 'API-123', '7123'),
      merged(24, 'API-124', '7124'),
      merged(25, 'API-125', '7125'),
      ledgerPull(26, { id: '7126', shortId: 'API-126' }, { createdAt: daysAgo(5), closedAt: daysAgo(4) })
    ],
    {
      21: [action(21)],
      22: [action(22)],
      23: [action(23)],
      24: [action(24), human(24)],
      25: [action(25), human(25)]
    }
  )
}

describe('the fix-quality ledger in the pipeline', () => {
  it('is built in its own group after the plan, from the issues the run listed, and lands in the summary', async () => {
    const settings = pipelineSettings()
    const ledger = sixClosed()
    const { all, log } = await pipelineDeps(triageScenario(), settings, { ledger })
    const report = await runPipeline(settings, PIPELINE_IDENTITY, all)

    expect(report.failure).toBeNull()
    expect(ledger.calls).toEqual(['search', ...[21, 22, 23, 24, 25].map(n => `commits #${n}`)])
    const history = report.summary.history!
    expect(history.counts).toEqual({
      open: 0,
      merged_unmodified: 3,
      merged_with_changes: 2,
      human_commits: 2,
      closed_unmerged: 1,
      regressed: 1
    })
    expect(history.pull_requests.find(pr => pr.regressed)?.number).toBe(21)
    expect(history.github_requests).toBe(6)
    // after the plan (its decisions are logged outside any group), before the summary
    expect([...new Set(log.lines.map(l => l.group))]).toEqual([
      'Sentry: list the worst unresolved issues',
      'GitHub: find fixes already in flight',
      null,
      'GitHub: the fix-quality ledger',
      'Publish the triage summary'
    ])
    const written = JSON.parse(await readFile(report.summaryFile!, 'utf8'))
    expect(written.history).toEqual(history)
  })

  it('warns when the rate over at least five closed PRs is below min-quality, and not at or above it', async () => {
    const lowSettings = pipelineSettings({ 'min-quality': '0.6' })
    const low = await pipelineDeps(triageScenario(), lowSettings, { ledger: sixClosed() })
    await runPipeline(lowSettings, PIPELINE_IDENTITY, low.all)
    expect(low.log.lines.filter(l => l.level === 'warning')).toEqual([
      {
        level: 'warning',
        group: 'GitHub: the fix-quality ledger',
        message: expect.stringMatching(
          /^Fix quality is below min-quality 0\.6 \(60%\): 3 of 6 closed fix PRs \(50%\)/
        )
      }
    ])

    const okSettings = pipelineSettings({ 'min-quality': '0.5' })
    const ok = await pipelineDeps(triageScenario(), okSettings, { ledger: sixClosed() })
    await runPipeline(okSettings, PIPELINE_IDENTITY, ok.all)
    expect(ok.log.lines.filter(l => l.level === 'warning')).toEqual([])
  })

  it('says nothing about quality under five closed PRs, however low the rate', async () => {
    const settings = pipelineSettings()
    const ledger = memoryLedger(
      [ledgerPull(30, { id: '7130', shortId: 'API-130' }, { createdAt: daysAgo(5), closedAt: daysAgo(4) })],
      {}
    )
    const { all, log } = await pipelineDeps(triageScenario(), settings, { ledger })
    const report = await runPipeline(settings, PIPELINE_IDENTITY, all)
    expect(report.summary.history?.merged_unmodified_rate).toEqual({
      merged_unmodified: 0,
      closed: 1,
      rate: 0
    })
    expect(log.lines.filter(l => l.level === 'warning')).toEqual([])
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: 'info',
        message: 'Fix quality: 1 closed PR(s) in the window; min-quality is checked from 5'
      })
    )
  })

  it('never fails the run: a ledger that cannot be built is a warning and a null history', async () => {
    const settings = pipelineSettings()
    const ledger = memoryLedger([], {}, { fail: new Error('GitHub rejected github-token (403)') })
    const { all, log } = await pipelineDeps(triageScenario(), settings, { ledger })
    const report = await runPipeline(settings, PIPELINE_IDENTITY, all)
    expect(report.failure).toBeNull()
    expect(report.summary.history).toBeNull()
    expect(report.summary.issues).toHaveLength(5)
    expect(log.lines).toContainEqual({
      level: 'warning',
      group: 'GitHub: the fix-quality ledger',
      message:
        'The fix-quality ledger could not be built: GitHub rejected github-token (403). The run goes on; its summary has no history.'
    })
    expect(JSON.parse(await readFile(report.summaryFile!, 'utf8')).history).toBeNull()
  })

  it('is not built in mode plan (land reports it) even when wired', async () => {
    const settings = pipelineSettings({ mode: 'plan' })
    const handoffs: Handoffs = {
      publish: async () => {},
      names: async () => [],
      fetch: async () => {
        throw new Error('plan fetches nothing')
      }
    }
    const ledger = sixClosed()
    const { all } = await pipelineDeps(triageScenario(), settings, {
      ledger,
      ports: { mode: 'plan', handoffs }
    })
    const report = await runPipeline(settings, PIPELINE_IDENTITY, all)
    expect(report.failure).toBeNull()
    expect(ledger.calls).toEqual([])
    expect(report.summary.history).toBeNull()
  })
})
