import { afterEach, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import {
  createGitHubReader,
  createOctokit,
  GitHubError,
  toGitHubError
} from '../../src/adapters/github-octokit.js'
import type { Log } from '../../src/ports.js'
import {
  fakeSha,
  githubFaults,
  makePull,
  makeWorld,
  startFakeGitHub,
  type FakeGitHub,
  type FakeGitHubOptions,
  type GitHubWorld
} from '../../test-support/sandbox/fake-github.js'

const WRITE_TOKEN = 'ghs_writeTokenAAAAAAAAAAAAAAAAAAAAAAAA'
const READ_TOKEN = 'ghs_readTokenBBBBBBBBBBBBBBBBBBBBBBBBB'
const TOKENS: FakeGitHubOptions = { tokens: { write: [WRITE_TOKEN], read: [READ_TOKEN] } }

const fakes: FakeGitHub[] = []
const tempDirs: string[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map(f => f.close()))
  await Promise.all(tempDirs.splice(0).map(d => rm(d, { recursive: true, force: true })))
})

async function start(world: GitHubWorld, options: FakeGitHubOptions = TOKENS): Promise<FakeGitHub> {
  const fake = await startFakeGitHub(world, options)
  fakes.push(fake)
  return fake
}

function recordingLog(): Log & { warnings: string[]; lines: string[] } {
  const warnings: string[] = []
  const lines: string[] = []
  return {
    warnings,
    lines,
    info: m => lines.push(m),
    debug: m => lines.push(m),
    warning: m => {
      warnings.push(m)
      lines.push(m)
    },
    group: (_name, fn) => fn()
  }
}

function reader(fake: FakeGitHub, token = READ_TOKEN, log = recordingLog()) {
  const octokit = createOctokit({ token, baseUrl: fake.url, log })
  return { github: createGitHubReader(octokit, { owner: fake.world.owner, repo: fake.world.repo }, log), log }
}

async function caught(promise: Promise<unknown>): Promise<GitHubError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof GitHubError) return error
    throw error
  }
  throw new Error('expected a GitHubError, got success')
}

