// The fix-quality ledger's GitHub requests at the large scale: the large world (10,000 open PRs of other people, 2,000
// fix branches) plus LEDGER_ACTION_PRS of the action's PRs in the window, a mix of open, merged and closed, marked as
// land.ts marks them, plus some older ones outside the window. The bundled action runs in mode triage (the ledger runs
// in every mode but plan and work); the fake GitHub's request log says what the ledger asked.
//
// Bound: ceil(action PRs in the window / 100) + 2 requests: the GraphQL search brings each PR's first commits along, so
// no PR costs a request of its own (the REST fallback's one commits listing per merged PR would break it). At 0 ms
// latency the ledger adds at most LEDGER_MS_BOUND to the run. BENCH_ACTION_ENTRY runs another bundle than dist/index.js
// (one built with `node scripts/bundle.mjs <dir>`), to measure a change before dist is rebuilt.
import { readFile } from 'node:fs/promises'
import { runAction, type ActionRun } from '../test-support/action-process.js'
import { startSandbox } from '../test-support/sandbox/sandbox.js'
import { startFakeModel } from '../test-support/sandbox/fake-model.js'
import type { RecordedRequest } from '../test-support/sandbox/http-fake.js'
import {
  BRANCH_PREFIX,
  humanCommitsOf,
  inMemoryActionPull,
  type ActionPullSpec,
  type Fate
} from '../test-support/sandbox/ledger-world.js'
import type { Ledger } from '../src/schemas/ledger.js'
import { BENCH_MIN_EVENTS, SCALES, buildScaleWorld, scaleTriageInputs } from './worlds.js'

export const LEDGER_ACTION_PRS = 300
/** the ledger's share of the run's wall time at the large scale, 0 ms latency */
export const LEDGER_MS_BOUND = 1_000
/** the action's older PRs, created before the window: the search must not return them */
const OUTSIDE_WINDOW = 50
/** the merged PRs (by index) with a long review: 150 commits, more than one page of 100 */
const LONG_REVIEWS = new Set([7, 12])
const PER_PAGE = 100
/** injected latency per request of the fakes, as in the triage rows of the bench */
const LATENCIES = [0, 50]

export interface LedgerBench {
  scale: string
  /** every PR of the world (the other PRs plus the action's, in and outside the window) */
  pull_requests_in_repository: number
  action_prs_in_window: number
  action_prs_outside_window: number
  action_prs_merged: number
  action_prs_open: number
  action_prs_closed_unmerged: number
  exit_code: number | null
  /**
   * wall time of the triage run with the action's PRs, and of the same run on the same large world without them (the
   * ledger's one search finds nothing), per injected latency; the difference is the ledger's time
   */
  timings: { latency_ms: number; wall_ms: number; baseline_wall_ms: number }[]
  /** every run exited 0 */
  all_exit_0: boolean
  /** POST /graphql requests the fake GitHub saw (the ledger's search pages over GraphQL) */
  graphql_requests: number
  /** GET /search/issues requests the fake GitHub saw (the REST fallback's search pages) */
  rest_search_pages: number
  /** search pages either way: graphql_requests + rest_search_pages */
  search_pages: number
  /** GET /repos/{o}/{r}/pulls/{n}/commits requests the fake GitHub saw */
  commits_requests: number
  /** search pages + commits requests: the ledger's requests as the fake GitHub counted them */
  ledger_github_requests: number
  /** the summary's history.github_requests: the ledger's own count */
  reported_github_requests: number | null
  /** ceil(in window / 100) + 2 */
  bound: number
  bound_formula: string
  /** GET /repos/{o}/{r}/pulls without head=: a listing of the repository's PRs (must be 0) */
  pull_listings_without_head: number
  /** commits listings of a PR that is not a merged PR of the action (must be 0) */
  commits_of_other_prs: number
  history: Pick<Ledger, 'counts' | 'merged_unmodified_rate' | 'complete'> | null
}

const isSearch = (r: RecordedRequest): boolean => r.method === 'GET' && r.path === '/search/issues'
const isGraphql = (r: RecordedRequest): boolean => r.method === 'POST' && r.path === '/graphql'
const commitsOf = (r: RecordedRequest): number | null => {
  const m = r.method === 'GET' ? /^\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)\/commits$/.exec(r.path) : null
  return m ? Number(m[1]) : null
}

