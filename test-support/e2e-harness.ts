// Shared by the end-to-end suites that run the action with the agent: one sandbox per test, closed afterwards, and
// helpers to read what the run left.
import { readFile } from 'node:fs/promises'
import { runAction, type ActionRun } from './action-process.js'
import { startAgentSandbox, type AgentSandbox } from './sandbox/sandbox.js'
import { triageScenario } from './sandbox/world.js'
import { sampleModel } from './sandbox/agent-scripts.js'
import type { ModelScript } from './sandbox/fake-model.js'
import type { TriageSummary } from '../src/schemas/summary.js'
import { findRunLeaks } from './leak-scan.js'

export interface AgentHarness {
  sandbox(
    options?: Parameters<typeof startAgentSandbox>[1] & { scripts?: Record<string, ModelScript> }
  ): Promise<AgentSandbox>
  run(s: AgentSandbox, inputs?: Record<string, string>, env?: Record<string, string>): Promise<ActionRun>
  /** call from afterEach */
  cleanup(): Promise<void>
}

/** `defaults` are the inputs every run gets on top of the sandbox's and the triage scenario's. */
export function agentHarness(defaults: Record<string, string>): AgentHarness {
  let current: AgentSandbox | undefined
  const runs: ActionRun[] = []
  return {
    async sandbox(options = {}) {
      const { scripts, ...rest } = options
      current = await startAgentSandbox(triageScenario(), { model: sampleModel(scripts), ...rest })
      return current
    },
    async run(s, inputs = {}, env = {}) {
      const run = await runAction({
        inputs: { ...s.inputs, ...triageScenario().inputs, ...defaults, ...inputs },
        env: { ...s.env, ...env },
        workspace: s.checkout.checkout,
        timeoutMs: 240_000
      })
      runs.push(run)
      // every run: no secret in any output, file, artifact, request the fakes recorded, or push
      const leaks = await findRunLeaks(s, run)
      if (leaks.length > 0) throw new Error(`secrets leaked:\n${leaks.join('\n')}`)
      return run
    },
    async cleanup() {
      await current?.close()
      current = undefined
      await Promise.all(runs.splice(0).map(r => r.cleanup()))
    }
  }
}

export async function summaryOf(run: ActionRun): Promise<TriageSummary> {
  return JSON.parse(await readFile(run.outputs['summary-file']!, 'utf8')) as TriageSummary
}

export function dispositions(summary: TriageSummary): Record<string, string> {
  return Object.fromEntries(summary.issues.map(i => [i.short_id, i.disposition]))
}

/** The pull requests the action asked the fake GitHub to create. */
export function createdPulls(s: AgentSandbox): { head: string; base: string; title: string; body: string }[] {
  return s.github
    .writes()
    .filter(r => r.method === 'POST' && r.path === '/repos/acme/shop/pulls')
    .map(r => JSON.parse(r.body))
}