describe('GitHub reader: branches', () => {
  it('lists every fix branch across three pages in one paginated walk, and no other branch', async () => {
    const branches: Record<string, string> = { main: fakeSha('main') }
    const fixBranches = Array.from({ length: 250 }, (_, i) => `fix/sentry-SHOP-${1000 + i}`)
    for (const name of fixBranches) branches[name] = fakeSha(name)
    Object.assign(branches, {
      'fix/sentry': fakeSha('a'),
      'fix/other-1': fakeSha('b'),
      'feature/fix/sentry-X': fakeSha('c'),
      'fix/Sentry-UPPER': fakeSha('d')
    })
    const fake = await start(makeWorld({ branches }))
    const { github } = reader(fake)

    const listed = await github.listBranches('fix/sentry-')

    expect([...listed].sort()).toEqual([...fixBranches].sort())
    const calls = fake.requests.filter(r => r.path.includes('/git/matching-refs/'))
    expect(calls).toHaveLength(3)
    expect(calls.map(r => r.path)).toEqual(
      Array(3).fill('/repos/acme/shop/git/matching-refs/heads/fix/sentry-')
    )
    expect(calls.map(r => r.query.get('per_page'))).toEqual(['100', '100', '100'])
    expect(calls.map(r => r.query.get('page') ?? '1')).toEqual(['1', '2', '3'])
  })

  it('returns an empty list when no branch has the prefix', async () => {
    const fake = await start(makeWorld({ branches: { main: fakeSha('main'), 'fix/other': fakeSha('o') } }))
    expect(await reader(fake).github.listBranches('fix/sentry-')).toEqual([])
  })

  it('reads the SHA of a branch whose name contains slashes', async () => {
    const sha = fakeSha('deep')
    const fake = await start(makeWorld({ branches: { main: fakeSha('main'), 'fix/sentry-A/deep': sha } }))
    expect(await reader(fake).github.branchSha('fix/sentry-A/deep')).toBe(sha)
    expect(await reader(fake).github.defaultBranch()).toBe('main')
  })

  it('reports a missing branch as not-found naming the branch and the base-branch input', async () => {
    const fake = await start(makeWorld({ branches: { main: fakeSha('main'), 'release/2026': fakeSha('r') } }))
    const error = await caught(reader(fake).github.branchSha('release'))
    expect(error.kind).toBe('not-found')
    expect(error.status).toBe(404)
    expect(error.message).toContain("'release'")
    expect(error.message).toContain('base-branch')
  })

  it('serves branches live from a bare repository, including ones pushed after the fake started', async () => {
    const run = promisify(execFile)
    const dir = await mkdtemp(path.join(tmpdir(), 'fake-github-'))
    tempDirs.push(dir)
    const bare = path.join(dir, 'remote.git')
    const work = path.join(dir, 'work')
    const git = (cwd: string, ...args: string[]) =>
      run('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], { cwd })
    await run('git', ['init', '--bare', '-b', 'main', bare])
    await run('git', ['init', '-b', 'main', work])
    await git(work, 'commit', '--allow-empty', '-m', 'initial')
    await git(work, 'push', bare, 'main', 'main:fix/sentry-ONE')
    const fake = await start(makeWorld({ branches: {} }), { ...TOKENS, bareRepo: bare })
    const { github } = reader(fake)

    expect(await github.listBranches('fix/sentry-')).toEqual(['fix/sentry-ONE'])
    await git(work, 'commit', '--allow-empty', '-m', 'second')
    await git(work, 'push', bare, 'main:fix/sentry-TWO')
    const head = (await git(work, 'rev-parse', 'HEAD')).stdout.trim()

    expect(await github.listBranches('fix/sentry-')).toEqual(['fix/sentry-ONE', 'fix/sentry-TWO'])
    expect(await github.branchSha('fix/sentry-TWO')).toBe(head)
  })
})

describe('GitHub reader: pull requests for a fix branch', () => {
  const BRANCH = 'fix/sentry-PAY-1'

  function world(): GitHubWorld {
    return makeWorld({
      branches: { main: fakeSha('main'), [BRANCH]: fakeSha('open head') },
      pulls: [
        // deliberately out of order
        makePull({
          number: 7,
          head: BRANCH,
          created_at: '2026-02-01T00:00:00Z',
          closed_at: '2026-02-03T00:00:00Z'
        }),
        makePull({
          number: 12,
          head: { ref: BRANCH, sha: fakeSha('open head') },
          created_at: '2026-03-01T00:00:00Z'
        }),
        makePull({
          number: 3,
          head: BRANCH,
          created_at: '2026-01-01T00:00:00Z',
          merged_at: '2026-01-02T00:00:00Z'
        }),
        // noise: a longer branch name with the same prefix, a fork with the same ref name, another branch
        makePull({ number: 13, head: `${BRANCH}0`, created_at: '2026-03-02T00:00:00Z' }),
        makePull({ number: 14, head: { ref: BRANCH, owner: 'mallory' }, created_at: '2026-03-03T00:00:00Z' }),
        makePull({ number: 15, head: 'feature/x', created_at: '2026-03-04T00:00:00Z' }),
        // a merged fix whose branch was deleted afterwards (not in branches)
        makePull({
          number: 5,
          head: 'fix/sentry-GONE-2',
          created_at: '2026-01-10T00:00:00Z',
          merged_at: '2026-01-11T00:00:00Z'
        })
      ]
    })
  }

  it('finds the open, the closed-unmerged and the merged PR of a branch, newest first, by head=owner:branch', async () => {
    const fake = await start(world())
    const prs = await reader(fake).github.pullRequestsForBranch(BRANCH)

    expect(prs).toEqual([
      {
        number: 12,
        url: 'https://github.com/acme/shop/pull/12',
        state: 'open',
        createdAt: '2026-03-01T00:00:00Z',
        closedAt: null,
        mergedAt: null
      },
      {
        number: 7,
        url: 'https://github.com/acme/shop/pull/7',
        state: 'closed',
        createdAt: '2026-02-01T00:00:00Z',
        closedAt: '2026-02-03T00:00:00Z',
        mergedAt: null
      },
      {
        number: 3,
        url: 'https://github.com/acme/shop/pull/3',
        state: 'closed',
        createdAt: '2026-01-01T00:00:00Z',
        closedAt: '2026-01-02T00:00:00Z',
        mergedAt: '2026-01-02T00:00:00Z'
      }
    ])
    const [call, ...more] = fake.requests.filter(r => r.path === '/repos/acme/shop/pulls')
    expect(more).toEqual([])
    expect(call?.query.get('head')).toBe(`acme:${BRANCH}`)
    expect(call?.query.get('state')).toBe('all')
  })

  it('finds the merged PR of a branch that has since been deleted', async () => {
    const fake = await start(world())
    const prs = await reader(fake).github.pullRequestsForBranch('fix/sentry-GONE-2')
    expect(prs.map(p => [p.number, p.state, p.mergedAt])).toEqual([[5, 'closed', '2026-01-11T00:00:00Z']])
  })
})

describe('GitHub client: retries, rate limits and errors', () => {
  it('retries a 502 and returns the answer', async () => {
    const fake = await start(makeWorld({ defaultBranch: 'trunk', branches: { trunk: fakeSha('t') } }))
    fake.faults.push({
      match: r => r.path === '/repos/acme/shop',
      times: 1,
      response: githubFaults.badGateway()
    })

    expect(await reader(fake).github.defaultBranch()).toBe('trunk')
    expect(fake.requests.filter(r => r.path === '/repos/acme/shop')).toHaveLength(2)
    expect(fake.faults).toHaveLength(0)
  })

  it('abandons a request that outlives its time limit and retries it with a time limit of its own', async () => {
    const fake = await start(makeWorld({ defaultBranch: 'trunk', branches: { trunk: fakeSha('t') } }))
    // the first answer comes after the 1 s limit; the retry (1 s later, by the retry plugin) would fail at once had it
    // inherited the first attempt's limit
    fake.faults.push({
      match: r => r.path === '/repos/acme/shop',
      times: 1,
      response: { status: 200, body: { default_branch: 'stale' }, delayMs: 3_000 }
    })
    const log = recordingLog()
    const octokit = createOctokit({ token: READ_TOKEN, baseUrl: fake.url, log, timeoutMs: 1_000, retries: 1 })

    expect(await createGitHubReader(octokit, { owner: 'acme', repo: 'shop' }, log).defaultBranch()).toBe(
      'trunk'
    )
    expect(fake.requests.filter(r => r.path === '/repos/acme/shop')).toHaveLength(2)
    expect(log.lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^GET \/repos\/acme\/shop - failed in \d+ ms/),
        expect.stringMatching(/^GET \/repos\/acme\/shop - 200 in \d+ ms$/)
      ])
    )
  })

  it('waits out a secondary rate limit (retry-after 1) with a warning and then succeeds', async () => {
    const fake = await start(makeWorld({ branches: { main: fakeSha('m'), 'fix/sentry-A': fakeSha('a') } }))
    fake.faults.push({
      match: r => r.path.includes('/git/matching-refs/'),
      times: 1,
      response: githubFaults.secondaryRateLimit(1)
    })
    const { github, log } = reader(fake)
    const started = Date.now()

    expect(await github.listBranches('fix/sentry-')).toEqual(['fix/sentry-A'])
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    expect(fake.requests.filter(r => r.path.includes('/git/matching-refs/'))).toHaveLength(2)
    expect(log.warnings).toEqual([
      expect.stringMatching(/secondary rate limit .*waiting 1 s before retry 1 of 3/)
    ])
  })

  it('gives up on a rate limit after the configured number of retries and classifies it as rate-limit', async () => {
    const fake = await start(makeWorld())
    fake.faults.push({ match: () => true, times: 5, response: githubFaults.secondaryRateLimit(0.01) })
    const log = recordingLog()
    const octokit = createOctokit({ token: READ_TOKEN, baseUrl: fake.url, log, retries: 1 })
    const error = await caught(
      createGitHubReader(octokit, { owner: 'acme', repo: 'shop' }, log).defaultBranch()
    )

    expect(error.kind).toBe('rate-limit')
    expect(error.status).toBe(403)
    expect(fake.requests).toHaveLength(2)
    expect(log.warnings.at(-1)).toMatch(/giving up after 1 retries/)
  })

  it('reports a rejected token as auth with a clear message that does not contain the token, without retrying', async () => {
    const fake = await start(makeWorld())
    const bogus = 'ghp_bogusTokenCCCCCCCCCCCCCCCCCCCCCCCCC'
    const error = await caught(reader(fake, bogus).github.listBranches('fix/sentry-'))

    expect(error.kind).toBe('auth')
    expect(error.status).toBe(401)
    expect(error.message).toMatch(
      /^GitHub rejected github-token \(401\) while listing branches .*: Bad credentials\./
    )
    expect(`${error.message} ${error.stack ?? ''} ${JSON.stringify(error)}`).not.toContain(bogus)
    expect(fake.requests).toHaveLength(1)
    expect(fake.tokenOf(fake.requests[0]!)).toBe(bogus)
  })

  it('reports a missing permission (403) with the permissions the job needs', async () => {
    const fake = await start(makeWorld())
    fake.faults.push({
      match: r => r.path === '/repos/acme/shop/pulls',
      times: 1,
      response: githubFaults.notAccessible()
    })
    const error = await caught(reader(fake).github.pullRequestsForBranch('fix/sentry-A'))

    expect(error.kind).toBe('auth')
    expect(error.message).toContain('pull-requests: read')
    expect(error.message).toContain('contents: read')
    expect(fake.requests).toHaveLength(1)
  })

  it('reports an unknown repository as not-found', async () => {
    const fake = await start(makeWorld())
    const log = recordingLog()
    const octokit = createOctokit({ token: READ_TOKEN, baseUrl: fake.url, log })
    const error = await caught(
      createGitHubReader(octokit, { owner: 'acme', repo: 'nope' }, log).defaultBranch()
    )
    expect(error.kind).toBe('not-found')
    expect(error.message).toContain('repository or ref not found')
    expect(error.message).toContain('acme/nope')
  })

  it('classifies an unreachable server as a network error', async () => {
    const fake = await start(makeWorld())
    const url = fake.url
    await fake.close()
    const log = recordingLog()
    const octokit = createOctokit({ token: READ_TOKEN, baseUrl: url, log, retries: 0 })
    const error = await caught(
      createGitHubReader(octokit, { owner: 'acme', repo: 'shop' }, log).defaultBranch()
    )
    expect(error.kind).toBe('network')
    expect(error.status).toBeUndefined()
  })

  it('classifies by status code, not by message text', () => {
    const response = (status: number, headers: Record<string, string> = {}) => ({
      status,
      response: { status, headers, data: { message: 'Bad credentials' } }
    })
    expect(toGitHubError(response(422), 'x').kind).toBe('validation')
    expect(toGitHubError(response(503), 'x').kind).toBe('server')
    expect(toGitHubError(response(429), 'x').kind).toBe('rate-limit')
    expect(toGitHubError(response(403, { 'x-ratelimit-remaining': '0' }), 'x').kind).toBe('rate-limit')
    expect(toGitHubError(response(403), 'x').kind).toBe('auth')
    expect(toGitHubError(new TypeError('fetch failed'), 'x').kind).toBe('network')
  })
})

