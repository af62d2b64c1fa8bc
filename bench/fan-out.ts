// The fan-out row: 12 candidate issues with a slow model, worked by one job (mode fix, default concurrency) and by the
// fan-out (plan, then 6 work jobs at once, then land), each against its own sandbox. Both open the same 12 PRs.
import { readFile } from 'node:fs/promises'
import { runAction } from '../test-support/action-process.js'
import { startAgentSandbox, type AgentSandbox } from '../test-support/sandbox/sandbox.js'
import { makeIssue, makeProject } from '../test-support/sandbox/fake-sentry.js'
import { fakeSha, makeWorld } from '../test-support/sandbox/fake-github.js'
import { sampleExceptions } from '../test-support/sandbox/sample-frames.js'
import { SAMPLE_FIXES } from '../test-support/sandbox/sample-repo.js'
import {
  applyPatchCall,
  byPrompt,
  fixResultMessage,
  mcpCall,
  sequence,
  shellCall,
  type ModelScript
} from '../test-support/sandbox/fake-model.js'
import { runFanOut } from '../test-support/fan-out.js'
import { mergeRunTimes, phaseMedians, runTimes, type PhaseMedians } from './phases.js'

export const FAN_OUT_ISSUES = 12
export const FAN_OUT_PARALLEL = 6
export const FAN_OUT_TURN_MS = 2_000
/** action.yml's default `concurrency` */
const DEFAULT_CONCURRENCY = 2

export interface FanOutBench {
  issues: number
  turn_latency_ms: number
  single_job: { concurrency: number; wall_ms: number; prs: number; exit_code: number | null }
  fan_out: {
    max_parallel: number
    plan_ms: number
    work_phase_ms: number
    slowest_work_ms: number
    land_ms: number
    /** plan + work phase + land, as measured here (every job on this one machine) */
    wall_ms: number
    /** one work job alone on this machine (a one-issue fan-out): what a work job takes on a runner of its own */
    solo_work_ms: number
    /** plan + ceil(issues / max_parallel) x solo work job + land: the critical path with one runner per job */
    critical_path_ms: number
    prs: number
    failed_jobs: number
  }
  speedup: number
  speedup_critical_path: number
  /** where each fix's time went: the one job, and the fan-out (issues from land's summary) */
  phases: PhaseMedians[]
}

/** Twelve issues in one project, most events first; each is API-12's bug as seen from another release. */
function world(): Parameters<typeof startAgentSandbox>[0] {
  const api = makeProject({ id: '11', slug: 'api', name: 'API', platform: 'node' })
  const exception = sampleExceptions()['API-12']
  const recent = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z')
  return {
    sentry: {
      org: 'acme',
      projects: [api],
      issues: Array.from({ length: FAN_OUT_ISSUES }, (_, i) =>
        makeIssue({
          id: String(9100 + i),
          shortId: `API-${100 + i}`,
          project: 'api',
          title: "TypeError: Cannot read properties of undefined (reading 'total')",
          count: 1000 - i * 10,
          lastSeen: recent,
          latestEvent: { exceptions: [exception] }
        })
      )
    },
    github: makeWorld({ branches: { main: fakeSha('main') } })
  }
}

/**
 * Seven turns, as a short real session: read the issue, read the file and its test, patch, run the tests, look at
 * the diff, answer (each turn waits FAN_OUT_TURN_MS at the fake model).
 */
function script(shortId: string): ModelScript {
  const fix = SAMPLE_FIXES['API-12']
  return sequence(
    [mcpCall('get_sentry_resource', { resourceType: 'issue', resourceId: shortId })],
    [shellCall(`cat ${fix.file}`)],
    [shellCall(`ls test`)],
    [applyPatchCall(fix.applyPatch)],
    [shellCall('node --test')],
    [shellCall('git diff --stat')],
    [
      fixResultMessage({
        summary: fix.summary,
        root_cause: fix.root_cause,
        files_changed: [fix.file, fix.testFile],
        tests_run: null,
        tests_passed: null
      })
    ]
  )
}

async function sandbox(): Promise<AgentSandbox> {
  const ids = Array.from({ length: FAN_OUT_ISSUES }, (_, i) => `API-${100 + i}`)
  return startAgentSandbox(world(), {
    model: byPrompt(Object.fromEntries(ids.map(id => [id, script(id)]))),
    modelLatencyMs: FAN_OUT_TURN_MS
  })
}

