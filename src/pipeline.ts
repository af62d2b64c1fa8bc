// The whole run as named steps over injected collaborators. It constructs nothing and imports no @actions/* module:
// main.ts wires the real adapters, tests wire fakes.
import type { ArtifactSink, Clock, GitHubReader, LedgerSource, Log, RunFiles, SentryApi } from './ports.js'
import type { Settings } from './settings/settings.js'
import type { Plan, PlanIssue } from './schemas/handoff.js'
import type { RunInfo, TokenUsage, TriageSummary } from './schemas/summary.js'
import type { Ledger } from './schemas/ledger.js'
import { runPlan, limitsOf, sentryScope } from './stages/plan.js'
import { workIssue } from './stages/work.js'
import { landFix } from './stages/land.js'
import { planJob } from './stages/plan-job.js'
import { workJob } from './stages/work-job.js'
import { landJob } from './stages/land-job.js'
import { readPlan } from './stages/handoff-files.js'
import { landInPlanOrder } from './stages/land-loop.js'
import { publish } from './stages/publish.js'
import { unreachedOutcome } from './domain/unreached.js'
import { runBudget } from './domain/token-budget.js'
import type { StageResult } from './stages/stage-result.js'
import { buildLedger } from './stages/ledger.js'
import { qualityVerdict } from './domain/ledger.js'
import { matrixOf } from './domain/handoff.js'
import { MODE_TABLE } from './domain/modes.js'
import type { ModePorts, PortsOf } from './mode-ports.js'
import {
  ZERO_USAGE,
  addUsage,
  buildSummary,
  summariseIssues,
  type CandidateOutcome
} from './domain/summary.js'
import { errorMessage } from './util/errors.js'
import { createPhaseTimer, runPhases, type PhaseTimer, type RunPhase } from './domain/phases.js'

export interface PipelineDeps {
  sentry: SentryApi
  github: GitHubReader
  artifacts: ArtifactSink
  files: RunFiles
  log: Log
  clock: Clock
  /**
   * The mode's own collaborators (the agent, the checkout, the test runner, the lander, the GitHub writer, the
   * fan-out's hand-offs), exactly those its row of the mode table (domain/modes.ts) names. `ports.mode` is the mode
   * they were wired for, and must be settings.mode.
   */
  ports: ModePorts
  /** the action's own secret values (the policy gate refuses a diff that adds one) */
  secrets?: string[]
  /** the action's own commit (GITHUB_ACTION_REF when it is a SHA), for the PR trailer */
  actionSha?: string | null
  /** the action's past PRs, for the fix-quality ledger (used in modes triage, dry-run, fix and land) */
  ledger?: LedgerSource
  /**
   * Whether the run is compromised: state the action relies on changed after code from a fix ran
   * (git-state-guard.ts). Such a run still writes its summary, and the step fails with the reason.
   */
  integrity?: { compromised(): Promise<string | null> }
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
  /** mode plan: the `matrix` output, one work job per issue land may need */
  matrix: { include: { issue: string }[] } | null
  /** set when the step must fail (a set-up failure, or every worked issue failed); the summary is still written */
  failure: string | null
}

