// The in-memory ports the pipeline tests run on (test-support/memory-sentry.ts, memory-github.ts) answer as the real
// HTTP adapters answer against the HTTP fakes of the same world: each case runs once on each side and both outcomes
// must be equal, values and, for failures, the error's class, kind, status and message. A drift in either in-memory
// port (a filter, an order, a page size, an error's wording) fails here instead of hiding in the pipeline tests.
import { afterEach, describe, expect, it } from '@jest/globals'
import { createSentryApi, SentryError, type SentryErrorKind } from '../../src/adapters/sentry-http.js'
import {
  createGitHubReader,
  createOctokit,
  GitHubError,
  type GitHubErrorKind
} from '../../src/adapters/github-octokit.js'
import { extractDigest } from '../../src/domain/prompt.js'
import type { GitHubReader, IssueListQuery, SentryApi } from '../../src/ports.js'
import { memorySentry } from '../../test-support/memory-sentry.js'
import { memoryGitHub } from '../../test-support/memory-github.js'
import { recordingLog } from '../../test-support/recording-log.js'
import {
  FAKE_SENTRY_TOKEN,
  makeIssue,
  makeProject,
  startFakeSentry,
  type SentryWorld
} from '../../test-support/sandbox/fake-sentry.js'
import {
  fakeSha,
  githubFaults,
  makePull,
  makeWorld,
  startFakeGitHub,
  type GitHubWorld
} from '../../test-support/sandbox/fake-github.js'
import type { FakeResponse, RecordedRequest } from '../../test-support/sandbox/http-fake.js'

const NOW = Date.parse('2026-11-24T12:00:00Z')
const HOUR = 3_600_000
const DAY = 24 * HOUR
const ago = (ms: number): string => new Date(NOW - ms).toISOString()

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map(close => close()))
})

type Outcome =
  { value: unknown } | { error: { class: string; kind: string; status: number | undefined; message: string } }

/** What a call gave: its value, or the port's error as the caller sees it. Any other throw fails the test. */
async function outcome(call: Promise<unknown>): Promise<Outcome> {
  try {
    return { value: await call }
  } catch (error) {
    if (error instanceof SentryError || error instanceof GitHubError) {
      return {
        error: { class: error.name, kind: error.kind, status: error.status, message: error.message }
      }
    }
    throw error
  }
}

const shape = (o: Outcome): string => ('value' in o ? 'value' : o.error.kind)

// --------------------------------------------------------------------------------------------------------- Sentry

/** a request for a page of the issue list, in any organization */
const isIssueList = (req: RecordedRequest): boolean =>
  /^\/api\/0\/organizations\/[^/]+\/issues\/$/.test(req.path)

/** Four projects; issues spread over them with ties, releases, tags, statuses and ages the filters tell apart. */
function sentryWorld(): SentryWorld {
  const issue = (id: string, shortId: string, project: string, rest: Parameters<typeof makeIssue>[0] = {}) =>
    makeIssue({
      id,
      shortId,
      project,
      firstSeen: ago(5 * DAY),
      lastSeen: ago(HOUR),
      ...rest
    })
  return {
    org: 'acme',
    projects: [
      makeProject({ id: '101', slug: 'backend' }),
      makeProject({ id: '102', slug: 'web', platform: 'javascript' }),
      makeProject({ id: '103', slug: 'jobs', platform: 'python' }),
      makeProject({ id: '104', slug: 'mobile', platform: null })
    ],
    issues: [
      issue('7001', 'BACKEND-1', 'backend', {
        count: 500,
        userCount: 40,
        firstRelease: '1.2.0',
        latestEvent: { tags: { customer_tier: 'gold' } }
      }),
      issue('7002', 'BACKEND-2', 'backend', {
        count: 300,
        title: 'Warning: slow checkout',
        level: 'warning',
        environments: ['staging'],
        isUnhandled: false
      }),
      issue('7003', 'BACKEND-3', 'backend', { count: 300, firstRelease: '1.0.0', lastRelease: '1.3.0' }),
      // same count as the two above: Sentry's order puts the shorter id first
      issue('999', 'BACKEND-4', 'backend', { count: 300 }),
      issue('7010', 'BACKEND-5', 'backend', { count: 10, lastSeen: ago(40 * DAY), firstSeen: ago(50 * DAY) }),
      issue('7005', 'WEB-1', 'web', {
        count: 800,
        title: 'ReferenceError: checkout is not defined',
        environments: ['production', 'staging'],
        latestEvent: { tags: { browser: 'Chrome' } }
      }),
      issue('7006', 'WEB-2', 'web', { count: 50, status: 'resolved' }),
      issue('7007', 'WEB-3', 'web', { count: 40, status: 'ignored' }),
      issue('7008', 'JOBS-1', 'jobs', { count: 900, lastSeen: ago(10 * DAY), firstSeen: ago(12 * DAY) }),
      issue('7009', 'JOBS-2', 'jobs', {
        count: 20,
        latestEvent: {
          exceptions: [
            {
              type: 'ConnectionError',
              value: 'connection refused',
              frames: [
                {
                  filename: 'jobs/db.py',
                  absPath: '/srv/jobs/db.py',
                  function: 'connect',
                  lineNo: 7,
                  colNo: null,
                  inApp: true,
                  context: []
                }
              ]
            },
            {
              type: 'JobFailed',
              value: 'nightly export failed',
              mechanism: { type: 'generic', handled: true },
              frames: []
            }
          ]
        }
      })
    ]
  }
}

