// Where a run's time goes: the phases the summary reports, and a timer that adds up milliseconds per phase. The clock
// is injected (the Clock port, as epoch milliseconds), so what is measured and how it is rounded stay testable.
import type { AgentTimings } from '../ports.js'
import type { IssuePhases, RunPhases } from '../schemas/summary.js'

/**
 * One worked issue's phases. `agent` is every codex run whole (spawn to exit); `agent_start`, `model` and `tools` are
 * parts of it, and what they leave of it is codex's own work between them (starting each command's sandbox, its tool
 * search, writing its logs). `push` and `pr` are land's.
 */
export const ISSUE_PHASES = [
  'worktree',
  'agent',
  'agent_start',
  'model',
  'tools',
  'tests',
  'reproduction',
  'policy',
  'push',
  'pr'
] as const
export type IssuePhase = (typeof ISSUE_PHASES)[number]

/** The run's own phases, outside any issue: Sentry's listing, dedup against GitHub, the ledger, publishing. */
export const RUN_PHASES = ['sentry', 'dedup', 'ledger', 'publish'] as const
export type RunPhase = (typeof RUN_PHASES)[number]

export interface PhaseTimer<P extends string> {
  /** Runs fn and adds the time it took to `phase`, whether it resolves or throws. */
  time<T>(phase: P, fn: () => Promise<T>): Promise<T>
  /** Adds ms to `phase` (a phase measured elsewhere, e.g. by the agent adapter). */
  add(phase: P, ms: number): void
  /** Adds n to what `phase` counts (model turns, tool calls). */
  count(phase: P, n: number): void
  /** The milliseconds of every phase that ran (a phase that never ran is absent, not 0). */
  totals(): Partial<Record<P, number>>
  /** What each counting phase counted. */
  counts(): Partial<Record<P, number>>
}

export function createPhaseTimer<P extends string>(now: () => number): PhaseTimer<P> {
  const ms = new Map<P, number>()
  const counted = new Map<P, number>()
  const add = (phase: P, more: number) => ms.set(phase, (ms.get(phase) ?? 0) + Math.max(0, more))
  return {
    async time<T>(phase: P, fn: () => Promise<T>): Promise<T> {
      const started = now()
      try {
        return await fn()
      } finally {
        add(phase, now() - started)
      }
    },
    add,
    count: (phase, n) => counted.set(phase, (counted.get(phase) ?? 0) + n),
    totals: () => Object.fromEntries(ms) as Partial<Record<P, number>>,
    counts: () => Object.fromEntries(counted) as Partial<Record<P, number>>
  }
}

/** Milliseconds as the summary's seconds: rounded to 0.1 s. */
export const toSeconds = (ms: number): number => Math.round(ms / 100) / 10

/** One codex run's timings added to the issue's phases (an issue may run codex more than once). */
export function addAgentTimings(timer: PhaseTimer<IssuePhase>, timings: AgentTimings): void {
  timer.add('agent', timings.totalMs)
  timer.add('agent_start', timings.startMs)
  timer.add('model', timings.model.ms)
  timer.count('model', timings.model.turns)
  timer.add('tools', timings.tools.ms)
  timer.count('tools', timings.tools.calls)
}

/** The summary's `phases` of one issue: the phases that ran, in seconds; undefined when none did. */
export function issuePhases(timer: PhaseTimer<IssuePhase>): IssuePhases | undefined {
  const ms = timer.totals()
  const counts = timer.counts()
  const s = (phase: IssuePhase) => (ms[phase] === undefined ? undefined : toSeconds(ms[phase]))
  return presentOnly<IssuePhases>({
    worktree_s: s('worktree'),
    agent_s: s('agent'),
    agent_start_s: s('agent_start'),
    model: ms.model === undefined ? undefined : { turns: counts.model ?? 0, total_s: toSeconds(ms.model) },
    tools: ms.tools === undefined ? undefined : { calls: counts.tools ?? 0, total_s: toSeconds(ms.tools) },
    tests_s: s('tests'),
    reproduction_s: s('reproduction'),
    policy_s: s('policy'),
    push_s: s('push'),
    pr_s: s('pr')
  })
}

/** The summary's run `phases`: the run phases that ran, in seconds; undefined when none did. */
export function runPhases(timer: PhaseTimer<RunPhase>): RunPhases | undefined {
  const ms = timer.totals()
  const s = (phase: RunPhase) => (ms[phase] === undefined ? undefined : toSeconds(ms[phase]))
  return presentOnly<RunPhases>({
    sentry_s: s('sentry'),
    dedup_s: s('dedup'),
    ledger_s: s('ledger'),
    publish_s: s('publish')
  })
}

/** The object without its undefined fields, or undefined when none is left. */
function presentOnly<T extends object>(fields: T): T | undefined {
  const present = Object.entries(fields).filter(([, value]) => value !== undefined)
  return present.length === 0 ? undefined : (Object.fromEntries(present) as T)
}

const round = (s: number) => Math.round(s * 10) / 10

/**
 * Two issues' phases (or one issue's, and what a later stage measured of it, e.g. land's push and PR) added field by
 * field; a phase is present when it is in either.
 */
export function addIssuePhases(
  a: IssuePhases | undefined,
  b: IssuePhases | undefined
): IssuePhases | undefined {
  if (!a || !b) return a ?? b
  const s = (x: number | undefined, y: number | undefined) =>
    x === undefined && y === undefined ? undefined : round((x ?? 0) + (y ?? 0))
  return presentOnly<IssuePhases>({
    worktree_s: s(a.worktree_s, b.worktree_s),
    agent_s: s(a.agent_s, b.agent_s),
    agent_start_s: s(a.agent_start_s, b.agent_start_s),
    model:
      a.model && b.model
        ? { turns: a.model.turns + b.model.turns, total_s: round(a.model.total_s + b.model.total_s) }
        : (a.model ?? b.model),
    tools:
      a.tools && b.tools
        ? { calls: a.tools.calls + b.tools.calls, total_s: round(a.tools.total_s + b.tools.total_s) }
        : (a.tools ?? b.tools),
    tests_s: s(a.tests_s, b.tests_s),
    reproduction_s: s(a.reproduction_s, b.reproduction_s),
    policy_s: s(a.policy_s, b.policy_s),
    push_s: s(a.push_s, b.push_s),
    pr_s: s(a.pr_s, b.pr_s)
  })
}
