import { afterEach, describe, expect, it } from '@jest/globals'
import { createGitHubLedger } from '../../src/adapters/github-ledger.js'
import { createOctokit } from '../../src/adapters/github-octokit.js'
import { LEDGER_LABEL } from '../../src/domain/ledger.js'
import { prTrailer } from '../../src/domain/pr-text.js'
import { Ledger } from '../../src/schemas/ledger.js'
import { buildLedger, type LedgerInput } from '../../src/stages/ledger.js'
import {
  fakeSha,
  githubFaults,
  makePull,
  makeWorld,
  startFakeGitHub,
  type FakeGitHub,
  type GitHubWorld,
  type WorldCommit,
  type WorldPull
} from '../../test-support/sandbox/fake-github.js'
import { recordingLog } from '../../test-support/recording-log.js'

const READ_TOKEN = 'ghs_ledgerReadTokenDDDDDDDDDDDDDDDDDDDDDD'
const NOW = new Date('2026-11-24T12:00:00Z')
const ACTION_EMAIL = 'sentry-codex-triage@users.noreply.github.com'
const HUMAN_EMAIL = 'dev@acme.example'
const SEARCH = '/search/issues'

const fakes: FakeGitHub[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map(f => f.close()))
})

async function start(world: GitHubWorld): Promise<FakeGitHub> {
  const fake = await startFakeGitHub(world, { tokens: { read: [READ_TOKEN] } })
  fakes.push(fake)
  return fake
}

const daysAgo = (days: number): string =>
  new Date(NOW.getTime() - days * 86_400_000).toISOString().replace(/\.000Z$/, 'Z')

function commit(seed: string, email: string, date: string): WorldCommit {
  return {
    sha: fakeSha(seed),
    message: `commit ${seed}`,
    author: { name: email === ACTION_EMAIL ? 'sentry-codex-triage' : 'A Developer', email, date },
    login: null,
    parents: []
  }
}

interface Seed {
  number: number
  shortId: string
  createdDaysAgo: number
  /** merged (days ago) with these extra human commits on top of the action's */
  merged?: { daysAgo: number; humanCommits?: number }
  closedDaysAgo?: number
  /** a trailer written before the ledger: no branch, no commit SHA */
  oldTrailer?: boolean
  branch?: string
  body?: string
  labels?: string[]
}

/** One of the action's PRs as the action leaves it: marker label, trailer, commits (action's first). */
function actionPull(seed: Seed): WorldPull {
  const branch = seed.branch ?? `fix/sentry-${seed.shortId}`
  const created = daysAgo(seed.createdDaysAgo)
  const actionCommit = commit(`action:${seed.number}`, ACTION_EMAIL, created)
  const human = Array.from({ length: seed.merged?.humanCommits ?? 0 }, (_, i) =>
    commit(`human:${seed.number}:${i}`, HUMAN_EMAIL, created)
  )
  const trailer = seed.oldTrailer
    ? `<!-- sentry-codex-triage: {"issue_id":"${9000 + seed.number}","short_id":"${seed.shortId}",` +
      `"run":"https://github.com/acme/shop/actions/runs/1","action_sha":null} -->`
    : prTrailer({
        issue_id: String(9000 + seed.number),
        short_id: seed.shortId,
        branch,
        run: 'https://github.com/acme/shop/actions/runs/1',
        action_sha: null,
        commit: actionCommit.sha
      })
  return makePull({
    number: seed.number,
    head: { ref: branch, sha: (human.at(-1) ?? actionCommit).sha },
    title: `fix: resolve ${seed.shortId} — guard it`,
    body: seed.body ?? `## Fix for Sentry issue ${seed.shortId}\n\nMachine-generated.\n${trailer}`,
    labels: seed.labels ?? ['automated-fix', LEDGER_LABEL],
    created_at: created,
    ...(seed.merged ? { merged_at: daysAgo(seed.merged.daysAgo) } : {}),
    ...(seed.closedDaysAgo !== undefined ? { closed_at: daysAgo(seed.closedDaysAgo) } : {}),
    commits: [actionCommit, ...human]
  })
}

/**
 * Twelve past PRs of every class, as GitHub shows them whatever the merge method (the PR's commit list is its branch's
 * commits: a merge commit, a squash or a rebase merge of the action's commit leave it as that one commit), plus PRs
 * the ledger must not count.
 */
