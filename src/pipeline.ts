// The whole run as named steps over injected collaborators. It constructs nothing and imports no @actions/* module:
// main.ts wires the real adapters, tests wire fakes.
import path from 'node:path'
import type {
  Agent,
  ArtifactSink,
  Clock,
  GitHubReader,
  GitHubWriter,
  Handoffs,
  Lander,
  LedgerSource,
  Log,
  Repo,
  RunFiles,
  SentryApi,
  TestRunner
} from './ports.js'
import type { Settings } from './settings.js'
import type { Plan, PlanIssue, RunInfo, TokenUsage, TriageSummary } from './schemas.js'
import type { History } from './schemas-history.js'
import { runPlan, limitsOf, sentryScope } from './stages/plan.js'
import { workIssue } from './stages/work.js'
import { landFix } from './stages/land.js'
import { landPlan, planStage, readPlan, workStage } from './stages/fan-out.js'
import { buildHistory } from './stages/ledger.js'
import { qualityVerdict } from './domain/ledger.js'
import { matrixOf } from './stages/handoff.js'
import {
  ZERO_USAGE,
  addUsage,
  buildSummary,
  summariseIssues,
  type CandidateOutcome
} from './domain/summary.js'
import { workUntil } from './util/work-until.js'
import { errorMessage } from './util/errors.js'