export async function runPipeline(
  settings: Settings,
  identity: RunIdentity,
  deps: PipelineDeps
): Promise<RunReport> {
  const startedAt = deps.clock.now()
  const phases = createPhaseTimer<RunPhase>(() => deps.clock.now().getTime())
  let plan: Plan | null = null
  let reported: PlanIssue[] = []
  let failure: string | null = null
  let outcomes = new Map<string, CandidateOutcome>()
  let history: Ledger | null = null
  // Called once the plan is known and before any work, so the PRs this run opens are not counted half-way.
  const ledger = async (known: Plan): Promise<void> => {
    history = await fixQualityLedger(known, settings, deps, phases)
  }
  try {
    const stage = await runStages(settings, identity, { ...deps, phases }, ledger)
    ;({ plan, outcomes, reported } = stage)
  } catch (error) {
    failure = errorMessage(error)
    deps.log.warning(`Run stopped: ${failure}`)
  }

  const compromised = (await deps.integrity?.compromised()) ?? null
  if (compromised !== null) failure = failure ? `${failure}; ${compromised}` : compromised

  const issues = plan
    ? summariseIssues(
        { issues: reported },
        outcomes,
        unreachedOutcome(plan, { mode: settings.mode, maxPrs: settings.selection.maxPrs })
      )
    : []
  const worked = [...outcomes.values()]
  if (
    !failure &&
    MODE_TABLE[settings.mode].failsWhenAllFail &&
    worked.length > 0 &&
    worked.every(o => o.disposition === 'agent-failed' || o.disposition === 'land-failed')
  ) {
    failure = `every worked issue ended in agent-failed or land-failed (${worked.length}); see the summary for each reason`
  }
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
  // a mode that never asks Sentry (land) reports the plan's scope and limits: they are the run's
  const fromPlan = plan !== null && MODE_TABLE[settings.mode].sentry === 'never'
  const summary = buildSummary({
    run,
    sentry: plan && fromPlan ? plan.sentry : sentryScope(settings),
    limits: plan && fromPlan ? plan.limits : limitsOf(settings),
    issues,
    usage: worked.reduce<TokenUsage>((sum, o) => (o.usage ? addUsage(sum, o.usage) : sum), ZERO_USAGE),
    prices: settings.budget.tokenPrices,
    history,
    phases: runPhases(phases),
    error: failure
  })
  const published = await deps.log.group('Publish the triage summary', () =>
    phases.time('publish', () => publish(summary, settings, deps))
  )
  // Publishing writes the summary file, so its own time cannot be in that file: it is added to the summary the run
  // reports (the job summary shows it), while the file carries the run's phases up to publishing.
  const published_s = runPhases(phases)?.publish_s
  const timedSummary: TriageSummary =
    published_s === undefined
      ? summary
      : { ...summary, phases: { ...summary.phases, publish_s: published_s } }
  if ('error' in published) {
    // The summary is the run's contract (written whenever the inputs were valid, README "The summary"): without it the step fails, and
    // the job summary and outputs still carry the result.
    const problem = `the triage summary could not be written: ${published.error}`
    failure = failure ? `${failure}; ${problem}` : problem
    return {
      summary: { ...timedSummary, error: failure },
      summaryFile: null,
      plan,
      matrix: matrixFor(plan),
      failure
    }
  }
  return { summary: timedSummary, summaryFile: published.file, plan, matrix: matrixFor(plan), failure }

  function matrixFor(p: Plan | null): RunReport['matrix'] {
    return MODE_TABLE[settings.mode].matrixOutput && p ? matrixOf(p) : null
  }
}

/** The stages of the mode, dispatched on the ports it was wired with (their type is the mode's row of the table). */
async function runStages(
  settings: Settings,
  identity: RunIdentity,
  deps: PipelineDeps & { phases: PhaseTimer<RunPhase> },
  ledger: (plan: Plan) => Promise<void>
): Promise<StageResult> {
  const { ports } = deps
  if (ports.mode !== settings.mode) {
    throw new Error(`mode ${settings.mode} was wired with the collaborators of mode ${ports.mode}`)
  }
  const secrets = deps.secrets ?? []
  switch (ports.mode) {
    case 'plan':
      return planJob(settings, identity.repository, { ...deps, handoffs: ports.handoffs })
    case 'work':
      return workJob(settings, {
        ...deps,
        agent: ports.agent,
        repo: ports.repo,
        tests: ports.tests,
        handoffs: ports.handoffs,
        secrets
      })
    case 'land': {
      const landDeps = {
        github: deps.github,
        writer: ports.writer,
        lander: ports.lander,
        log: deps.log,
        clock: deps.clock,
        handoffs: ports.handoffs,
        secrets,
        repo: ports.repo
      }
      const plan = await readPlan(landDeps)
      await ledger(plan)
      return landJob(plan, settings, { runUrl: identity.runUrl, actionSha: deps.actionSha ?? null }, landDeps)
    }
    case 'triage': {
      const plan = await runPlan(settings, identity.repository, deps)
      await ledger(plan)
      return { plan, outcomes: new Map(), reported: plan.issues }
    }
    case 'dry-run':
    case 'fix': {
      const plan = await runPlan(settings, identity.repository, deps)
      await ledger(plan)
      const outcomes = await workCandidates(plan, settings, identity, deps, ports)
      return { plan, outcomes, reported: plan.issues }
    }
  }
}

