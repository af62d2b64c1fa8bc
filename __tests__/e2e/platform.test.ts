// Where the action runs, end to end: the bundled action as a process on a runner that says it is macOS or Windows
// (RUNNER_OS, as the runner sets it). The modes that run the agent or a test command refuse at once, before any
// model request, any codex install or any call to Sentry or GitHub; triage runs anywhere.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { runAction, type ActionRun } from '../../test-support/action-process.js'
import { startAgentSandbox, type AgentSandbox } from '../../test-support/sandbox/sandbox.js'
import { triageScenario } from '../../test-support/sandbox/world.js'
import { findRunLeaks } from '../../test-support/leak-scan.js'
import type { TriageSummary } from '../../src/schemas/summary.js'

let sandbox: AgentSandbox
const runs: ActionRun[] = []
beforeAll(async () => {
  sandbox = await startAgentSandbox(triageScenario())
})
afterAll(async () => {
  await sandbox.close()
  await Promise.all(runs.splice(0).map(r => r.cleanup()))
})

async function runOn(runner: Record<string, string>, inputs: Record<string, string>): Promise<ActionRun> {
  const run = await runAction({
    inputs: { ...sandbox.inputs, ...triageScenario().inputs, ...inputs },
    env: { ...sandbox.env, ...runner },
    workspace: sandbox.checkout.checkout,
    timeoutMs: 120_000
  })
  runs.push(run)
  expect(await findRunLeaks(sandbox, run)).toEqual([])
  return run
}

const MACOS = { RUNNER_OS: 'macOS', RUNNER_ARCH: 'ARM64' }
const WINDOWS = { RUNNER_OS: 'Windows', RUNNER_ARCH: 'X64' }

describe('the runner the action runs on', () => {
  it.each([
    ['fix', 'macOS', MACOS, {}],
    ['dry-run', 'Windows', WINDOWS, {}],
    ['work', 'macOS', MACOS, { issue: 'API-12' }]
  ])(
    'mode %s on a %s runner fails at once, naming the supported runners, and asks the model nothing',
    async (mode, _os, runner, extra) => {
      const before = {
        model: sandbox.model.requests.length,
        sentry: sandbox.sentry.requests.length,
        github: sandbox.github.requests.length,
        artifacts: sandbox.artifacts.requests.length
      }
      const run = await runOn(runner, { mode, ...extra })
      expect(run.code).not.toBe(0)
      expect(run.errors).toHaveLength(1)
      const error = run.errors[0]!
      expect(error).toContain(`Mode ${mode} runs the Codex agent and the test command in Linux sandboxes`)
      expect(error).toContain('Linux x64 and arm64, GitHub-hosted or self-hosted')
      expect(error).toContain('use mode triage on this runner')
      // nothing ran: no model request, no codex set-up, no call to Sentry, GitHub or the artifact service
      expect(sandbox.model.requests.length).toBe(before.model)
      expect(run.log).not.toContain('Set up the agent')
      expect(existsSync(path.join(run.runnerTemp, '..', 'tool-cache'))).toBe(false)
      expect(sandbox.sentry.requests.length).toBe(before.sentry)
      expect(sandbox.github.requests.length).toBe(before.github)
      expect(sandbox.artifacts.requests.length).toBe(before.artifacts)
      // refused like an invalid input: no outputs, no job summary, no run folder
      expect(run.outputs).toEqual({})
      expect(run.stepSummary).toBe('')
      expect(existsSync(path.join(run.runnerTemp, 'sentry-codex-triage'))).toBe(false)
    }
  )

  it('mode triage on a macOS runner lists the issues and publishes the summary', async () => {
    const run = await runOn(MACOS, { mode: 'triage' })
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)
    const summary = JSON.parse(await readFile(run.outputs['summary-file']!, 'utf8')) as TriageSummary
    expect(summary.run.mode).toBe('triage')
    expect(summary.issues.map(i => i.short_id)).toContain('API-12')
    expect(run.stepSummary).toContain('API-12')
    expect(sandbox.model.requests).toEqual([])
  })
})
