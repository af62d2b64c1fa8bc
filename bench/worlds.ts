// Synthetic worlds for the benchmark: N Sentry projects and issues, M open pull requests and K fix branches, built in
// linear time (one pass each, no searches inside loops). Branches live in memory (a Map), not in a bare repository.
import {
  makeIssue,
  makeProject,
  type SentryWorld,
  type SentryWorldIssue
} from '../test-support/sandbox/fake-sentry.js'
import {
  fakeSha,
  makePull,
  makeWorld,
  type GitHubWorld,
  type WorldPull
} from '../test-support/sandbox/fake-github.js'

export interface Scale {
  name: string
  projects: number
  issues: number
  openPrs: number
  fixBranches: number
}

export const SCALES: Scale[] = [
  { name: 'small', projects: 1, issues: 20, openPrs: 10, fixBranches: 0 },
  { name: 'medium', projects: 10, issues: 2_000, openPrs: 1_000, fixBranches: 200 },
  { name: 'large', projects: 50, issues: 20_000, openPrs: 10_000, fixBranches: 2_000 }
]

export const BENCH_MIN_EVENTS = 2

export interface ScaleWorld {
  sentry: SentryWorld
  github: GitHubWorld
  projectSlugs: string[]
  /** issues the action's query can match (unresolved, production), most events first */
  inScope: SentryWorldIssue[]
  buildMs: number
}

/**
 * Issue i (0-based) has `issues - i` events, so Sentry's freq order is the index order, except:
 *   every 4th issue has 1 event (below min-events 2: listed, reported below-threshold, never worked),
 *   every 10th issue is resolved (the query leaves it out).
 * Fix branches: issues 1 and 3 (inside the top window) have fix branches, issue 1 also an open PR from it (so dedup
 * has something to find); the other fix branches belong to issues further down. Half the fix branches have an open
 * PR; the rest of the open PRs come from feature branches.
 */
export function buildScaleWorld(scale: Scale): ScaleWorld {
  const started = performance.now()
  const lastSeen = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z')
  const firstSeen = new Date(Date.now() - 3 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z')
  const projects = Array.from({ length: scale.projects }, (_, p) =>
    makeProject({ id: String(1000 + p), slug: `p${p}`, name: `Project ${p}` })
  )
  const issues: SentryWorldIssue[] = new Array(scale.issues)
  for (let i = 0; i < scale.issues; i++) {
    const p = i % scale.projects
    issues[i] = makeIssue({
      id: String(800_000 + i),
      shortId: `P${p}-${i + 1}`,
      project: `p${p}`,
      title: `TypeError: Cannot read properties of undefined (reading 'f${i}')`,
      count: i % 4 === 2 ? 1 : scale.issues - i,
      userCount: 1 + (i % 17),
      status: i % 10 === 9 ? 'resolved' : 'unresolved',
      lastSeen,
      firstSeen
    })
  }
  const inScope = issues
    .filter(i => i.status === 'unresolved')
    .sort((a, b) => b.count - a.count || a.id.localeCompare(b.id))

  const branches = new Map<string, string>([['main', fakeSha('main')]])
  const pulls: WorldPull[] = []
  let number = 1
  const fixIssues: SentryWorldIssue[] = []
  if (scale.fixBranches > 0) {
    // two inside the top window, the rest spread below it (unresolved ones, in a single pass)
    const top = inScope.filter(i => i.count >= BENCH_MIN_EVENTS)
    fixIssues.push(...[top[1], top[3]].filter((x): x is SentryWorldIssue => x !== undefined))
    for (let k = 50; fixIssues.length < scale.fixBranches && k < top.length; k += 3) fixIssues.push(top[k]!)
  }
  for (const [n, issue] of fixIssues.entries()) {
    const ref = `fix/sentry-${issue.shortId}`
    branches.set(ref, fakeSha(ref))
    // the first (top[1]) has an open PR, the second (top[3]) only its branch; after that every other one has a PR
    const withPr = n === 0 || (n >= 2 && n % 2 === 0)
    if (withPr && pulls.length < scale.openPrs) {
      pulls.push(makePull({ number: number++, head: { ref, sha: branches.get(ref)! } }))
    }
  }
  while (pulls.length < scale.openPrs) {
    const n = number++
    pulls.push(makePull({ number: n, head: `feature/work-${n}`, user: 'octocat', title: `Feature ${n}` }))
  }
  return {
    sentry: { org: 'acme', projects, issues },
    github: makeWorld({ branches, pulls }),
    projectSlugs: projects.map(p => p.slug),
    inScope,
    buildMs: performance.now() - started
  }
}

/** How many list pages of `limit` issues Sentry must serve before `top` issues with >= minEvents events are known. */
export function pagesNeededForTop(
  inScope: SentryWorldIssue[],
  top: number,
  minEvents: number,
  limit: number
): number {
  let qualifying = 0
  for (let i = 0; i < inScope.length; i++) {
    if (inScope[i]!.count >= minEvents) qualifying++
    if (qualifying === top) return Math.floor(i / limit) + 1
  }
  return Math.max(1, Math.ceil(inScope.length / limit))
}

/** The inputs of a triage run over a scale world (the model is never asked in triage; its URL only has to parse). */
export function scaleTriageInputs(
  sandboxInputs: Record<string, string>,
  world: Pick<ScaleWorld, 'projectSlugs'>,
  modelBaseUrl: string
): Record<string, string> {
  return {
    ...sandboxInputs,
    'openai-base-url': modelBaseUrl,
    'sentry-org': 'acme',
    'sentry-project': world.projectSlugs.join(', '),
    'sentry-environment': 'production',
    'min-events': String(BENCH_MIN_EVENTS),
    mode: 'triage'
  }
}