const QUERY: IssueListQuery = {
  projectIds: ['101'],
  query: 'is:unresolved',
  environment: '',
  statsPeriod: '7d',
  limit: 100
}

/** Every page's short IDs, in order. */
async function pageIds(pages: AsyncIterable<{ shortId: string }[]>): Promise<string[][]> {
  const out: string[][] = []
  for await (const page of pages) out.push(page.map(i => i.shortId))
  return out
}

async function allIssues(api: SentryApi, query: Partial<IssueListQuery>): Promise<unknown[][]> {
  const out: unknown[][] = []
  for await (const page of api.issuePages({ ...QUERY, ...query })) out.push(page)
  return out
}

interface SentryCase {
  name: string
  /** what the HTTP side gives, so that a case cannot pass by failing alike on both sides for another reason */
  gives: 'value' | SentryErrorKind
  /** the world both sides serve (default sentryWorld) */
  world?: () => SentryWorld
  /** the adapter's organisation (default the world's) */
  org?: string
  /** the server's own page size */
  pageSize?: number
  run: (api: SentryApi) => Promise<unknown>
}

const SENTRY_CASES: SentryCase[] = [
  {
    name: 'resolves a project slug to its id',
    gives: 'value',
    run: api => api.resolveProjects(['web'])
  },
  {
    name: 'resolves repeated slugs once each, in the order given',
    gives: 'value',
    run: api => api.resolveProjects(['web', 'backend', 'web'])
  },
  {
    name: 'resolves more than three slugs through the organization project list',
    gives: 'value',
    run: api => api.resolveProjects(['mobile', 'backend', 'jobs', 'web'])
  },
  {
    name: 'names the project that does not exist',
    gives: 'not-found',
    run: api => api.resolveProjects(['backend', 'payments'])
  },
  {
    name: 'names the first missing project among more than three slugs',
    gives: 'not-found',
    run: api => api.resolveProjects(['backend', 'payments', 'web', 'jobs', 'billing'])
  },
  {
    name: 'finds no project in an organization the world does not hold',
    gives: 'not-found',
    org: 'globex',
    run: api => api.resolveProjects(['backend'])
  },
  {
    name: 'finds no organization when more than three slugs are looked up in one the world does not hold',
    gives: 'not-found',
    org: 'globex',
    run: api => api.resolveProjects(['backend', 'web', 'jobs', 'mobile'])
  },
  {
    name: "lists a project's unresolved issues by frequency, ties by id, in pages of the server's page size",
    gives: 'value',
    pageSize: 2,
    run: api => allIssues(api, {})
  },
  {
    name: 'lists every project when no project id, an empty one or -1 is given',
    gives: 'value',
    run: async api => [
      await pageIds(api.issuePages({ ...QUERY, projectIds: [] })),
      await pageIds(api.issuePages({ ...QUERY, projectIds: ['', '-1'] }))
    ]
  },
  {
    name: 'lists several projects together',
    gives: 'value',
    run: api => pageIds(api.issuePages({ ...QUERY, projectIds: ['101', '102'] }))
  },
  {
    name: 'keeps the issues seen in the environment, and every environment for a blank one',
    gives: 'value',
    run: async api => [
      await pageIds(api.issuePages({ ...QUERY, projectIds: [], environment: 'staging' })),
      await pageIds(api.issuePages({ ...QUERY, projectIds: [], environment: '  ' }))
    ]
  },
  {
    name: 'leaves out issues last seen before the stats period, 14 days when none is given',
    gives: 'value',
    run: async api =>
      Promise.all(
        ['24h', '7d', '', '2w', '60d'].map(statsPeriod =>
          pageIds(api.issuePages({ ...QUERY, projectIds: [], statsPeriod }))
        )
      )
  },
  {
    name: 'reads each search term alike: status, level, releases, tags, words, lists, negation, short ID, project',
    gives: 'value',
    run: async api => {
      const queries = [
        '',
        'is:resolved',
        'is:[resolved,ignored]',
        'is:unhandled',
        '!is:unhandled',
        'is:unassigned is:unlinked',
        'level:warning',
        'release:1.3.0',
        '!release:1.3.0',
        'firstRelease:1.2.0',
        'first-release:1.0.0',
        'customer_tier:gold',
        'browser:[Firefox,Chrome]',
        'handled:no',
        'environment:staging',
        'project:web',
        'issue:web-1',
        'checkout',
        '"checkout is not"',
        'SLOW Checkout',
        'checkout warning'
      ]
      const found: Record<string, string[][]> = {}
      for (const query of queries)
        found[query] = await pageIds(api.issuePages({ ...QUERY, projectIds: [], query }))
      return found
    }
  },
  {
    name: 'asks for at least one and at most 100 issues a page, whole numbers',
    gives: 'value',
    run: async api =>
      Promise.all([0, 2.7, 3, 500].map(limit => pageIds(api.issuePages({ ...QUERY, projectIds: [], limit }))))
  },
  {
    name: 'cuts 150 issues into a page of 100 and a page of 50 when asked for more',
    gives: 'value',
    world: () => ({
      org: 'acme',
      projects: [makeProject({ id: '101', slug: 'backend' })],
      issues: Array.from({ length: 150 }, (_, i) =>
        makeIssue({
          id: String(8000 + i),
          shortId: `BACKEND-${100 + i}`,
          count: 1000 - i,
          lastSeen: ago(HOUR)
        })
      )
    }),
    run: async api => {
      const pages = await pageIds(api.issuePages({ ...QUERY, limit: 500 }))
      return pages.map(ids => [ids.length, ids[0], ids.at(-1)])
    }
  },
  {
    name: 'fetches no page beyond the one the caller stops at',
    gives: 'value',
    pageSize: 1,
    run: async api => {
      for await (const page of api.issuePages(QUERY)) return page
      return null
    }
  },
  {
    name: 'yields one empty page when nothing matches',
    gives: 'value',
    run: api => pageIds(api.issuePages({ ...QUERY, query: 'no-such-words-anywhere' }))
  },
  {
    name: 'refuses a project id that is not a number (400)',
    gives: 'bad-request',
    run: api => pageIds(api.issuePages({ ...QUERY, projectIds: ['backend'] }))
  },
  {
    name: 'rejects a project id the token cannot see as an auth failure (403)',
    gives: 'auth',
    run: api => pageIds(api.issuePages({ ...QUERY, projectIds: ['101', '555'] }))
  },
  {
    name: 'refuses a stats period Sentry does not take (400)',
    gives: 'bad-request',
    run: api => pageIds(api.issuePages({ ...QUERY, statsPeriod: '7days' }))
  },
  {
    name: 'refuses a search with an unterminated quote (400)',
    gives: 'bad-request',
    run: api => pageIds(api.issuePages({ ...QUERY, query: 'is:unresolved "checkout' }))
  },
  {
    name: 'refuses an is: value Sentry does not know (400)',
    gives: 'bad-request',
    run: api => pageIds(api.issuePages({ ...QUERY, query: 'is:forgotten' }))
  },
  {
    name: 'finds no organization the world does not hold when listing issues',
    gives: 'not-found',
    org: 'globex',
    run: api => pageIds(api.issuePages(QUERY))
  },
  {
    name: "gives an issue's evidence by id as Sentry sends it, with the same digest",
    gives: 'value',
    run: async api => {
      const evidence = await api.issueEvidence('7001')
      return { evidence, digest: extractDigest(evidence.issue, evidence.latestEvent) }
    }
  },
  {
    name: "gives an issue's evidence by short ID in any case, chained exceptions included",
    gives: 'value',
    run: async api => {
      const [web, jobs] = [await api.issueEvidence('web-1'), await api.issueEvidence('JOBS-2')]
      return [web, jobs, extractDigest(jobs.issue, jobs.latestEvent)]
    }
  },
  {
    name: 'finds no evidence of an issue the world does not hold',
    gives: 'not-found',
    run: api => api.issueEvidence('424242')
  },
  {
    name: 'finds no evidence in an organization the world does not hold',
    gives: 'not-found',
    org: 'globex',
    run: api => api.issueEvidence('7001')
  }
]