/**
 * The fix-quality ledger of this run (the summary's `history`), or null: in the modes that do not report it, when no
 * ledger source is wired, and when it could not be built. It never fails the run: a failure is a warning. A rate
 * below min-quality over enough closed PRs is a warning annotation.
 */
async function fixQualityLedger(
  plan: Plan,
  settings: Settings,
  deps: PipelineDeps,
  phases: PhaseTimer<RunPhase>
): Promise<Ledger | null> {
  const source = deps.ledger
  if (!source || !MODE_TABLE[settings.mode].reportsLedger) return null
  return deps.log.group('GitHub: the fix-quality ledger', async () => {
    try {
      const history = await phases.time('ledger', () =>
        buildLedger(
          {
            now: deps.clock.now(),
            historyDays: settings.selection.historyDays,
            branchPrefix: settings.pr.branchPrefix,
            authorEmail: settings.pr.author.email,
            listedIssues: plan.issues.map(i => ({
              id: i.facts.id,
              shortId: i.facts.short_id,
              lastSeen: i.facts.last_seen
            }))
          },
          { ledger: source, log: deps.log }
        )
      )
      const verdict = qualityVerdict(history, settings.selection.minQuality)
      if (verdict.kind === 'low') deps.log.warning(verdict.message)
      else if (verdict.kind === 'too-few-closed') {
        deps.log.info(
          `Fix quality: ${verdict.closed} closed PR(s) in the window; min-quality is checked from ${verdict.needed}`
        )
      }
      return history
    } catch (error) {
      deps.log.warning(`${errorMessage(error)}. The run goes on; its summary has no history.`)
      return null
    }
  })
}

/**
 * Works candidates in plan order until max-prs of them have a PR (fix) or a ready fix (dry-run), with bounded
 * concurrency, through the one landing loop (stages/land-loop.ts) that mode land uses too.
 */
async function workCandidates(
  plan: Plan,
  settings: Settings,
  identity: RunIdentity,
  deps: PipelineDeps,
  ports: PortsOf<'dry-run' | 'fix'>
): Promise<Map<string, CandidateOutcome>> {
  const { agent, repo, tests } = ports
  // a mode that lands (fix: its ports hold the lander and the writer) lands each ready fix as it comes
  const lands = 'lander' in ports ? ports : null
  const candidates = plan.candidates.map(id => plan.issues.find(i => i.facts.short_id === id)!) as PlanIssue[]
  // max-tokens-per-run: what the issues worked so far used; once it is reached, no further issue is started
  let runUsage: TokenUsage = ZERO_USAGE
  return landInPlanOrder(
    candidates,
    { maxPrs: settings.selection.maxPrs },
    {
      reportUnstarted: false,
      work: async planned => {
        const budget = runBudget(settings.budget.maxTokensPerRun, runUsage)
        if (budget.kind === 'reached') {
          return {
            kind: 'final',
            outcome: { disposition: 'budget-reached', reason: `not worked: ${budget.reason}` }
          }
        }
        const work = await workIssue(planned, plan, settings, {
          sentry: deps.sentry,
          agent,
          repo,
          tests,
          files: deps.files,
          log: deps.log,
          clock: deps.clock,
          secrets: deps.secrets ?? []
        })
        if (work.outcome.usage) runUsage = addUsage(runUsage, work.outcome.usage)
        return work.ready
          ? { kind: 'ready', outcome: work.outcome, fix: work.ready }
          : { kind: 'final', outcome: work.outcome }
      },
      landing: {
        kind: 'each',
        concurrency: settings.agent.concurrency,
        land: async (planned, ready) => {
          if (!lands) {
            // dry-run: the ready fix is the run's result, and counts toward max-prs as its PR would
            return {
              ...ready.outcome,
              disposition: 'dry-run',
              reason: `${ready.outcome.reason}; dry-run pushes nothing`
            }
          }
          return landFix(
            { planned, fix: ready.fix, worked: ready.outcome },
            { base: plan.base, runUrl: identity.runUrl, actionSha: deps.actionSha ?? null },
            settings,
            {
              github: deps.github,
              writer: lands.writer,
              lander: lands.lander,
              log: deps.log,
              clock: deps.clock
            }
          )
        }
      }
    },
    deps.log
  )
}
