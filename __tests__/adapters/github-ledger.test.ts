import { afterEach, describe, expect, it } from '@jest/globals'
import { createGitHubLedger } from '../../src/adapters/github-ledger.js'
import { LEDGER_SEARCH_QUERY } from '../../src/adapters/github-ledger-graphql.js'
import { createOctokit } from '../../src/adapters/github-octokit.js'
import { LEDGER_LABEL } from '../../src/domain/ledger.js'
import { prTrailer } from '../../src/domain/pr-text.js'
import { Ledger } from '../../src/schemas/ledger.js'
import { buildLedger, type LedgerInput } from '../../src/stages/ledger.js'
import {
  fakeSha,
  githubFaults,
  graphqlRequest,
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
const GRAPHQL = '/graphql'

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
const graphqlCalls = (fake: FakeGitHub) => fake.requests.filter(r => r.path === GRAPHQL)
const warnings = (log: ReturnType<typeof recordingLog>) =>
  log.lines.filter(l => l.level === 'warning').map(l => l.message)

/**
 * GitHub's answer when a GraphQL query runs too long: HTTP 200, no data, one error. Octokit's retry plugin retries it
 * (as a 500): a fault of `times: 2` outlasts the one retry the tests allow.
 */
const GRAPHQL_TIMEOUT = {
  status: 200,
  body: {
    data: null,
    errors: [
      {
        message:
          'Something went wrong while executing your query. This may be the result of a timeout, or it could be a ' +
          'GitHub bug. Please include `0400:3A5C:1B2D3E:4F5A6B:6746A1C2` when reporting this issue.'
      }
    ]
  }
}

/** `count` of the action's PRs, open, created over the last 80 days; the first `merged` merged, #1000 after a long review. */
function manyPulls(count: number, merged = 10): WorldPull[] {
  return Array.from({ length: count }, (_, i) =>
    actionPull({
      number: 1000 + i,
      shortId: `SHOP-${1000 + i}`,
      createdDaysAgo: 1 + (i % 80),
      ...(i < merged ? { merged: { daysAgo: 0.5, humanCommits: i === 0 ? 129 : 0 } } : {})
    })
  )
}

describe('the ledger over GraphQL against the fake GitHub', () => {
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
    expect(warnings(log)).toEqual([])
  })

  it('makes one GraphQL request for the PRs and their commits, and no other request', async () => {
    const fake = await start(seededWorld())
    const { source, log } = ledgerFor(fake)

    const history = await buildLedger(input(), { ledger: source, log })

    expect(fake.requests).toHaveLength(1)
    const sent = graphqlRequest(fake.requests[0]!)
    expect(sent?.variables).toEqual({
      q: `repo:acme/shop is:pr label:${LEDGER_LABEL} created:>=2026-08-26`,
      cursor: null
    })
    expect(sent?.query).toMatch(/search\(type: ISSUE, query: \$q, first: 100, after: \$cursor\)/)
    expect(sent?.query).toMatch(/commits\(first: 2\) \{ totalCount nodes \{ commit \{ oid/)
    expect(commitsCalls(fake)).toEqual([])
    expect(history.github_requests).toBe(1)
    expect(fake.writes().filter(r => r.path !== GRAPHQL)).toEqual([])
  })

  it('pages the search at 100 with its cursor: ceil(PRs / 100) requests, a 130-commit review in none more', async () => {
    const fake = await start(makeWorld({ pulls: manyPulls(250) }))
    const { source, log } = ledgerFor(fake)

    const history = await buildLedger(input({ listedIssues: [] }), { ledger: source, log })

    expect(history.pull_requests).toHaveLength(250)
    expect(new Set(history.pull_requests.map(pr => pr.number)).size).toBe(250)
    expect(history.counts).toMatchObject({
      open: 240,
      merged_unmodified: 9,
      merged_with_changes: 1,
      human_commits: 129
    })
    expect(history.complete).toBe(true)
    const pages = graphqlCalls(fake).map(r => graphqlRequest(r)?.variables.cursor)
    expect(pages).toHaveLength(Math.ceil(250 / 100))
    // each page after the first asks for the results after the last one it read
    expect(pages[0]).toBeNull()
    expect(pages.slice(1).every(c => typeof c === 'string')).toBe(true)
    expect(new Set(pages).size).toBe(3)
    expect(fake.requests).toHaveLength(3)
    expect(history.github_requests).toBe(3)
  })

  it('reports an empty ledger after a single request when the action opened nothing', async () => {
    const fake = await start(makeWorld({ pulls: [makePull({ number: 1, head: 'feature/x' })] }))
    const { source, log } = ledgerFor(fake)

    const history = await buildLedger(input(), { ledger: source, log })

    expect(history.pull_requests).toEqual([])
    expect(history.merged_unmodified_rate).toEqual({ merged_unmodified: 0, closed: 0, rate: null })
    expect(history.github_requests).toBe(1)
  })

  it('marks the ledger incomplete, with a warning, when GitHub counts more matches than it serves', async () => {
    const fake = await start(seededWorld())
    // more than the 1,000 results GitHub's search serves: the last page ends before the count
    fake.faults.push({
      match: r => r.path === GRAPHQL,
      times: 1,
      response: {
        status: 200,
        body: {
          data: {
            search: { issueCount: 1_200, pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] }
          }
        }
      }
    })
    const { source, log } = ledgerFor(fake)

    const history = await buildLedger(input(), { ledger: source, log })

    expect(history.complete).toBe(false)
    expect(warnings(log)).toEqual([expect.stringContaining('answered incompletely')])
    expect(fake.requests).toHaveLength(1)
  })

  it('keeps the pages read and marks the ledger incomplete when a later page fails', async () => {
    const fake = await start(makeWorld({ pulls: manyPulls(150, 0) }))
    fake.faults.push({
      match: r => r.path === GRAPHQL && graphqlRequest(r)?.variables.cursor != null,
      times: 2,
      response: GRAPHQL_TIMEOUT
    })
    const { source, log } = ledgerFor(fake)

    const history = await buildLedger(input({ listedIssues: [] }), { ledger: source, log })

    expect(history.pull_requests).toHaveLength(100)
    expect(history.complete).toBe(false)
    expect(warnings(log)).toEqual([
      expect.stringMatching(
        /^GitHub's GraphQL search failed on page 2 \(.*Something went wrong.*\): the ledger keeps/
      ),
      expect.stringContaining('answered incompletely')
    ])
    // no fallback to REST for a search half read
    // page 2 and its one retry; the ledger counts the requests it made, not the retry plugin's
    expect(fake.requests.map(r => r.path)).toEqual([GRAPHQL, GRAPHQL, GRAPHQL])
    expect(history.github_requests).toBe(2)
  })

  it('asks <server>/api/graphql for a GitHub Enterprise Server API root (/api/v3)', async () => {
    const fake = await start(seededWorld())
    const log = recordingLog()
    const octokit = createOctokit({ token: READ_TOKEN, baseUrl: `${fake.url}/api/v3`, log, retries: 1 })
    const source = createGitHubLedger(octokit, { owner: 'acme', repo: 'shop' }, log)

    // the fake serves GitHub.com's paths only: both searches miss, which is all this test needs
    await source.actionPullRequests({ label: LEDGER_LABEL, since: '2026-08-26' }).catch(() => null)

    expect(fake.requests.map(r => `${r.method} ${r.path}`)).toEqual([
      'POST /api/graphql',
      'GET /api/v3/search/issues'
    ])
  })
})

describe("the ledger's REST fallback where GraphQL fails", () => {
  /** how GraphQL fails, what the warning says, and how many GraphQL requests the fake sees (retries included) */
  const failures: [string, (fake: FakeGitHub) => void, RegExp, number][] = [
    [
      'refuses the token (FORBIDDEN)',
      fake => {
        fake.graphqlFailure = 'not-accessible'
      },
      /answered with 1 error\(s\) .*: Resource not accessible by integration\./,
      1
    ],
    [
      'is a GHES whose schema lacks a field the query asks for',
      fake => {
        fake.graphqlFailure = { missingFields: ['PullRequest.headRefName'] }
      },
      /Field 'headRefName' doesn't exist on type 'PullRequest'/,
      1
    ],
    [
      'answers with another shape',
      fake => {
        fake.faults.push({
          match: r => r.path === GRAPHQL,
          times: 1,
          response: { status: 200, body: { data: { search: { issueCount: 'many' } } } }
        })
      },
      /GitHub answered the GraphQL search \(page 1\) with an unexpected shape: search\.issueCount/,
      1
    ],
    [
      'times out',
      fake => {
        fake.faults.push({ match: r => r.path === GRAPHQL, times: 2, response: GRAPHQL_TIMEOUT })
      },
      /Something went wrong while executing your query/,
      2
    ]
  ]

  it.each(failures)(
    'warns and builds the same ledger over REST when GraphQL %s, counting every request',
    async (_, fail, reason, graphqlSeen) => {
      const fake = await start(seededWorld())
      fail(fake)
      const { source, log } = ledgerFor(fake)

      const history = await buildLedger(input(), { ledger: source, log })

      expect(warnings(log)).toEqual([expect.stringMatching(reason)])
      expect(warnings(log)[0]).toContain("falls back to GitHub's REST search")
      expect(history.counts).toEqual({
        open: 2,
        merged_unmodified: 5,
        merged_with_changes: 3,
        human_commits: 4,
        closed_unmerged: 2,
        regressed: 1
      })
      expect(history.complete).toBe(true)
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
      // the GraphQL request that failed, the search, the eight listings (and a retry the ledger does not count)
      expect(graphqlCalls(fake)).toHaveLength(graphqlSeen)
      expect(fake.requests).toHaveLength(9 + graphqlSeen)
      expect(history.github_requests).toBe(10)
    }
  )

  it('pages the REST search at 100 and a long commit list at 100, and counts every page', async () => {
    const fake = await start(makeWorld({ pulls: manyPulls(150) }))
    fake.graphqlFailure = 'not-accessible'
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
    expect(history.github_requests).toBe(1 + 2 + 11)
    expect(fake.requests).toHaveLength(14)
  })

  it('marks the ledger incomplete, with a warning, when the REST search answers incompletely', async () => {
    const fake = await start(seededWorld())
    fake.graphqlFailure = 'not-accessible'
    fake.faults.push({
      match: r => r.path === SEARCH,
      times: 1,
      response: { status: 200, body: { total_count: 12, incomplete_results: true, items: [] } }
    })
    const { source, log } = ledgerFor(fake)

    const history = await buildLedger(input(), { ledger: source, log })

    expect(history.complete).toBe(false)
    expect(warnings(log)).toEqual([
      expect.stringContaining('falls back'),
      expect.stringContaining('answered incompletely')
    ])
  })

  it('fails with one clear error naming the missing permission when the token may search neither way', async () => {
    const fake = await start(seededWorld())
    fake.graphqlFailure = 'not-accessible'
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
    fake.graphqlFailure = 'not-accessible'
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

/** What the fake's POST /graphql answers, as far as these tests read it. */
interface GraphQLAnswer {
  data?: {
    search: {
      issueCount: number
      pageInfo: { hasNextPage: boolean; endCursor: string | null }
      nodes: { number: number }[]
    }
  } | null
  errors?: { message: string }[]
  /** an HTTP failure's message */
  message?: string
}

describe('fake GitHub GraphQL', () => {
  async function post(fake: FakeGitHub, body: unknown, token: string | null = READ_TOKEN) {
    const res = await fetch(`${fake.url}${GRAPHQL}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `bearer ${token}` } : {}) },
      body: JSON.stringify(body)
    })
    return { status: res.status, headers: res.headers, body: (await res.json()) as GraphQLAnswer }
  }
  const Q = `repo:acme/shop is:pr label:${LEDGER_LABEL} is:merged created:2026-09-05`

  it("answers the ledger's query with the fields it selects, in GitHub's shapes", async () => {
    const fake = await start(seededWorld())
    const res = await post(fake, { query: LEDGER_SEARCH_QUERY, variables: { q: Q, cursor: null } })

    expect(res.status).toBe(200)
    expect(res.headers.get('x-ratelimit-resource')).toBe('graphql')
    expect(Object.keys(res.body)).toEqual(['data'])
    expect(res.body.data).toEqual({
      search: {
        issueCount: 1,
        pageInfo: { hasNextPage: false, endCursor: Buffer.from('cursor:1').toString('base64') },
        nodes: [
          {
            number: 101,
            url: 'https://github.com/acme/shop/pull/101',
            state: 'MERGED',
            createdAt: daysAgo(80),
            mergedAt: daysAgo(79),
            closedAt: daysAgo(79),
            body: expect.stringContaining('<!-- sentry-codex-triage:'),
            headRefName: 'fix/sentry-SHOP-101',
            labels: { nodes: [{ name: 'automated-fix' }, { name: LEDGER_LABEL }] },
            commits: {
              totalCount: 1,
              nodes: [{ commit: { oid: fakeSha('action:101'), author: { email: ACTION_EMAIL } } }]
            }
          }
        ]
      }
    })
  })

  it('pages a connection with first and the endCursor of the page before', async () => {
    const fake = await start(seededWorld())
    const query = `query($q: String!, $after: String) {
      search(type: ISSUE, query: $q, first: 5, after: $after) { issueCount pageInfo { hasNextPage endCursor } nodes { ... on PullRequest { number } } }
    }`
    const q = `repo:acme/shop is:pr label:${LEDGER_LABEL}`
    const seen: number[] = []
    let after: string | null = null
    let pages = 0
    do {
      const res = await post(fake, { query, variables: { q, after } })
      const search = res.body.data!.search
      expect(search.issueCount).toBe(16)
      seen.push(...search.nodes.map(n => n.number))
      after = search.pageInfo.hasNextPage ? search.pageInfo.endCursor : null
      pages++
    } while (after !== null)

    expect(pages).toBe(4)
    expect(seen).toHaveLength(16)
    expect(new Set(seen).size).toBe(16)
  })

  it('refuses an invalid document with HTTP 200 and errors alone, as GitHub does', async () => {
    const fake = await start(seededWorld())
    const unknownField = await post(fake, {
      query:
        'query($q: String!) { search(type: ISSUE, query: $q, first: 1) { nodes { ... on PullRequest { mergedBy } } } }',
      variables: { q: Q }
    })
    expect(unknownField.status).toBe(200)
    expect(unknownField.body).toEqual({
      errors: [
        expect.objectContaining({
          message: "Field 'mergedBy' doesn't exist on type 'PullRequest'",
          extensions: { code: 'undefinedField', typeName: 'PullRequest', fieldName: 'mergedBy' }
        })
      ]
    })

    const undeclared = await post(fake, {
      query: 'query { search(type: ISSUE, query: $q, first: 1) { issueCount } }',
      variables: { q: Q }
    })
    expect(undeclared.body.errors?.map(e => e.message)).toEqual([
      'Variable $q is used by anonymous query but not declared'
    ])

    const missing = await post(fake, { query: LEDGER_SEARCH_QUERY, variables: {} })
    expect(missing.status).toBe(200)
    expect(missing.body).toEqual({
      errors: [
        expect.objectContaining({
          message: 'Variable $q of type String! was provided invalid value',
          extensions: { value: null, problems: [{ path: [], explanation: 'Expected value to not be null' }] }
        })
      ]
    })

    const tooMany = await post(fake, {
      query: 'query($q: String!) { search(type: ISSUE, query: $q, first: 101) { issueCount } }',
      variables: { q: Q }
    })
    expect(tooMany.body).toEqual({
      data: null,
      errors: [
        expect.objectContaining({
          type: 'EXCESSIVE_PAGINATION',
          path: ['search'],
          message:
            'Requesting 101 records on the `search` connection exceeds the `first` limit of 100 records.'
        })
      ]
    })
  })

  it('fails as a token GitHub refuses over GraphQL, and as a GHES without a field, at the switch', async () => {
    const fake = await start(seededWorld())
    fake.graphqlFailure = 'not-accessible'
    const refused = await post(fake, { query: LEDGER_SEARCH_QUERY, variables: { q: Q } })
    expect(refused.status).toBe(200)
    expect(refused.body).toEqual({
      data: null,
      errors: [
        {
          type: 'FORBIDDEN',
          path: ['search'],
          extensions: { saml_failure: false },
          locations: [{ line: 2, column: 3 }],
          message: 'Resource not accessible by integration'
        }
      ]
    })

    fake.graphqlFailure = { missingFields: ['PullRequest.headRefName'] }
    const older = await post(fake, { query: LEDGER_SEARCH_QUERY, variables: { q: Q } })
    expect(older.body.errors?.map(e => e.message)).toEqual([
      "Field 'headRefName' doesn't exist on type 'PullRequest'"
    ])

    fake.graphqlFailure = null
    expect(
      (await post(fake, { query: LEDGER_SEARCH_QUERY, variables: { q: Q } })).body.data?.search.issueCount
    ).toBe(1)
  })

  it('requires a token, as GitHub GraphQL does', async () => {
    const fake = await start(seededWorld())
    const res = await post(fake, { query: LEDGER_SEARCH_QUERY, variables: { q: Q } }, null)
    expect(res.status).toBe(401)
    expect(res.body.message).toBe('This endpoint requires you to be authenticated.')
  })
})