describe('the in-memory Sentry port answers as the HTTP adapter over the fake Sentry', () => {
  it.each(SENTRY_CASES)(
    '$name',
    async ({ gives, world: build = sentryWorld, org = 'acme', pageSize, run }) => {
      const world = build()
      const fake = await startFakeSentry(world, { now: () => NOW, pageSize })
      closers.push(() => fake.close())
      const http = createSentryApi({
        baseUrl: fake.url,
        org,
        token: FAKE_SENTRY_TOKEN,
        log: recordingLog(),
        now: () => NOW,
        sleep: async () => {},
        maxRetries: 0
      })
      const memory = memorySentry(world, { org, baseUrl: fake.url, pageSize, now: () => NOW })

      const viaHttp = await outcome(run(http))
      const inMemory = await outcome(run(memory))

      expect(shape(viaHttp)).toBe(gives)
      expect(inMemory).toEqual(viaHttp)
      // pages are cut only when asked for: as many in memory as the adapter requested
      expect(memory.calls.filter(call => call.startsWith('issues page'))).toHaveLength(
        fake.requests.filter(isIssueList).length
      )
    }
  )
})

// --------------------------------------------------------------------------------------------------------- GitHub

/** 250 fix branches (three pages of matching refs), a few others, and pull requests of several heads. */
function githubWorld(): GitHubWorld {
  const branches = new Map<string, string>([['main', fakeSha('main')]])
  for (let i = 0; i < 250; i++) branches.set(`fix/sentry-SHOP-${1000 + i}`, fakeSha(`fix ${i}`))
  for (const name of ['fix/sentry', 'fix/other-1', 'release/2026.11', 'fix/sentry-ÄPI-7']) {
    branches.set(name, fakeSha(name))
  }
  return makeWorld({
    defaultBranch: 'main',
    branches,
    pulls: [
      makePull({ number: 3, head: 'fix/sentry-SHOP-1000', merged_at: '2026-01-03T00:00:00Z' }),
      makePull({ number: 9, head: 'fix/sentry-SHOP-1000', state: 'open' }),
      makePull({ number: 7, head: 'fix/sentry-SHOP-1000', closed_at: '2026-01-08T00:00:00Z' }),
      // created at the same second as #7: the higher number comes first
      makePull({
        number: 8,
        head: 'fix/sentry-SHOP-1000',
        created_at: makePull({ number: 7, head: 'x' }).created_at
      }),
      // a fork's branch of the same name is not this repository's
      makePull({ number: 11, head: { ref: 'fix/sentry-SHOP-1000', owner: 'mallory' } }),
      makePull({ number: 12, head: 'fix/sentry-SHOP-1001' }),
      makePull({ number: 5, head: 'fix/sentry-GONE-2', merged_at: '2026-01-11T00:00:00Z' })
    ]
  })
}

