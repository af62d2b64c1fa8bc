// Stage 1, plan: list, dedup, threshold, order -> Plan. Read-only: it asks Sentry and GitHub, and changes nothing.
import type { Plan } from '../schemas/handoff.js'
import type { Limits, SentryScope } from '../schemas/summary.js'
import { PLAN_VERSION } from '../schemas/handoff.js'
import type { Clock, GitHubReader, Log, SentryApi } from '../ports.js'
import type { Settings } from '../settings/settings.js'
import type { FixState, SentryIssue } from '../domain/types.js'
import { TriageWindow, meetsThreshold, selectIssues } from '../domain/select.js'
import { fixBranch } from '../domain/branch.js'
import { mapLimit } from '../util/map-limit.js'
import { matrixIds } from '../domain/handoff.js'
import type { PhaseTimer, RunPhase } from '../domain/phases.js'

export interface PlanDeps {
  sentry: SentryApi
  github: GitHubReader
  log: Log
  clock: Clock
  /** the run's phase timer: Sentry's listing is `sentry`, the look-up of fixes in flight `dedup` */
  phases?: PhaseTimer<RunPhase>
}

/** Sentry's search terms for this run: the query plus release scoping for post-deploy runs. */
export function issueQuery(query: string, release: string | null): string {
  if (!release) return query
  const quoted = /[\s"]/.test(release) ? `"${release.replace(/"/g, '\\"')}"` : release
  return `${query} firstRelease:${quoted}`
}

/** Page size asked of Sentry: enough for `top` plus slack for issues below the threshold, at most Sentry's 100. */
export function pageSize(top: number): number {
  return Math.min(100, Math.max(25, top * 2))
}

export function sentryScope(settings: Settings): SentryScope {
  return {
    host: settings.sentry.host,
    org: settings.sentry.org,
    projects: settings.sentry.projects,
    query: issueQuery(settings.sentry.query, settings.sentry.release),
    environment: settings.sentry.environment,
    stats_period: settings.sentry.statsPeriod
  }
}

export function limitsOf(settings: Settings): Limits {
  return {
    top: settings.selection.top,
    analyze_top: settings.selection.analyzeTop,
    max_prs: settings.selection.maxPrs,
    min_events: settings.selection.minEvents
  }
}

async function listTriageWindow(settings: Settings, deps: PlanDeps): Promise<SentryIssue[]> {
  const { sentry, log } = deps
  const projects = await sentry.resolveProjects(settings.sentry.projects)
  log.debug(`Sentry projects: ${projects.map(p => `${p.slug}=${p.id}`).join(', ')}`)
  const window = new TriageWindow({ minEvents: settings.selection.minEvents, top: settings.selection.top })
  let pages = 0
  for await (const page of sentry.issuePages({
    projectIds: projects.map(p => p.id),
    query: issueQuery(settings.sentry.query, settings.sentry.release),
    environment: settings.sentry.environment ?? '',
    statsPeriod: settings.sentry.statsPeriod,
    limit: pageSize(settings.selection.top)
  })) {
    pages++
    if (window.add(page)) break
  }
  log.info(`Listed ${window.issues.length} issue(s) from ${pages} page(s) of Sentry results`)
  return window.issues
}

async function fixStates(
  issues: SentryIssue[],
  settings: Settings,
  deps: PlanDeps
): Promise<Map<string, FixState>> {
  const prefix = settings.pr.branchPrefix
  // One paginated matching-refs walk for every fix branch, then one PR look-up per triaged issue: the cost grows with
  // `top` and the number of fix branches, never with the number of open PRs in the repository.
  const branches = new Set(await deps.github.listBranches(prefix))
  deps.log.info(`Found ${branches.size} existing ${prefix}* branch(es)`)
  const qualifying = issues.filter(i => meetsThreshold(i, settings.selection.minEvents))
  const states = await mapLimit(qualifying, 4, async issue => {
    const branch = fixBranch(prefix, issue.shortId)
    const pullRequests = await deps.github.pullRequestsForBranch(branch)
    return [issue.shortId, { branch, branchExists: branches.has(branch), pullRequests }] as const
  })
  return new Map(states)
}

export async function runPlan(settings: Settings, repository: string, deps: PlanDeps): Promise<Plan> {
  const { log } = deps
  const timed = <T>(phase: RunPhase, fn: () => Promise<T>) =>
    deps.phases ? deps.phases.time(phase, fn) : fn()
  const issues = await log.group('Sentry: list the worst unresolved issues', () =>
    timed('sentry', () => listTriageWindow(settings, deps))
  )
  const { base, states } = await log.group('GitHub: find fixes already in flight', () =>
    timed('dedup', async () => {
      const branch = settings.pr.baseBranch ?? (await deps.github.defaultBranch())
      const sha = await deps.github.branchSha(branch)
      log.info(`Base: ${branch} at ${sha}`)
      return { base: { branch, sha }, states: await fixStates(issues, settings, deps) }
    })
  )
  const now = deps.clock.now()
  const selection = selectIssues({
    issues,
    fixStates: states,
    minEvents: settings.selection.minEvents,
    statsPeriod: settings.sentry.statsPeriod,
    branchPrefix: settings.pr.branchPrefix,
    historyDays: settings.selection.historyDays,
    now
  })
  for (const planned of selection.issues) {
    const d = planned.decision
    log.info(
      d.kind === 'skip'
        ? `${planned.facts.short_id}: ${d.disposition} — ${d.reason}`
        : `${planned.facts.short_id}: candidate${d.regressed_from ? ` (fix #${d.regressed_from.number} did not hold)` : ''}`
    )
  }
  return {
    version: PLAN_VERSION,
    created_at: now.toISOString(),
    repository,
    base,
    sentry: sentryScope(settings),
    limits: limitsOf(settings),
    issues: selection.issues,
    candidates: selection.candidates,
    analyze: selection.candidates.slice(0, settings.selection.analyzeTop),
    matrix: matrixIds(selection.candidates, settings.selection.maxPrs, settings.selection.spareCandidates)
  }
}