function seededWorld(): GitHubWorld {
  const ours: Seed[] = [
    { number: 101, shortId: 'SHOP-101', createdDaysAgo: 80, merged: { daysAgo: 79 } }, // merge commit
    { number: 102, shortId: 'SHOP-102', createdDaysAgo: 70, merged: { daysAgo: 69 } }, // squash merge
    { number: 103, shortId: 'SHOP-103', createdDaysAgo: 60, merged: { daysAgo: 58 } }, // rebase merge
    { number: 104, shortId: 'SHOP-104', createdDaysAgo: 50, merged: { daysAgo: 49 } }, // merged, issue recurred
    { number: 105, shortId: 'SHOP-105', createdDaysAgo: 45, merged: { daysAgo: 40, humanCommits: 1 } },
    { number: 106, shortId: 'SHOP-106', createdDaysAgo: 40, merged: { daysAgo: 30, humanCommits: 2 } },
    { number: 107, shortId: 'SHOP-107', createdDaysAgo: 35, closedDaysAgo: 33 },
    { number: 108, shortId: 'SHOP-108', createdDaysAgo: 30, closedDaysAgo: 20 },
    { number: 109, shortId: 'SHOP-109', createdDaysAgo: 3.5 },
    { number: 110, shortId: 'SHOP-110', createdDaysAgo: 40 },
    // trailers from before the ledger: the commit-author e-mail tells the action's commits
    { number: 111, shortId: 'SHOP-111', createdDaysAgo: 25, merged: { daysAgo: 24 }, oldTrailer: true },
    {
      number: 112,
      shortId: 'SHOP-112',
      createdDaysAgo: 20,
      merged: { daysAgo: 19, humanCommits: 1 },
      oldTrailer: true
    }
  ]
  const notOurs: WorldPull[] = [
    // a human's PR with the marker label and no trailer, merged
    actionPull({
      number: 113,
      shortId: 'X',
      createdDaysAgo: 10,
      merged: { daysAgo: 9 },
      body: 'Manual fix, labelled by hand.'
    }),
    // another workflow's PR (another branch-prefix), merged
    actionPull({
      number: 114,
      shortId: 'WEB-1',
      createdDaysAgo: 10,
      merged: { daysAgo: 9 },
      branch: 'fix/web-WEB-1'
    }),
    // the action's PR without the marker label: the search does not return it
    actionPull({ number: 115, shortId: 'SHOP-115', createdDaysAgo: 5, labels: ['automated-fix'] }),
    // before the window
    actionPull({ number: 116, shortId: 'SHOP-116', createdDaysAgo: 100, merged: { daysAgo: 99 } }),
    // on the day the window starts, but hours before its first instant (the search is by day)
    actionPull({ number: 117, shortId: 'SHOP-117', createdDaysAgo: 90.2, merged: { daysAgo: 89 } }),
    // unrelated PRs of the repository
    makePull({ number: 200, head: 'feature/checkout', created_at: daysAgo(2) }),
    makePull({ number: 201, head: 'renovate/zod', created_at: daysAgo(5), merged_at: daysAgo(4) })
  ]
  return makeWorld({ pulls: [...ours.map(actionPull), ...notOurs] })
}

/** What this run listed from Sentry: #104's issue was seen after its merge, #101's only before. */
const LISTED = [
  { id: '9104', shortId: 'SHOP-104', lastSeen: daysAgo(10) },
  { id: '9101', shortId: 'SHOP-101', lastSeen: daysAgo(85) },
  { id: '9107', shortId: 'SHOP-107', lastSeen: daysAgo(1) } // closed unmerged: never regressed
]

function input(partial: Partial<LedgerInput> = {}): LedgerInput {
  return {
    now: NOW,
    historyDays: 90,
    branchPrefix: 'fix/sentry-',
    authorEmail: ACTION_EMAIL,
    listedIssues: LISTED,
    ...partial
  }
}

function ledgerFor(fake: FakeGitHub) {
  const log = recordingLog()
  const octokit = createOctokit({ token: READ_TOKEN, baseUrl: fake.url, log, retries: 1 })
  return { source: createGitHubLedger(octokit, { owner: 'acme', repo: 'shop' }, log), log }
}

const commitsCalls = (fake: FakeGitHub) =>
  fake.requests.filter(r => /^\/repos\/acme\/shop\/pulls\/\d+\/commits$/.test(r.path))