const INPUTS = {
  'sentry-org': 'acme',
  'sentry-project': 'api',
  'sentry-environment': 'production',
  top: String(FAN_OUT_ISSUES),
  'max-prs': String(FAN_OUT_ISSUES),
  'spare-candidates': '0',
  'min-events': '1',
  'test-command': 'npm test'
}

/** One work job with the machine to itself: a fan-out of one issue. */
async function soloWorkMs(): Promise<number> {
  const s = await sandbox()
  try {
    const fan = await runFanOut(s, { ...INPUTS, top: '1', 'max-prs': '1' }, { timeoutMs: 900_000 })
    try {
      if (fan.work.length !== 1 || fan.work[0]!.run.code !== 0) throw new Error('the solo work job failed')
      return fan.work[0]!.ms
    } finally {
      await fan.cleanup()
    }
  } finally {
    await s.close()
  }
}

export async function fanOutBench(): Promise<FanOutBench> {
  const solo = await soloWorkMs()
  const single = await sandbox()
  let singleJob: FanOutBench['single_job']
  let singlePhases: PhaseMedians
  try {
    const started = performance.now()
    const run = await runAction({
      inputs: { ...single.inputs, ...INPUTS, mode: 'fix' },
      env: single.env,
      workspace: single.checkout.checkout,
      timeoutMs: 900_000,
      ...(process.env.BENCH_ACTION_ENTRY ? { entry: process.env.BENCH_ACTION_ENTRY } : {})
    })
    const wallMs = Math.round(performance.now() - started)
    const summary = run.outputs['summary-file']
      ? (JSON.parse(await readFile(run.outputs['summary-file'], 'utf8')) as {
          totals: { prs_opened: number }
        })
      : null
    if (run.code !== 0) console.error(`[fan-out bench: single job] failed:\n${run.errors.join('\n')}`)
    singleJob = {
      concurrency: DEFAULT_CONCURRENCY,
      wall_ms: wallMs,
      prs: summary?.totals.prs_opened ?? 0,
      exit_code: run.code
    }
    singlePhases = phaseMedians(await runTimes(`one job, concurrency ${DEFAULT_CONCURRENCY}`, run))
    await run.cleanup()
  } finally {
    await single.close()
  }

  const s = await sandbox()
  try {
    const fan = await runFanOut(s, INPUTS, {
      maxParallel: FAN_OUT_PARALLEL,
      timeoutMs: 900_000
    })
    try {
      const summary = fan.land.run.outputs['summary-file']
        ? (JSON.parse(await readFile(fan.land.run.outputs['summary-file'], 'utf8')) as {
            totals: { prs_opened: number }
          })
        : null
      const slowest = Math.max(...fan.work.map(w => w.ms))
      const waves = Math.ceil(FAN_OUT_ISSUES / FAN_OUT_PARALLEL)
      const wall = fan.plan.ms + fan.workPhaseMs + fan.land.ms
      const critical = fan.plan.ms + waves * solo + fan.land.ms
      const round = (x: number) => Math.round(x * 100) / 100
      const land = await runTimes('land', fan.land.run)
      const plan = await runTimes('plan', fan.plan.run)
      return {
        issues: FAN_OUT_ISSUES,
        turn_latency_ms: FAN_OUT_TURN_MS,
        single_job: singleJob,
        fan_out: {
          max_parallel: FAN_OUT_PARALLEL,
          plan_ms: fan.plan.ms,
          work_phase_ms: fan.workPhaseMs,
          slowest_work_ms: slowest,
          solo_work_ms: solo,
          land_ms: fan.land.ms,
          wall_ms: wall,
          critical_path_ms: critical,
          prs: summary?.totals.prs_opened ?? 0,
          failed_jobs: [fan.plan, ...fan.work, fan.land].filter(j => j.run.code !== 0).length
        },
        speedup: round(singleJob.wall_ms / wall),
        speedup_critical_path: round(singleJob.wall_ms / critical),
        phases: [singlePhases, phaseMedians(mergeRunTimes('fan-out', land, [plan, land]))]
      }
    } finally {
      await fan.cleanup()
    }
  } finally {
    await s.close()
  }
}
