// Where a fix's time goes, from the summaries the bench's runs already write: per phase, the median across the issues
// of a run (the issue phases), and the run's own phases once. No timing of its own: the action measures, this reads.
import { readFile } from 'node:fs/promises'
import type { IssuePhases, RunPhases } from '../src/schemas/summary.js'

/** What one run's summary says of its time (publish is in the job summary only: the file is written during it). */
export interface RunTimes {
  label: string
  /** the worked issues' phases and durations */
  issues: { short_id: string; duration_s: number | null; phases: IssuePhases }[]
  run: RunPhases
}

interface SummaryFile {
  issues: { short_id: string; duration_s?: number; phases?: IssuePhases }[]
  phases?: RunPhases
}

/** A run's times from its summary file and its job summary; the issues of `only` when given. */
export async function runTimes(
  label: string,
  run: { outputs: Record<string, string>; stepSummary: string },
  only?: (shortId: string) => boolean
): Promise<RunTimes> {
  const file = run.outputs['summary-file']
  const summary = file ? (JSON.parse(await readFile(file, 'utf8')) as SummaryFile) : { issues: [] }
  const publish = /\bpublish (\d+(?:\.\d+)?) s\b/.exec(run.stepSummary)
  return {
    label,
    issues: summary.issues
      .filter(i => i.phases && (only ? only(i.short_id) : true))
      .map(i => ({ short_id: i.short_id, duration_s: i.duration_s ?? null, phases: i.phases! })),
    run: { ...summary.phases, ...(publish ? { publish_s: Number(publish[1]) } : {}) }
  }
}

/** The run phases of several jobs (the fan-out's plan, work and land jobs) as one run's; issues from `issuesFrom`. */
export function mergeRunTimes(label: string, issuesFrom: RunTimes, jobs: RunTimes[]): RunTimes {
  const run: Record<string, number> = {}
  for (const job of jobs) {
    for (const [key, value] of Object.entries(job.run))
      run[key] = Math.round(((run[key] ?? 0) + value) * 10) / 10
  }
  return { label, issues: issuesFrom.issues, run }
}

function median(values: number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const m = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return Math.round(m * 10) / 10
}

/** Codex's own time between the parts: the whole run less its start, the model's waits and the tools. */
const codexBetween = (p: IssuePhases): number | undefined =>
  p.agent_s === undefined
    ? undefined
    : Math.round(
        (p.agent_s - (p.agent_start_s ?? 0) - (p.model?.total_s ?? 0) - (p.tools?.total_s ?? 0)) * 10
      ) / 10

/** The work part of an issue's phases: what its duration_s (worktree to verdict) holds. */
const workPhases = (p: IssuePhases): number =>
  (p.worktree_s ?? 0) + (p.agent_s ?? 0) + (p.tests_s ?? 0) + (p.reproduction_s ?? 0) + (p.policy_s ?? 0)

const ISSUE_ROWS: [string, (p: IssuePhases) => number | undefined][] = [
  ['worktree', p => p.worktree_s],
  ['agent start (codex + MCP server)', p => p.agent_start_s],
  ['model', p => p.model?.total_s],
  ['  model turns', p => p.model?.turns],
  ['tools', p => p.tools?.total_s],
  ['  tool calls', p => p.tools?.calls],
  ['codex between (sandbox starts, tool search)', codexBetween],
  ['codex run whole', p => p.agent_s],
  ['tests (the action’s run)', p => p.tests_s],
  ['reproduction', p => p.reproduction_s],
  ['policy', p => p.policy_s],
  ['push', p => p.push_s],
  ['PR', p => p.pr_s]
]

const RUN_ROWS: [string, keyof RunPhases][] = [
  ['Sentry listing (run)', 'sentry_s'],
  ['dedup (run)', 'dedup_s'],
  ['ledger (run)', 'ledger_s'],
  ['publish (run)', 'publish_s']
]

export interface PhaseMedians {
  label: string
  issues: number
  /** phase row -> median across the issues that went through it (s), null when none did */
  medians: Record<string, number | null>
  /** the issue's duration_s (work: worktree to the verdict) less its model time: the overhead beyond the model */
  beyond_model_s: number | null
  duration_s: number | null
  /** duration_s less the work phases: the adapter's checks around codex, the diff, the Sentry evidence, files */
  unphased_s: number | null
  run: RunPhases
  per_issue: RunTimes['issues']
}

export function phaseMedians(times: RunTimes): PhaseMedians {
  const medians: Record<string, number | null> = {}
  for (const [name, read] of ISSUE_ROWS) {
    medians[name] = median(times.issues.map(i => read(i.phases)).filter((v): v is number => v !== undefined))
  }
  const durations = times.issues.filter(i => i.duration_s !== null)
  return {
    label: times.label,
    issues: times.issues.length,
    medians,
    duration_s: median(durations.map(i => i.duration_s!)),
    beyond_model_s: median(durations.map(i => i.duration_s! - (i.phases.model?.total_s ?? 0))),
    unphased_s: median(durations.map(i => i.duration_s! - workPhases(i.phases))),
    run: times.run,
    per_issue: times.issues
  }
}

/** The table rows (header first): one column per run. */
export function phaseTable(runs: PhaseMedians[]): (string | number)[][] {
  const cell = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v)
  return [
    ['phase (s; median across the issues)', ...runs.map(r => `${r.label} (${r.issues})`)],
    ...ISSUE_ROWS.map(([name]) => [name, ...runs.map(r => cell(r.medians[name]))]),
    ['issue duration (work)', ...runs.map(r => cell(r.duration_s))],
    ['  not in a phase (pin checks, diff, files)', ...runs.map(r => cell(r.unphased_s))],
    ['  beyond the model', ...runs.map(r => cell(r.beyond_model_s))],
    ...RUN_ROWS.map(([name, key]) => [name, ...runs.map(r => cell(r.run[key]))])
  ]
}