/** The i-th of the action's PRs in the window: every 5th open, every 5th closed unmerged, the rest merged. */
function fateOf(i: number): Fate {
  const mergedDaysAgo = 1 + (i % 80)
  if (i % 5 === 0) return { kind: 'open' }
  if (i % 5 === 1) return { kind: 'closed', closedDaysAgo: mergedDaysAgo }
  if (LONG_REVIEWS.has(i)) {
    return { kind: 'merged', method: 'squash', mergedDaysAgo, humanCommits: 149 }
  }
  if (i % 4 === 3) return { kind: 'merged', method: 'merge', mergedDaysAgo, humanCommits: 1 + (i % 3) }
  return { kind: 'merged', method: (['merge', 'squash', 'rebase'] as const)[i % 3]!, mergedDaysAgo }
}

export async function ledgerBench(): Promise<LedgerBench> {
  const scale = SCALES.find(s => s.name === 'large')!
  const world = buildScaleWorld(scale)
  const now = Date.now()
  // The action's PRs are for issues far below the top window (no fix branch there), except the first merged one,
  // for the top issue: merged 10 days ago, seen an hour ago, so the run lists it and the ledger calls it regressed.
  const qualifying = world.inScope.filter(i => i.count >= BENCH_MIN_EVENTS)
  let number = world.github.pulls.reduce((max, p) => Math.max(max, p.number), 0)
  const specs: ActionPullSpec[] = []
  for (let i = 0; i < LEDGER_ACTION_PRS + OUTSIDE_WINDOW; i++) {
    const inWindow = i < LEDGER_ACTION_PRS
    const issue = i === 2 ? qualifying[0]! : qualifying[7_000 + i]!
    const fate: Fate = inWindow
      ? i === 2
        ? { kind: 'merged', method: 'merge', mergedDaysAgo: 10 }
        : fateOf(i)
      : { kind: 'merged', method: 'squash', mergedDaysAgo: 100 + i }
    const createdDaysAgo =
      fate.kind === 'open'
        ? 1 + (i % 85)
        : inWindow
          ? (fate.kind === 'merged' ? fate.mergedDaysAgo : fate.closedDaysAgo) + 0.5
          : 101 + i
    specs.push({ number: ++number, shortId: issue.shortId, issueId: issue.id, createdDaysAgo, fate })
  }
  const branches = world.github.branches as Map<string, string>
  for (const spec of specs) {
    const pull = inMemoryActionPull(spec, now)
    world.github.pulls.push(pull)
    if (spec.fate.kind === 'open') branches.set(`${BRANCH_PREFIX}${spec.shortId}`, pull.head.sha)
  }
  const inWindow = specs.slice(0, LEDGER_ACTION_PRS)
  const merged = inWindow.filter(s => s.fate.kind === 'merged')
  const searchPages = Math.ceil(inWindow.length / PER_PAGE)
  const bound = searchPages + 2

  // The same large world without the action's PRs: what the run takes when the ledger finds nothing (one search).
  const bare = buildScaleWorld(scale)
  const timings: LedgerBench['timings'] = []
  const codes: (number | null)[] = []
  for (const latencyMs of LATENCIES.slice(1)) {
    const baseline = await triageRun(bare, latencyMs, async () => null)
    const withPrs = await triageRun(world, latencyMs, async () => null)
    codes.push(baseline.code, withPrs.code)
    timings.push({ latency_ms: latencyMs, wall_ms: withPrs.wallMs, baseline_wall_ms: baseline.wallMs })
  }
  const baseline = await triageRun(bare, 0, async () => null)
  return triageRun(world, 0, async (run, gh, wallMs) => {
    let history: Ledger | null = null
    if (run.outputs['summary-file']) {
      history = (
        JSON.parse(await readFile(run.outputs['summary-file'], 'utf8')) as { history: Ledger | null }
      ).history
    }
    const mergedNumbers = new Set(world.github.pulls.filter(p => p.merged_at !== null).map(p => p.number))
    const ours = new Set(merged.map(s => s.number))
    const commits = gh.map(commitsOf).filter((n): n is number => n !== null)
    const graphql = gh.filter(isGraphql).length
    const restSearch = gh.filter(isSearch).length
    const search = graphql + restSearch
    return {
      scale: scale.name,
      pull_requests_in_repository: world.github.pulls.length,
      action_prs_in_window: inWindow.length,
      action_prs_outside_window: OUTSIDE_WINDOW,
      action_prs_merged: merged.length,
      action_prs_open: inWindow.filter(s => s.fate.kind === 'open').length,
      action_prs_closed_unmerged: inWindow.filter(s => s.fate.kind === 'closed').length,
      exit_code: run.code,
      timings: [{ latency_ms: 0, wall_ms: wallMs, baseline_wall_ms: baseline.wallMs }, ...timings],
      all_exit_0: [...codes, baseline.code, run.code].every(c => c === 0),
      graphql_requests: graphql,
      rest_search_pages: restSearch,
      search_pages: search,
      commits_requests: commits.length,
      ledger_github_requests: search + commits.length,
      reported_github_requests: history?.github_requests ?? null,
      bound,
      bound_formula: `ceil(${inWindow.length}/${PER_PAGE}) search pages + 2 (${merged.length} merged PRs, ${
        merged.filter(s => humanCommitsOf(s.fate) >= PER_PAGE).length
      } of them with more than ${PER_PAGE} commits)`,
      pull_listings_without_head: gh.filter(
        r => r.method === 'GET' && /^\/repos\/[^/]+\/[^/]+\/pulls$/.test(r.path) && !r.query.get('head')
      ).length,
      commits_of_other_prs: commits.filter(n => !ours.has(n) || !mergedNumbers.has(n)).length,
      history: history
        ? {
            counts: history.counts,
            merged_unmodified_rate: history.merged_unmodified_rate,
            complete: history.complete
          }
        : null
    }
  }).then(r => r.result)
}

