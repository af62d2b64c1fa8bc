// A hole in the jail, simulated: while the first issue's agent runs, a filter is planted in the checkout's shared git
// config (what a test that got out of its jail would write). The bundled action must notice before its next git
// command, run none after it (the planted filter never runs), end that issue policy-rejected naming what changed, push
// nothing, still write the summary, and fail the step with the reason.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { ActionRun } from '../../test-support/action-process.js'
import { createdPulls, dispositions, summaryOf } from '../../test-support/e2e-harness.js'
import { findRunLeaks } from '../../test-support/leak-scan.js'
import { remoteBranches, type AgentSandbox } from '../../test-support/sandbox/sandbox.js'
import {
  answer,
  applyPatchCall,
  computed,
  fixHunks,
  hostileHarness,
  hostileWorld,
  patch,
  sequence
} from '../../test-support/sandbox/hostile.js'
import type { TriageSummary } from '../../src/schemas/summary.js'

const h = hostileHarness()
afterAll(() => h.cleanup())

describe('a compromised run', () => {
  let s: AgentSandbox
  let run: ActionRun
  let summary: TriageSummary
  let marker: string

  beforeAll(async () => {
    const world = hostileWorld([
      { id: '7401', shortId: 'API-401', sample: 'API-12', count: 900 },
      { id: '7402', shortId: 'API-402', sample: 'API-12', count: 800 },
      { id: '7403', shortId: 'API-403', sample: 'API-12', count: 700 }
    ])
    const fix = () => sequence([applyPatchCall(patch(fixHunks('API-12')))], [answer('API-12')])
    s = await h.sandbox(world, {
      'API-401': computed([[applyPatchCall(patch(fixHunks('API-12')))]], () => {
        // the escape: written synchronously while codex waits for this answer
        const gitDir = path.join(s.checkout.checkout, '.git')
        appendFileSync(path.join(gitDir, 'config'), `[filter "x"]\n\tclean = touch ${marker}\n`)
        mkdirSync(path.join(gitDir, 'info'), { recursive: true })
        writeFileSync(path.join(gitDir, 'info', 'attributes'), '* filter=x\n')
        return [answer('API-12')]
      }),
      'API-402': fix(),
      'API-403': fix()
    })
    marker = path.join(s.checkout.checkout, '..', 'FILTER-RAN')
    run = await h.run(s, world, { 'max-prs': '3', concurrency: '1', 'test-command': '' })
    summary = await summaryOf(run)
  }, 200_000)

  it('ends the issue at hand policy-rejected, naming what changed', () => {
    const issue = summary.issues.find(i => i.short_id === 'API-401')!
    expect(issue.disposition).toBe('policy-rejected')
    expect(issue.reason).toMatch(/the run is compromised/)
    expect(issue.reason).toContain('.git/config')
    expect(issue.reason).toContain('.git/info/attributes')
  })

  it('runs no further git command: the planted filter never ran, and nothing was pushed', async () => {
    expect(existsSync(marker)).toBe(false)
    expect(Object.keys(await remoteBranches(s))).toEqual(['main'])
    expect(createdPulls(s)).toEqual([])
    // the other issues could not be worked either, and say why
    for (const id of ['API-402', 'API-403']) {
      expect(summary.issues.find(i => i.short_id === id)).toMatchObject({
        disposition: 'policy-rejected',
        reason: expect.stringMatching(/the run is compromised/)
      })
    }
  })

  it('still writes the summary and fails the step with the reason, leaking nothing', async () => {
    expect(run.code).toBe(1)
    expect(run.errors.join('\n')).toMatch(/the run is compromised/)
    expect(summary.error).toMatch(/\.git\/config/)
    expect(Object.keys(dispositions(summary)).sort()).toEqual(['API-401', 'API-402', 'API-403'])
    expect(await findRunLeaks(s, run)).toEqual([])
  })
})