export interface PipelineDeps {
  sentry: SentryApi
  github: GitHubReader
  artifacts: ArtifactSink
  files: RunFiles
  log: Log
  clock: Clock
  /**
   * the agent, the checkout and the test runner: wired only for the modes that run the agent (the checkout in mode
   * land too, where the policy reads a package.json at the base commit from it)
   */
  agent?: Agent
  repo?: Repo
  tests?: TestRunner
  /** commit + push and PR creation: wired only for the modes that land fixes */
  lander?: Lander
  writer?: GitHubWriter
  /** the action's own secret values (the policy gate refuses a diff that adds one) */
  secrets?: string[]
  /** the run's artifacts between the fanned-out stages: wired only for modes plan, work and land */
  handoffs?: Handoffs
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

export const SUMMARY_FILE = 'triage-summary.json'
/**
 * What the artifact holds: the summary, the plan, and per worked issue its result, patch, audit log and test log.
 * Codex's raw event stream stays on the runner: it carries everything the agent read, and the audit log is its digest.
 */
export const ARTIFACT_FILES =
  /^(triage-summary\.json|plan\.json|work-[A-Za-z0-9_-]+\/((attempt-\d+\/)?audit\.jsonl|result\.json|fix\.patch|tests\.log))$/

/** Modes that upload the summary as the `artifact-name` artifact: plan and work hand off their own artifacts. */
const SUMMARY_ARTIFACT_MODES: readonly Settings['mode'][] = ['triage', 'dry-run', 'fix', 'land']
/** Modes that run the agent (and need a checkout and a model key). */
export const AGENT_MODES: readonly Settings['mode'][] = ['dry-run', 'fix', 'work']
/**
 * Modes that report the fix-quality ledger. Not plan (land, later in the same run, reports it) and not work: parallel
 * work jobs would spend GitHub's search budget (30 requests a minute) on a ledger nobody reads.
 */
const LEDGER_MODES: readonly Settings['mode'][] = ['triage', 'dry-run', 'fix', 'land']

export async function runPipeline(
  settings: Settings,
  identity: RunIdentity,
  deps: PipelineDeps
): Promise<RunReport> {
  const startedAt = deps.clock.now()
  let plan: Plan | null = null
  let reported: PlanIssue[] = []
  let failure: string | null = null
  let outcomes = new Map<string, CandidateOutcome>()
  let history: History | null = null
  // Called once the plan is known and before any work, so the PRs this run opens are not counted half-way.
  const ledger = async (known: Plan): Promise<void> => {
    history = await fixQualityLedger(known, settings, deps)
  }
  try {
    const stage = await runStages(settings, identity, deps, ledger)
    ;({ plan, outcomes, reported } = stage)
  } catch (error) {
    failure = errorMessage(error)
    deps.log.warning(`Run stopped: ${failure}`)
  }

  const compromised = (await deps.integrity?.compromised()) ?? null
  if (compromised !== null) failure = failure ? `${failure}; ${compromised}` : compromised

  const issues = plan ? summariseIssues({ issues: reported }, outcomes, fallbackFor(plan, settings)) : []
  const worked = [...outcomes.values()]
  // A work job reports its one issue; land, seeing every work job's outcome, applies the rule for the fan-out.
  if (
    !failure &&
    settings.mode !== 'work' &&
    worked.length > 0 &&
    worked.every(o => o.disposition === 'agent-failed')
  ) {
    failure = `every worked issue ended in agent-failed (${worked.length}); see the summary for each reason`
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
  const summary = buildSummary({
    run,
    // land never asks Sentry: the plan's scope and limits are the run's
    sentry: plan && settings.mode === 'land' ? plan.sentry : sentryScope(settings),
    limits: plan && settings.mode === 'land' ? plan.limits : limitsOf(settings),
    issues,
    usage: worked.reduce<TokenUsage>((sum, o) => (o.usage ? addUsage(sum, o.usage) : sum), ZERO_USAGE),
    history,
    error: failure
  })
  const published = await deps.log.group('Publish the triage summary', () => publish(summary, settings, deps))
  if ('error' in published) {
    // The summary is the run's contract (DESIGN: written whenever inputs were valid): without it the step fails, and
    // the job summary and outputs still carry the result.
    const problem = `the triage summary could not be written: ${published.error}`
    failure = failure ? `${failure}; ${problem}` : problem
    return {
      summary: { ...summary, error: failure },
      summaryFile: null,
      plan,
      matrix: matrixFor(plan),
      failure
    }
  }
  return { summary, summaryFile: published.file, plan, matrix: matrixFor(plan), failure }

  function matrixFor(p: Plan | null): RunReport['matrix'] {
    return settings.mode === 'plan' && p ? matrixOf(p) : null
  }
}

interface Stages {
  plan: Plan
  outcomes: Map<string, CandidateOutcome>
  reported: PlanIssue[]
}

async function runStages(
  settings: Settings,
  identity: RunIdentity,
  deps: PipelineDeps,
  ledger: (plan: Plan) => Promise<void>
): Promise<Stages> {
  const secrets = deps.secrets ?? []
  switch (settings.mode) {
    case 'plan':
      return planStage(settings, identity.repository, { ...deps, handoffs: need(deps.handoffs, 'handoffs') })
    case 'work':
      return workStage(settings, {
        ...deps,
        agent: need(deps.agent, 'agent'),
        repo: need(deps.repo, 'repo'),
        tests: need(deps.tests, 'tests'),
        handoffs: need(deps.handoffs, 'handoffs'),
        secrets
      })
    case 'land': {
      const landDeps = {
        github: deps.github,
        writer: need(deps.writer, 'writer'),
        lander: need(deps.lander, 'lander'),
        log: deps.log,
        handoffs: need(deps.handoffs, 'handoffs'),
        secrets,
        repo: deps.repo
      }
      const plan = await readPlan(landDeps)
      await ledger(plan)
      return landPlan(
        plan,
        settings,
        { runUrl: identity.runUrl, actionSha: deps.actionSha ?? null },
        landDeps
      )
    }
    default: {
      const plan = await runPlan(settings, identity.repository, deps)
      await ledger(plan)
      const outcomes = AGENT_MODES.includes(settings.mode)
        ? await workCandidates(plan, settings, identity, deps)
        : new Map<string, CandidateOutcome>()
      return { plan, outcomes, reported: plan.issues }
    }
  }
}

/**
 * The fix-quality ledger of this run (DESIGN §2, `history`), or null: in the modes that do not report it, when no
 * ledger source is wired, and when it could not be built. It never fails the run: a failure is a warning. A rate
 * below min-quality over enough closed PRs is a warning annotation.
 */
async function fixQualityLedger(plan: Plan, settings: Settings, deps: PipelineDeps): Promise<History | null> {
  const source = deps.ledger
  if (!source || !LEDGER_MODES.includes(settings.mode)) return null
  return deps.log.group('GitHub: the fix-quality ledger', async () => {
    try {
      const history = await buildHistory(
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

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`this mode needs ${what}, which was not wired`)
  return value
}

/** Candidates that no stage reached: triage-only in triage mode, cap-reached otherwise. */
function fallbackFor(plan: Plan, settings: Settings): (shortId: string) => CandidateOutcome {
  return shortId => {
    if (settings.mode === 'plan') {
      return plan.matrix.includes(shortId)
        ? {
            disposition: 'triage-only',
            reason: `planned: a work job works it (${plan.matrix.indexOf(shortId) < plan.limits.max_prs ? 'primary' : 'spare'}); the land job's summary has its outcome`
          }
        : {
            disposition: 'cap-reached',
            reason: `not worked: beyond max-prs ${plan.limits.max_prs} + spare-candidates ${plan.matrix.length - Math.min(plan.matrix.length, plan.limits.max_prs)}`
          }
    }
    if (settings.mode === 'land') {
      return {
        disposition: 'cap-reached',
        reason: `not worked: beyond max-prs ${plan.limits.max_prs} + the plan's spare candidates`
      }
    }
    if (settings.mode === 'triage') {
      const position = plan.candidates.indexOf(shortId) + 1
      return {
        disposition: 'triage-only',
        reason: `eligible for a fix (candidate ${position} of ${plan.candidates.length}); triage mode runs no agent`
      }
    }
    return {
      disposition: 'cap-reached',
      reason: `not worked: max-prs ${settings.selection.maxPrs} fix(es) were ready before this issue's turn`
    }
  }
}

/**
 * Works candidates in plan order until max-prs of them have a PR (fix) or a ready fix (dry-run), with bounded
 * concurrency; a candidate that ends without one is back-filled by the next. The cap is enforced here, in code.
 */
async function workCandidates(
  plan: Plan,
  settings: Settings,
  identity: RunIdentity,
  deps: PipelineDeps
): Promise<Map<string, CandidateOutcome>> {
  const { agent, repo, tests } = deps
  if (!agent || !repo || !tests)
    throw new Error(`mode ${settings.mode} needs the agent, the checkout and a test runner`)
  const landing = settings.mode === 'fix'
  if (landing && (!deps.lander || !deps.writer))
    throw new Error('mode fix needs the lander and the GitHub writer')
  const candidates = plan.candidates.map(id => plan.issues.find(i => i.facts.short_id === id)!) as PlanIssue[]
  const results = await workUntil(
    candidates,
    { goal: settings.selection.maxPrs, concurrency: settings.agent.concurrency },
    planned =>
      deps.log.group(`Issue ${planned.facts.short_id}`, async () => {
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
        if (!work.ready) return { shortId: work.shortId, outcome: work.outcome, counts: false }
        if (!landing) return { shortId: work.shortId, outcome: work.outcome, counts: true }
        const outcome = await landFix(
          planned,
          work.ready,
          work.outcome,
          { base: plan.base, runUrl: identity.runUrl, actionSha: deps.actionSha ?? null },
          settings,
          { github: deps.github, writer: deps.writer!, lander: deps.lander!, log: deps.log }
        )
        return { shortId: work.shortId, outcome, counts: outcome.disposition === 'pr-opened' }
      }),
    result => result.counts
  )
  return new Map([...results.values()].map(r => [r.shortId, r.outcome]))
}

/**
 * Writes the summary file and uploads it. A failed write is returned (the step then fails, the run's result is kept
 * for the job summary and outputs); a failed upload only warns, the file stays on disk.
 */
async function publish(
  summary: TriageSummary,
  settings: Settings,
  deps: PipelineDeps
): Promise<{ file: string } | { error: string }> {
  let file: string
  try {
    file = await deps.files.writeJson(SUMMARY_FILE, summary)
  } catch (error) {
    const where = path.join(deps.files.dir, SUMMARY_FILE)
    deps.log.warning(`Could not write ${where}: ${errorMessage(error)}`)
    return { error: `${where}: ${errorMessage(error)}` }
  }
  deps.log.info(`Summary written to ${file}`)
  if (!SUMMARY_ARTIFACT_MODES.includes(settings.mode)) return { file }
  // The sink reports success or failure itself; a failed upload keeps the file on disk and the step's outcome.
  const files = (await deps.files.list()).filter(name => ARTIFACT_FILES.test(name))
  await deps.artifacts.upload(
    settings.artifact.name,
    files.map(name => path.join(deps.files.dir, name)),
    {
      rootDir: deps.files.dir,
      retentionDays: settings.artifact.retentionDays
    }
  )
  return { file }
}