describe('GitHub client: read-only (the fix-quality ledger)', () => {
  it('sends reads and GraphQL queries, and refuses a write or a mutation before it leaves', async () => {
    const fake = await start(makeWorld({ defaultBranch: 'trunk', branches: { trunk: fakeSha('t') } }))
    const octokit = createOctokit({
      token: READ_TOKEN,
      baseUrl: fake.url,
      log: recordingLog(),
      readOnly: true
    })
    expect((await octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'shop' })).status).toBe(
      200
    )
    await expect(
      octokit.request('POST /repos/{owner}/{repo}/pulls', {
        owner: 'acme',
        repo: 'shop',
        head: 'x',
        base: 'trunk'
      })
    ).rejects.toThrow('a read-only GitHub client refused POST /repos/{owner}/{repo}/pulls')
    await expect(
      octokit.graphql(
        '# a comment first\nmutation { addStar(input: {starrableId: "x"}) { clientMutationId } }'
      )
    ).rejects.toThrow('a read-only GitHub client refused POST /graphql')
    expect(fake.requests.filter(r => r.method !== 'GET')).toEqual([])
    // a query goes out (the fake answers what it knows of the schema)
    await octokit.graphql('query { viewer { login } }').catch(() => undefined)
    expect(fake.requests.filter(r => r.method === 'POST').map(r => r.path)).toEqual(['/graphql'])
  })
})

