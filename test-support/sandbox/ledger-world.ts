// The action's own past pull requests, for the fix-quality ledger: marked exactly as land.ts marks them (branch
// branch-prefix + short id, the `labels` input plus the marker label, prBody's trailer naming the pushed commit), with
// their commits either real (in a sandbox's bare git remote, for the end-to-end test) or in memory (for the bench).
//
// A PR's commit list is its branch's commits whatever the merge method, as on GitHub: a merge commit, a squash and a
// rebase merge of the action's one commit all leave [that commit]; the merge method only decides merge_commit_sha.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { commitMessage, prBody, prTitle, prTrailer } from '../../src/domain/pr-text.js'
import type { LedgerCommit, LedgerPullRequest, LedgerSource } from '../../src/ports.js'
import { withLedgerLabel } from '../../src/domain/ledger.js'
import { fakeSha, makePull, type WorldCommit, type WorldPull } from './fake-github.js'
import { git } from './sample-repo.js'

const DAY = 86_400_000

/** action.yml's defaults, as the action runs with them */
export const ACTION_AUTHOR = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com'
}
export const ACTION_LABELS = withLedgerLabel(['sentry', 'automated-fix'])
export const BRANCH_PREFIX = 'fix/sentry-'
const HUMAN = { name: 'Dana Reviewer', email: 'dana@shop.example' }

export type MergeMethod = 'merge' | 'squash' | 'rebase'

export type Fate =
  | { kind: 'open' }
  | {
      kind: 'merged'
      method: MergeMethod
      mergedDaysAgo: number
      /** review commits a person pushed on top of the action's */
      humanCommits?: number
      /** a person pressed "Update branch": a merge of the moved base into the PR (a human commit too) */
      updateBranch?: boolean
    }
  | { kind: 'closed'; closedDaysAgo: number }

export interface ActionPullSpec {
  number: number
  shortId: string
  /** the Sentry issue id the trailer names */
  issueId: string
  createdDaysAgo: number
  fate: Fate
  /** the action's PR as a person may leave it: a body without the trailer (the label added by hand) */
  body?: string
}

