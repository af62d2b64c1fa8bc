// The one place that says what each mode does and needs. Every other mode list reads this table:
// the pipeline's dispatch and publishing, main.ts's wiring, the settings' mode rules and the platform check. A new
// mode must be placed here, or nothing compiles.
import type { Mode } from './types.js'

/**
 * The collaborators a mode needs beyond the ones every mode gets (Sentry, the GitHub reader, the artifact sink, the
 * run folder, the log and the clock). src/mode-ports.ts maps each name to its ports.ts interface.
 */
export type Port = 'handoffs' | 'writer' | 'lander' | 'repo' | 'agent' | 'tests'

/** What the runner must be, and for a Linux-only mode what the user can do instead (domain/platform.ts). */
export type RunnerNeed = { needs: 'any' } | { needs: 'linux'; instead: string }

export interface ModeRow {
  /**
   * How the mode talks to Sentry: `lists` the worst issues (the plan stage), reads `one-issue`'s evidence (a work job,
   * from the plan it downloads), or `never` (land: the plan's scope and limits are the run's).
   */
  sentry: 'lists' | 'one-issue' | 'never'
  /** checks GitHub for a fix already in flight: the plan's dedup, and the re-check before each push */
  dedups: boolean
  /** runs the Codex agent and the action's test command (and so needs a model key and a Linux runner) */
  runsAgent: boolean
  /** commits, pushes and opens pull requests */
  lands: boolean
  /** hands off to the other jobs of the fan-out through the run's artifacts (plan.json, work-<SHORTID>/) */
  handsOff: boolean
  /** uploads the summary as the `artifact-name` artifact (plan and work hand off their own artifacts instead) */
  uploadsSummary: boolean
  /**
   * reports the fix-quality ledger. Not plan (land, later in the same run, reports it) and not work: parallel work
   * jobs would spend GitHub's search budget (30 requests a minute) on a ledger nobody reads.
   */
  reportsLedger: boolean
  /** works the one issue the `issue` input names (a work job of the fan-out), instead of the plan's candidates */
  oneIssue: boolean
  /** sets the `matrix` output: one work job per issue land may need */
  matrixOutput: boolean
  /**
   * fails the step when every issue it worked ended agent-failed or land-failed. Not a work job: it sees one issue,
   * and land, seeing every work job's outcome, applies the rule for the fan-out.
   */
  failsWhenAllFail: boolean
  runner: RunnerNeed
  /** the ports main.ts wires and the pipeline's types require, in wiring order */
  ports: readonly Port[]
  /** ports main.ts wires when it can, which the mode uses when present and does without otherwise */
  optionalPorts: readonly Port[]
}

const MOVE_JOB = 'Move this job to such a runner'
const TRIAGE_INSTEAD = 'or use mode triage on this runner: it lists and reports the issues without the agent'

export const MODE_TABLE = {
  triage: {
    sentry: 'lists',
    dedups: true,
    runsAgent: false,
    lands: false,
    handsOff: false,
    uploadsSummary: true,
    reportsLedger: true,
    oneIssue: false,
    matrixOutput: false,
    failsWhenAllFail: true,
    runner: { needs: 'any' },
    ports: [],
    optionalPorts: []
  },
  'dry-run': {
    sentry: 'lists',
    dedups: true,
    runsAgent: true,
    lands: false,
    handsOff: false,
    uploadsSummary: true,
    reportsLedger: true,
    oneIssue: false,
    matrixOutput: false,
    failsWhenAllFail: true,
    runner: { needs: 'linux', instead: `${MOVE_JOB}, ${TRIAGE_INSTEAD}.` },
    ports: ['repo', 'agent', 'tests'],
    optionalPorts: []
  },
  fix: {
    sentry: 'lists',
    dedups: true,
    runsAgent: true,
    lands: true,
    handsOff: false,
    uploadsSummary: true,
    reportsLedger: true,
    oneIssue: false,
    matrixOutput: false,
    failsWhenAllFail: true,
    runner: { needs: 'linux', instead: `${MOVE_JOB}, ${TRIAGE_INSTEAD}.` },
    ports: ['writer', 'lander', 'repo', 'agent', 'tests'],
    optionalPorts: []
  },
  plan: {
    sentry: 'lists',
    dedups: true,
    runsAgent: false,
    lands: false,
    handsOff: true,
    uploadsSummary: false,
    reportsLedger: false,
    oneIssue: false,
    matrixOutput: true,
    failsWhenAllFail: true,
    runner: { needs: 'any' },
    ports: ['handoffs'],
    optionalPorts: []
  },
  work: {
    sentry: 'one-issue',
    dedups: false,
    runsAgent: true,
    lands: false,
    handsOff: true,
    uploadsSummary: false,
    reportsLedger: false,
    oneIssue: true,
    matrixOutput: false,
    failsWhenAllFail: false,
    runner: {
      needs: 'linux',
      instead: `Move the work jobs to such a runner (the plan and land jobs may stay on this one), ${TRIAGE_INSTEAD}.`
    },
    ports: ['handoffs', 'repo', 'agent', 'tests'],
    optionalPorts: []
  },
  land: {
    sentry: 'never',
    dedups: true,
    runsAgent: false,
    lands: true,
    handsOff: true,
    uploadsSummary: true,
    reportsLedger: true,
    oneIssue: false,
    matrixOutput: false,
    failsWhenAllFail: true,
    runner: { needs: 'any' },
    ports: ['handoffs', 'writer', 'lander'],
    // the checkout at the base commit, for the policy's look at a package.json; without it such a fix is refused
    optionalPorts: ['repo']
  }
} as const satisfies Record<Mode, ModeRow>

export type ModeTable = typeof MODE_TABLE