describe('fake GitHub', () => {
  async function post(fake: FakeGitHub, path: string, token: string, body: unknown) {
    const res = await fetch(`${fake.url}${path}`, {
      method: 'POST',
      headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body)
    })
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> }
  }

  it('refuses a second pull request from the same head with 422 and errors[].resource PullRequest', async () => {
    const fake = await start(makeWorld({ branches: { main: fakeSha('m'), 'fix/sentry-A': fakeSha('a') } }))
    const pr = { title: 'fix: resolve A', head: 'fix/sentry-A', base: 'main', body: 'b' }

    const first = await post(fake, '/repos/acme/shop/pulls', WRITE_TOKEN, pr)
    expect(first.status).toBe(201)
    expect(first.body).toMatchObject({
      number: 1,
      state: 'open',
      head: { ref: 'fix/sentry-A', label: 'acme:fix/sentry-A' }
    })

    const second = await post(fake, '/repos/acme/shop/pulls', WRITE_TOKEN, pr)
    expect(second.status).toBe(422)
    expect(second.body.message).toBe('Validation Failed')
    expect(second.body.errors).toEqual([
      {
        resource: 'PullRequest',
        code: 'custom',
        message: 'A pull request already exists for acme:fix/sentry-A.'
      }
    ])
    expect(fake.world.pulls).toHaveLength(1)
  })

  it('refuses a pull request whose head branch does not exist with 422', async () => {
    const fake = await start(makeWorld())
    const res = await post(fake, '/repos/acme/shop/pulls', WRITE_TOKEN, {
      title: 't',
      head: 'fix/none',
      base: 'main'
    })
    expect(res.status).toBe(422)
    expect(res.body.errors).toEqual([{ resource: 'PullRequest', field: 'head', code: 'invalid' }])
  })

  it('answers a write with a read-only token with 403 and records it', async () => {
    const fake = await start(makeWorld({ branches: { main: fakeSha('m'), 'fix/sentry-A': fakeSha('a') } }))
    const res = await post(fake, '/repos/acme/shop/labels', READ_TOKEN, { name: 'sentry', color: 'ff0000' })

    expect(res.status).toBe(403)
    expect(res.body.message).toBe('Resource not accessible by integration')
    expect(fake.writes()).toHaveLength(1)
    expect(fake.tokenOf(fake.writes()[0]!)).toBe(READ_TOKEN)
    expect(fake.world.labels).toEqual([])
  })

  it('refuses a duplicate label with 422 already_exists', async () => {
    const fake = await start(makeWorld({ labels: [{ name: 'Sentry' }] }))
    const res = await post(fake, '/repos/acme/shop/labels', WRITE_TOKEN, { name: 'sentry' })
    expect(res.status).toBe(422)
    expect(res.body.errors).toEqual([{ resource: 'Label', code: 'already_exists', field: 'name' }])
  })

  it('sends rate-limit headers and a JSON 404 for an unknown route', async () => {
    const fake = await start(makeWorld())
    const res = await fetch(`${fake.url}/repos/acme/shop/nothing-here`, {
      headers: { authorization: `Bearer ${READ_TOKEN}` }
    })
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(res.headers.get('x-ratelimit-limit')).toBe('5000')
    expect(res.headers.get('x-ratelimit-remaining')).toBe('4999')
    expect(res.headers.get('x-ratelimit-resource')).toBe('core')
    expect(((await res.json()) as { message: string }).message).toBe('Not Found')
  })
})
