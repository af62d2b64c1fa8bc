// The whole run as named steps over injected collaborators. It constructs nothing and imports no @actions/* module:
// main.ts wires the real adapters, tests wire fakes.
import type { ArtifactSink, Clock, GitHubReader, Log, RunFiles, SentryApi } from './ports.js'
import type { Settings } from './settings.js'
import type { Plan, RunInfo, TriageSummary } from './schemas.js'
import { runPlan, limitsOf, sentryScope } from './stages/plan.js'
import { ZERO_USAGE, buildSummary, summariseIssues } from './domain/summary.js'
import { errorMessage } from './util/errors.js'

export interface PipelineDeps {
  sentry: SentryApi
  github: GitHubReader
  artifacts: ArtifactSink
  files: RunFiles
  log: Log
  clock: Clock
}

export interface RunIdentity {
  repository: string
  runId: string
  runUrl: string
  event: string
}

export interface RunReport {
  summary: TriageSummary
  /** where triage-summary.json was written, or null when writing it failed */
  summaryFile: string | null
  plan: Plan | null
  /** set when the step must fail (a set-up failure); the summary is still written */
  failure: string | null
}

export const SUMMARY_FILE = 'triage-summary.json'

/** Modes whose stages exist in this version. */
export const IMPLEMENTED_MODES: readonly Settings['mode'][] = ['triage']

export async function runPipeline(
  settings: Settings,
  identity: RunIdentity,
  deps: PipelineDeps
): Promise<RunReport> {
  const startedAt = deps.clock.now()
  let plan: Plan | null = null
  let failure: string | null = null
  try {
    plan = await runPlan(settings, identity.repository, deps)
  } catch (error) {
    failure = errorMessage(error)
    deps.log.warning(`Triage stopped: ${failure}`)
  }

  const issues = plan
    ? summariseIssues(plan, new Map(), shortId => {
        const position = plan!.candidates.indexOf(shortId) + 1
        return {
          disposition: 'triage-only',
          reason: `eligible for a fix (candidate ${position} of ${plan!.candidates.length}); triage mode runs no agent`
        }
      })
    : []
  const run: RunInfo = {
    repository: identity.repository,
    run_id: identity.runId,
    run_url: identity.runUrl,
    event: identity.event,
    mode: settings.mode,
    started_at: startedAt.toISOString(),
    finished_at: deps.clock.now().toISOString(),
    release: settings.sentry.release
  }
  const summary = buildSummary({
    run,
    sentry: sentryScope(settings),
    limits: limitsOf(settings),
    issues,
    usage: ZERO_USAGE,
    error: failure
  })
  const summaryFile = await deps.log.group('Publish the triage summary', () =>
    publish(summary, settings, deps)
  )
  return { summary, summaryFile, plan, failure }
}

/** Writes the summary file and uploads it; a failure here degrades (warning), it does not lose the run's result. */
async function publish(
  summary: TriageSummary,
  settings: Settings,
  deps: PipelineDeps
): Promise<string | null> {
  let file: string
  try {
    file = await deps.files.writeJson(SUMMARY_FILE, summary)
  } catch (error) {
    deps.log.warning(`Could not write ${SUMMARY_FILE}: ${errorMessage(error)}`)
    return null
  }
  deps.log.info(`Summary written to ${file}`)
  // The sink reports success or failure itself; a failed upload keeps the file on disk and the step's outcome.
  await deps.artifacts.upload(settings.artifact.name, [file], {
    rootDir: deps.files.dir,
    retentionDays: settings.artifact.retentionDays
  })
  return file
}