/** The ledger's checks, for run.ts: its request bound, its time bound, its own count, what it never asks. */
export function ledgerChecks(l: LedgerBench): { name: string; pass: boolean; detail: string }[] {
  const at0 = l.timings.find(t => t.latency_ms === 0)
  const ms = at0 ? at0.wall_ms - at0.baseline_wall_ms : null
  return [
    {
      name: 'ledger: action exits 0, with and without the PRs',
      pass: l.all_exit_0,
      detail: `exit ${l.exit_code}${l.all_exit_0 ? '' : ' (a timing run failed)'}`
    },
    {
      name: 'ledger: GitHub requests <= ceil(action PRs in window / 100) + 2',
      pass: l.ledger_github_requests <= l.bound,
      detail: `${l.ledger_github_requests} <= ${l.bound} (${l.bound_formula})`
    },
    {
      name: `ledger: adds <= ${LEDGER_MS_BOUND} ms at the ${l.scale} scale, 0 ms latency`,
      pass: ms !== null && ms <= LEDGER_MS_BOUND,
      detail: `${ms ?? 'n/a'} ms (${at0?.wall_ms ?? 'n/a'} - ${at0?.baseline_wall_ms ?? 'n/a'} without the PRs)`
    },
    {
      name: 'ledger: its reported request count matches the fake GitHub',
      pass: l.reported_github_requests === l.ledger_github_requests,
      detail: `${l.reported_github_requests} reported, ${l.ledger_github_requests} seen`
    },
    {
      name: "ledger: never lists the repository's PRs, nor the commits of a PR that is not a merged PR of the action",
      pass: l.pull_listings_without_head === 0 && l.commits_of_other_prs === 0,
      detail: `${l.pull_listings_without_head} listing(s), ${l.commits_of_other_prs} other commits listing(s)`
    }
  ]
}

/** The bundled action in mode triage against `world`, and what `inspect` makes of the run. */
async function triageRun<T>(
  world: ReturnType<typeof buildScaleWorld>,
  latencyMs: number,
  inspect: (run: ActionRun, github: RecordedRequest[], wallMs: number) => Promise<T>
): Promise<{ wallMs: number; code: number | null; result: T }> {
  const sandbox = await startSandbox(world, { latencyMs })
  const model = await startFakeModel(() => ({ kind: 'hang' }))
  try {
    const started = performance.now()
    const run = await runAction({
      ...(process.env.BENCH_ACTION_ENTRY ? { entry: process.env.BENCH_ACTION_ENTRY } : {}),
      inputs: scaleTriageInputs(sandbox.inputs, world, model.baseUrl),
      env: sandbox.env,
      timeoutMs: 120_000
    })
    const wallMs = Math.round(performance.now() - started)
    try {
      if (run.code !== 0) console.error(`[ledger] action failed:\n${run.errors.join('\n')}`)
      return { wallMs, code: run.code, result: await inspect(run, sandbox.github.requests, wallMs) }
    } finally {
      await run.cleanup()
    }
  } finally {
    await Promise.all([sandbox.close(), model.close()])
  }
}
