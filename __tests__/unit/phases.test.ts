import { describe, expect, it } from '@jest/globals'
import {
  addAgentTimings,
  addIssuePhases,
  createPhaseTimer,
  issuePhases,
  runPhases,
  toSeconds,
  type IssuePhase,
  type RunPhase
} from '../../src/domain/phases.js'
import { IssuePhases, RunPhases } from '../../src/schemas/summary.js'

/** A clock the test moves by hand. */
function manualClock() {
  let now = 1_000_000
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

describe('createPhaseTimer', () => {
  it('adds up the time of each phase from the injected clock, including a run that throws', async () => {
    const clock = manualClock()
    const timer = createPhaseTimer<IssuePhase>(clock.now)
    await timer.time('tests', async () => clock.advance(1_200))
    await timer.time('tests', async () => clock.advance(300))
    await expect(
      timer.time('policy', async () => {
        clock.advance(40)
        throw new Error('boom')
      })
    ).rejects.toThrow('boom')
    timer.add('worktree', 250)
    expect(timer.totals()).toEqual({ tests: 1_500, policy: 40, worktree: 250 })
  })

  it('reports a phase that never ran as absent, not as zero', () => {
    const timer = createPhaseTimer<IssuePhase>(manualClock().now)
    expect(issuePhases(timer)).toBeUndefined()
    timer.add('worktree', 0)
    expect(issuePhases(timer)).toEqual({ worktree_s: 0 })
  })
})

describe('issuePhases', () => {
  it('rounds each phase to 0.1 s and sums the codex runs of one issue, turns and calls included', () => {
    const timer = createPhaseTimer<IssuePhase>(manualClock().now)
    timer.add('worktree', 149)
    addAgentTimings(timer, {
      totalMs: 5_000,
      startMs: 1_040,
      model: { turns: 5, ms: 3_020 },
      tools: { calls: 3, ms: 460 }
    })
    addAgentTimings(timer, {
      totalMs: 2_000,
      startMs: 960,
      model: { turns: 2, ms: 700 },
      tools: { calls: 1, ms: 90 }
    })
    timer.add('tests', 3_951)
    const phases = issuePhases(timer)
    expect(phases).toEqual({
      worktree_s: 0.1,
      agent_s: 7,
      agent_start_s: 2,
      model: { turns: 7, total_s: 3.7 },
      tools: { calls: 4, total_s: 0.6 },
      tests_s: 4
    })
    expect(IssuePhases.safeParse(phases).success).toBe(true)
  })
})

describe('runPhases', () => {
  it('reports the run phases that ran, in seconds', () => {
    const timer = createPhaseTimer<RunPhase>(manualClock().now)
    expect(runPhases(timer)).toBeUndefined()
    timer.add('sentry', 420)
    timer.add('ledger', 1_260)
    const phases = runPhases(timer)
    expect(phases).toEqual({ sentry_s: 0.4, ledger_s: 1.3 })
    expect(RunPhases.safeParse(phases).success).toBe(true)
  })
})

describe('addIssuePhases', () => {
  it('adds two issues field by field, keeping 0.1 s steps and the phases only one of them has', () => {
    expect(
      addIssuePhases(
        { tests_s: 0.1, model: { turns: 2, total_s: 0.2 }, reproduction_s: 1.9 },
        { tests_s: 0.2, model: { turns: 3, total_s: 0.1 }, push_s: 0.6, tools: { calls: 1, total_s: 0.3 } }
      )
    ).toEqual({
      tests_s: 0.3,
      model: { turns: 5, total_s: 0.3 },
      tools: { calls: 1, total_s: 0.3 },
      reproduction_s: 1.9,
      push_s: 0.6
    })
    expect(addIssuePhases(undefined, { pr_s: 0.9 })).toEqual({ pr_s: 0.9 })
    expect(addIssuePhases(undefined, undefined)).toBeUndefined()
  })
})

describe('toSeconds', () => {
  it('rounds milliseconds to tenths of a second', () => {
    expect([0, 49, 50, 1_234, 12_951].map(toSeconds)).toEqual([0, 0, 0.1, 1.2, 13])
  })
})