/** The human commits a merged PR carries (review commits plus an "Update branch" merge). */
export function humanCommitsOf(fate: Fate): number {
  return fate.kind === 'merged' ? (fate.humanCommits ?? 0) + (fate.updateBranch ? 1 : 0) : 0
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function facts(spec: ActionPullSpec, now: number) {
  return {
    id: spec.issueId,
    short_id: spec.shortId,
    project: spec.shortId.split('-')[0]!.toLowerCase(),
    title: `TypeError: Cannot read properties of undefined (reading 'x${spec.number}')`,
    culprit: null,
    level: 'error',
    events: 40,
    users: 7,
    first_seen: iso(now - (spec.createdDaysAgo + 2) * DAY),
    last_seen: iso(now - (spec.createdDaysAgo + 0.5) * DAY),
    permalink: `https://acme.sentry.io/issues/${spec.issueId}/`
  }
}

const result = (shortId: string) => ({
  status: 'fixed' as const,
  summary: `Guard ${shortId}'s missing value`,
  root_cause: 'A value read before it was set.',
  confidence: 'high' as const,
  files_changed: [`src/guards/${shortId.toLowerCase()}.js`],
  tests_run: null,
  tests_passed: null,
  notes: ''
})

/** The fix commit's message, as land.ts writes it. */
export function actionCommitMessage(spec: ActionPullSpec, now: number): string {
  const r = result(spec.shortId)
  return commitMessage({
    shortId: spec.shortId,
    summary: r.summary,
    rootCause: r.root_cause,
    permalink: facts(spec, now).permalink
  })
}

/**
 * One of the action's PRs as GitHub holds it. `shas`: the action's pushed commit (the trailer's `commit`), the head
 * (the last commit of the branch), the base the PR compares with, and the merge result when merged.
 */
export function actionPull(
  spec: ActionPullSpec,
  shas: { commit: string; head: string; base?: string; merge?: string },
  now: number,
  commits?: WorldCommit[]
): WorldPull {
  const branch = `${BRANCH_PREFIX}${spec.shortId}`
  const r = result(spec.shortId)
  const created = now - spec.createdDaysAgo * DAY
  const body =
    spec.body ??
    prBody({
      issue: facts(spec, now),
      result: r,
      filesChanged: [{ path: r.files_changed[0]!, additions: 2, deletions: 1 }],
      tests: null,
      regressedFrom: null,
      runUrl: `https://github.com/acme/shop/actions/runs/${4000 + spec.number}`,
      actionSha: null,
      branch,
      commitSha: shas.commit
    })
  const fate = spec.fate
  return makePull({
    number: spec.number,
    head: { ref: branch, sha: shas.head },
    base: shas.base ? { ref: 'main', sha: shas.base } : 'main',
    title: prTitle({ shortId: spec.shortId, summary: r.summary }),
    body,
    labels: [...ACTION_LABELS],
    created_at: iso(created),
    ...(fate.kind === 'merged'
      ? { merged_at: iso(now - fate.mergedDaysAgo * DAY), merge_commit_sha: shas.merge ?? null }
      : {}),
    ...(fate.kind === 'closed' ? { closed_at: iso(now - fate.closedDaysAgo * DAY) } : {}),
    ...(commits ? { commits } : {})
  })
}

/** An action PR whose commits live only in the fake GitHub's memory (no git remote): the bench's large worlds. */
export function inMemoryActionPull(spec: ActionPullSpec, now: number): WorldPull {
  const created = iso(now - spec.createdDaysAgo * DAY)
  const action: WorldCommit = {
    sha: fakeSha(`action:${spec.number}`),
    message: actionCommitMessage(spec, now),
    author: { ...ACTION_AUTHOR, date: created },
    login: 'github-actions[bot]',
    parents: [fakeSha('main')]
  }
  const human = Array.from({ length: humanCommitsOf(spec.fate) }, (_, i): WorldCommit => ({
    sha: fakeSha(`human:${spec.number}:${i}`),
    message: `Review: handle the empty case (${i + 1})`,
    author: { ...HUMAN, date: created },
    login: 'dana',
    parents: [i === 0 ? action.sha : fakeSha(`human:${spec.number}:${i - 1}`)]
  }))
  const commits = [action, ...human]
  const head = commits.at(-1)!.sha
  return actionPull(spec, { commit: action.sha, head, merge: fakeSha(`merge:${spec.number}`) }, now, commits)
}

/**
 * The PRs' commits made for real in a bare git remote (from `baseSha`, which stays main's tip: the checkout's base
 * does not move), and the PRs as GitHub holds them. What GitHub keeps is pushed: every PR's head as refs/pull/N/head,
 * a merged PR's merge result as refs/pull/N/merge (a merge commit, a squash commit, or the rebased copies), and the
 * branch of an open PR. Merged and closed PRs' branches are gone, as after "Automatically delete head branches".
 */
export async function seedActionPulls(
  remote: { bare: string; baseSha: string },
  specs: readonly ActionPullSpec[],
  now: number
): Promise<WorldPull[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sct-ledger-seed-'))
  try {
    await git(dir, ['clone', '--quiet', remote.bare, '.'])
    const pulls: WorldPull[] = []
    const refspecs: string[] = []
    for (const spec of specs) {
      const created = now - spec.createdDaysAgo * DAY
      const at = (ms: number) => ({ date: iso(ms) })
      const as = (who: { name: string; email: string }) => ({
        GIT_AUTHOR_NAME: who.name,
        GIT_AUTHOR_EMAIL: who.email,
        GIT_COMMITTER_NAME: who.name,
        GIT_COMMITTER_EMAIL: who.email
      })
      const file = `src/guards/${spec.shortId.toLowerCase()}.js`
      const write = async (text: string) => {
        await mkdir(path.join(dir, 'src/guards'), { recursive: true })
        await writeFile(path.join(dir, file), text)
        await git(dir, ['add', file])
      }
      // the action's commit, on main's tip, by the action's identity
      await git(dir, ['checkout', '--quiet', '--detach', remote.baseSha])
      await write(`export const guarded${spec.number} = value => value ?? null\n`)
      await git(dir, ['commit', '--quiet', '-m', actionCommitMessage(spec, now)], {
        ...at(created),
        env: as(ACTION_AUTHOR)
      })
      const commit = await git(dir, ['rev-parse', 'HEAD'])
      let base = remote.baseSha
      const fate = spec.fate
      if (fate.kind === 'merged') {
        for (let i = 0; i < (fate.humanCommits ?? 0); i++) {
          await write(`export const guarded${spec.number} = value => value ?? ${i}\n`)
          await git(dir, ['commit', '--quiet', '-m', `Review: handle the empty case (${i + 1})`], {
            ...at(created + (i + 1) * 3_600_000),
            env: as(HUMAN)
          })
        }
        if (fate.updateBranch) {
          // main moved on (another PR merged); "Update branch" merges it into the PR, authored by who pressed it
          const head = await git(dir, ['rev-parse', 'HEAD'])
          await git(dir, ['checkout', '--quiet', '--detach', remote.baseSha])
          await writeFile(path.join(dir, `NOTES-${spec.number}.md`), 'Another change on main.\n')
          await git(dir, ['add', `NOTES-${spec.number}.md`])
          await git(dir, ['commit', '--quiet', '-m', 'docs: a note'], { ...at(created), env: as(HUMAN) })
          base = await git(dir, ['rev-parse', 'HEAD'])
          await git(dir, ['checkout', '--quiet', '--detach', head])
          await git(
            dir,
            ['merge', '--quiet', '--no-ff', '-m', "Merge branch 'main' into " + branchOf(spec), base],
            {
              ...at(created + 6 * 3_600_000),
              env: as(HUMAN)
            }
          )
        }
      }
      const head = await git(dir, ['rev-parse', 'HEAD'])
      refspecs.push(`${head}:refs/pull/${spec.number}/head`)
      let merge: string | undefined
      if (fate.kind === 'merged') {
        merge = await mergeResult(dir, { base, head, number: spec.number, method: fate.method })
        refspecs.push(`${merge}:refs/pull/${spec.number}/merge`)
      } else if (fate.kind === 'open') {
        refspecs.push(`${head}:refs/heads/${branchOf(spec)}`)
      }
      pulls.push(actionPull(spec, { commit, head, base, ...(merge ? { merge } : {}) }, now))
    }
    await git(dir, ['push', '--quiet', remote.bare, ...refspecs])
    return pulls
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function branchOf(spec: ActionPullSpec): string {
  return `${BRANCH_PREFIX}${spec.shortId}`
}

const GITHUB = { name: 'GitHub', email: 'noreply@github.com' }

/** What GitHub's merge button leaves for `method`, made off main (whose tip stays the checkout's base). */
async function mergeResult(
  dir: string,
  pr: { base: string; head: string; number: number; method: MergeMethod }
): Promise<string> {
  const env = {
    GIT_AUTHOR_NAME: HUMAN.name,
    GIT_AUTHOR_EMAIL: HUMAN.email,
    GIT_COMMITTER_NAME: GITHUB.name,
    GIT_COMMITTER_EMAIL: GITHUB.email
  }
  await git(dir, ['checkout', '--quiet', '--detach', pr.base])
  if (pr.method === 'merge') {
    await git(dir, ['merge', '--quiet', '--no-ff', '-m', `Merge pull request #${pr.number}`, pr.head], {
      env
    })
  } else if (pr.method === 'squash') {
    await git(dir, ['merge', '--quiet', '--squash', pr.head], { env })
    await git(dir, ['commit', '--quiet', '-m', `Squashed pull request (#${pr.number})`], { env })
  } else {
    // a rebase merge: each commit of the PR copied onto the base (new SHAs; the PR still lists the originals)
    await git(dir, ['cherry-pick', '--allow-empty', `${pr.base}..${pr.head}`], { env })
  }
  return git(dir, ['rev-parse', 'HEAD'])
}

/**
 * The LedgerSource port in memory: `pulls` as the search finds them, `commits` per PR number. `calls` records each
 * request in order ('search', 'commits #N'); `fail` makes the search throw.
 */
export function memoryLedger(
  pulls: LedgerPullRequest[],
  commits: Record<number, LedgerCommit[]> = {},
  options: { fail?: Error } = {}
): LedgerSource & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    requests: () => calls.length,
    async actionPullRequests() {
      calls.push('search')
      if (options.fail) throw options.fail
      return { pullRequests: pulls, complete: true }
    },
    async pullRequestCommits(number) {
      calls.push(`commits #${number}`)
      return commits[number] ?? []
    }
  }
}

/**
 * One of the action's PRs as the REST search returns it (no head branch, no commits: the ledger lists a merged one's
 * commits apart), with a trailer naming `commit`.
 */
export function ledgerPull(
  number: number,
  issue: { id: string; shortId: string },
  state: { createdAt: string; mergedAt?: string; closedAt?: string },
  commit = fakeSha(`action:${number}`)
): LedgerPullRequest {
  const closedAt = state.closedAt ?? state.mergedAt ?? null
  return {
    number,
    url: `https://github.com/acme/shop/pull/${number}`,
    state: closedAt ? 'closed' : 'open',
    createdAt: state.createdAt,
    closedAt,
    mergedAt: state.mergedAt ?? null,
    body: `Fix.\n${prTrailer({
      issue_id: issue.id,
      short_id: issue.shortId,
      branch: `${BRANCH_PREFIX}${issue.shortId}`,
      run: 'https://github.com/acme/shop/actions/runs/1',
      action_sha: null,
      commit
    })}`,
    labels: [...ACTION_LABELS],
    headRefName: null,
    commits: null
  }
}