describe('the ledger against the fake GitHub', () => {
  it('classifies twelve past PRs of every class and counts each, with the rate and its counts', async () => {
    const fake = await start(seededWorld())
    const { source, log } = ledgerFor(fake)

    const history = await buildLedger(input(), { ledger: source, log })

    expect(Ledger.parse(history)).toEqual(history)
    expect(history.counts).toEqual({
      open: 2,
      merged_unmodified: 5,
      merged_with_changes: 3,
      human_commits: 4,
      closed_unmerged: 2,
      regressed: 1
    })
    expect(history.merged_unmodified_rate).toEqual({ merged_unmodified: 5, closed: 10, rate: 0.5 })
    expect(history.complete).toBe(true)
    expect(history.window_days).toBe(90)
    expect(history.since).toBe('2026-08-26T12:00:00.000Z')
    const byNumber = new Map(history.pull_requests.map(pr => [pr.number, pr]))
    expect([...byNumber.keys()]).toEqual([109, 112, 111, 108, 107, 110, 106, 105, 104, 103, 102, 101])
    expect(byNumber.get(104)).toMatchObject({
      class: 'merged-unmodified',
      regressed: true,
      short_id: 'SHOP-104'
    })
    expect(byNumber.get(101)).toMatchObject({
      class: 'merged-unmodified',
      regressed: false,
      issue_id: '9101'
    })
    expect(byNumber.get(106)).toMatchObject({ class: 'merged-with-changes', human_commits: 2 })
    expect(byNumber.get(111)).toMatchObject({ class: 'merged-unmodified' })
    expect(byNumber.get(112)).toMatchObject({ class: 'merged-with-changes', human_commits: 1 })
    expect(byNumber.get(107)).toMatchObject({ class: 'closed-unmerged', regressed: false })
    expect(byNumber.get(109)).toMatchObject({ class: 'open', age_days: 3 })
    expect(byNumber.get(110)).toMatchObject({
      class: 'open',
      age_days: 40,
      url: 'https://github.com/acme/shop/pull/110'
    })
  })

  it('makes one search request plus one commits request per merged PR of the action, and no other', async () => {
    const fake = await start(seededWorld())
    const { source, log } = ledgerFor(fake)

    const history = await buildLedger(input(), { ledger: source, log })

    const searches = fake.requests.filter(r => r.path === SEARCH)
    expect(searches).toHaveLength(1)
    expect(searches[0]?.query.get('q')).toBe(
      `repo:acme/shop is:pr label:${LEDGER_LABEL} created:>=2026-08-26`
    )
    expect(searches[0]?.query.get('per_page')).toBe('100')
    // merged PRs of the action: 101-106, 111, 112; not 113 (no trailer), 114 (other prefix), 117 (before since)
    expect(
      commitsCalls(fake)
        .map(r => Number(r.path.split('/')[5]))
        .sort()
    ).toEqual([101, 102, 103, 104, 105, 106, 111, 112])
    expect(fake.requests).toHaveLength(9)
    expect(history.github_requests).toBe(9)
    expect(fake.writes()).toEqual([])
  })

  it('pages the search at 100 and a long commit list at 100, and counts every page', async () => {
    const pulls = Array.from({ length: 150 }, (_, i) =>
      actionPull({
        number: 1000 + i,
        shortId: `SHOP-${1000 + i}`,
        createdDaysAgo: 1 + (i % 80),
        ...(i < 10 ? { merged: { daysAgo: 0.5, humanCommits: i === 0 ? 129 : 0 } } : {})
      })
    )
    const fake = await start(makeWorld({ pulls }))
    const { source, log } = ledgerFor(fake)

    const history = await buildLedger(input({ listedIssues: [] }), { ledger: source, log })

    expect(history.pull_requests).toHaveLength(150)
    expect(history.counts).toMatchObject({
      open: 140,
      merged_unmodified: 9,
      merged_with_changes: 1,
      human_commits: 129
    })
    const searches = fake.requests.filter(r => r.path === SEARCH)
    expect(searches.map(r => r.query.get('page') ?? '1')).toEqual(['1', '2'])
    // 10 merged PRs: one listing each, the one with 130 commits in two pages
    expect(commitsCalls(fake)).toHaveLength(11)
    expect(history.github_requests).toBe(2 + 11)
    expect(fake.requests).toHaveLength(13)
  })

  it('reports an empty ledger after a single search when the action opened nothing', async () => {
    const fake = await start(makeWorld({ pulls: [makePull({ number: 1, head: 'feature/x' })] }))
    const { source, log } = ledgerFor(fake)

    const history = await buildLedger(input(), { ledger: source, log })

    expect(history.pull_requests).toEqual([])
    expect(history.merged_unmodified_rate).toEqual({ merged_unmodified: 0, closed: 0, rate: null })
    expect(history.github_requests).toBe(1)
  })

  it('marks the ledger incomplete, with a warning, when the search answers incompletely', async () => {
    const fake = await start(seededWorld())
    fake.faults.push({
      match: r => r.path === SEARCH,
      times: 1,
      response: { status: 200, body: { total_count: 12, incomplete_results: true, items: [] } }
    })
    const { source, log } = ledgerFor(fake)

    const history = await buildLedger(input(), { ledger: source, log })

    expect(history.complete).toBe(false)
    expect(log.lines.filter(l => l.level === 'warning').map(l => l.message)).toEqual([
      expect.stringContaining('answered incompletely')
    ])
  })

  it('fails with one clear error naming the missing permission when the token may not search', async () => {
    const fake = await start(seededWorld())
    fake.faults.push({ match: r => r.path === SEARCH, times: 1, response: githubFaults.notAccessible() })
    const { source, log } = ledgerFor(fake)

    const error = await buildLedger(input(), { ledger: source, log }).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(
      /^The fix-quality ledger could not be built: GitHub refused github-token \(403\) while searching acme\/shop for the action's pull requests/
    )
    expect((error as Error).message).toContain('pull-requests: read')
    expect((error as Error).message).not.toContain(READ_TOKEN)
  })

  it('fails clearly, without retrying, when GitHub answers the commits listing with another shape', async () => {
    const fake = await start(seededWorld())
    fake.faults.push({
      match: r => r.path === '/repos/acme/shop/pulls/104/commits',
      times: 1,
      response: { status: 200, body: [{ sha: 'not-a-sha', commit: {} }] }
    })
    const { source, log } = ledgerFor(fake)

    const error = await buildLedger(input(), { ledger: source, log }).catch((e: unknown) => e)

    expect((error as Error).message).toContain(
      'GitHub answered GET /repos/acme/shop/pulls/104/commits (page 1) with an unexpected shape: [0].sha: expected a commit SHA'
    )
    expect(fake.requests.filter(r => r.path === '/repos/acme/shop/pulls/104/commits')).toHaveLength(1)
  })
})