type ReaderMethod = keyof GitHubReader

/** The requests each reader method makes, to aim an HTTP fault at the same method the in-memory fault names. */
const METHOD_PATHS: Record<ReaderMethod, (req: RecordedRequest) => boolean> = {
  defaultBranch: req => req.path === '/repos/acme/shop',
  branchSha: req => req.path.startsWith('/repos/acme/shop/git/ref/'),
  listBranches: req => req.path.startsWith('/repos/acme/shop/git/matching-refs/'),
  pullRequestsForBranch: req => req.path === '/repos/acme/shop/pulls'
}

interface GitHubCase {
  name: string
  gives: 'value' | GitHubErrorKind
  world?: () => GitHubWorld
  /** an answer GitHub gives instead of the world's, once per attempt (the adapter under test makes one) */
  fault?: { method: ReaderMethod; response: FakeResponse }
  run: (github: GitHubReader) => Promise<unknown>
}

const emptyRepository = (): GitHubWorld => makeWorld({ branches: {} })

const GITHUB_CASES: GitHubCase[] = [
  { name: 'reads the default branch', gives: 'value', run: github => github.defaultBranch() },
  {
    name: 'reads the commit a branch points at',
    gives: 'value',
    run: github => github.branchSha('fix/sentry-SHOP-1042')
  },
  {
    name: 'reads a branch whose name needs percent-encoding',
    gives: 'value',
    run: github => github.branchSha('fix/sentry-ÄPI-7')
  },
  {
    name: 'names the branch that does not exist and points at base-branch (404)',
    gives: 'not-found',
    run: github => github.branchSha('nope')
  },
  {
    name: 'says the repository is empty when reading a branch of one without any (409)',
    gives: 'validation',
    world: emptyRepository,
    run: github => github.branchSha('main')
  },
  {
    name: 'lists every branch with the prefix across pages, in ref order, and no other',
    gives: 'value',
    run: github => github.listBranches('fix/sentry-')
  },
  {
    name: 'lists every branch for an empty prefix and none for a prefix nothing has',
    gives: 'value',
    run: async github => [await github.listBranches(''), await github.listBranches('hotfix/')]
  },
  {
    name: "lists no branch of a repository without any (Octokit's paginate reads GitHub's 409 as no items)",
    gives: 'value',
    world: emptyRepository,
    run: github => github.listBranches('fix/sentry-')
  },
  {
    name: "lists a branch's pull requests of every state, newest first, and none from a fork or another branch",
    gives: 'value',
    run: github => github.pullRequestsForBranch('fix/sentry-SHOP-1000')
  },
  {
    name: 'finds the merged pull request of a deleted branch, and none for a branch without any',
    gives: 'value',
    run: async github => [
      await github.pullRequestsForBranch('fix/sentry-GONE-2'),
      await github.pullRequestsForBranch('fix/sentry-SHOP-1100')
    ]
  },
  {
    name: 'reports a rejected token as auth (401), then answers from the world once the fault is spent',
    gives: 'value',
    fault: { method: 'defaultBranch', response: githubFaults.badCredentials() },
    run: async github => [await outcome(github.defaultBranch()), await github.defaultBranch()]
  },
  {
    name: 'reports a token without permission as auth (403)',
    gives: 'auth',
    fault: { method: 'listBranches', response: githubFaults.notAccessible() },
    run: github => github.listBranches('fix/sentry-')
  },
  {
    name: "reports GitHub's 502 page as a server error, its HTML reduced to text",
    gives: 'server',
    fault: { method: 'pullRequestsForBranch', response: githubFaults.badGateway() },
    run: github => github.pullRequestsForBranch('fix/sentry-SHOP-1000')
  },
  {
    name: 'reports a 502 while reading a branch as a server error, not as a missing branch',
    gives: 'server',
    fault: { method: 'branchSha', response: githubFaults.badGateway() },
    run: github => github.branchSha('main')
  },
  {
    name: 'reports a 404 of the repository as not found',
    gives: 'not-found',
    fault: {
      method: 'defaultBranch',
      response: {
        status: 404,
        body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }
      }
    },
    run: github => github.defaultBranch()
  },
  {
    name: 'reports a secondary rate limit as rate-limit once retries are spent (403 with retry-after)',
    gives: 'rate-limit',
    fault: { method: 'listBranches', response: githubFaults.secondaryRateLimit(1) },
    run: github => github.listBranches('fix/sentry-')
  },
  {
    name: 'reports a primary rate limit as rate-limit once retries are spent (429)',
    gives: 'rate-limit',
    fault: { method: 'branchSha', response: githubFaults.primaryRateLimit({ status: 429 }) },
    run: github => github.branchSha('main')
  }
]

describe('the in-memory GitHub reader answers as the Octokit adapter over the fake GitHub', () => {
  it.each(GITHUB_CASES)('$name', async ({ gives, world: build = githubWorld, fault, run }) => {
    const world = build()
    const fake = await startFakeGitHub(world)
    closers.push(() => fake.close())
    const log = recordingLog()
    // no retries: a fault answers the one attempt, as the in-memory fault stands for the answer once retries are spent
    const octokit = createOctokit({
      token: 'ghs_contractTestToken0123456789abcdefAB',
      baseUrl: fake.url,
      log,
      retries: 0
    })
    const http = createGitHubReader(octokit, { owner: world.owner, repo: world.repo }, log)
    const memory = memoryGitHub(world)
    if (fault) {
      fake.faults.push({ match: METHOD_PATHS[fault.method], times: 1, response: fault.response })
      memory.faults.push({ method: fault.method, times: 1, response: fault.response })
    }

    const viaHttp = await outcome(run(http))
    const inMemory = await outcome(run(memory))

    expect(shape(viaHttp)).toBe(gives)
    expect(inMemory).toEqual(viaHttp)
    // a fault answers once on each side and is then gone
    expect(memory.faults).toHaveLength(fake.faults.length)
  })
})