describe('fake GitHub issue search', () => {
  async function search(fake: FakeGitHub, q: string) {
    const res = await fetch(`${fake.url}${SEARCH}?q=${encodeURIComponent(q)}&per_page=100`, {
      headers: { authorization: `token ${READ_TOKEN}` }
    })
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> }
  }

  it('answers in GitHub shape with the search rate-limit resource', async () => {
    const fake = await start(seededWorld())
    const res = await search(fake, `repo:acme/shop is:pr label:${LEDGER_LABEL} is:merged created:2026-09-05`)
    expect(res.status).toBe(200)
    expect(res.headers.get('x-ratelimit-resource')).toBe('search')
    expect(res.headers.get('x-ratelimit-limit')).toBe('30')
    expect(res.body).toMatchObject({ total_count: 1, incomplete_results: false })
    const [item] = res.body.items as Record<string, unknown>[]
    expect(item).toMatchObject({
      number: 101,
      html_url: 'https://github.com/acme/shop/pull/101',
      state: 'closed',
      pull_request: { url: `${fake.url}/repos/acme/shop/pulls/101`, merged_at: daysAgo(79) }
    })
  })

  it('refuses a term it does not implement, and a repository the token cannot see, with 422', async () => {
    const fake = await start(seededWorld())
    const unsupported = await search(fake, 'repo:acme/shop is:pr in:body sentry')
    expect(unsupported.status).toBe(422)
    expect(JSON.stringify(unsupported.body)).toContain("search term 'in:body'")
    const elsewhere = await search(fake, 'repo:acme/other is:pr')
    expect(elsewhere.status).toBe(422)
    expect(JSON.stringify(elsewhere.body)).toContain('cannot be searched')
  })
})
