import { afterEach, describe, expect, it } from '@jest/globals'
import { Octokit } from '@octokit/rest'
import { createOctokit } from '../../src/adapters/github-octokit.js'
import { createGitHubWriter, isPullRequestExists } from '../../src/adapters/github-writer.js'
import {
  fakeSha,
  githubFaults,
  makePull,
  makeWorld,
  startFakeGitHub,
  type FakeGitHub,
  type GitHubWorld
} from '../../test-support/sandbox/fake-github.js'
import { findLeaks } from '../../test-support/leaks.js'
import { recordingLog } from '../../test-support/recording-log.js'

const WRITE_TOKEN = 'ghs_writerTokenCCCCCCCCCCCCCCCCCCCCCCCCC'
const BRANCH = 'fix/sentry-SHOP-42'

const fakes: FakeGitHub[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map(f => f.close()))
})

async function start(partial: Partial<GitHubWorld> = {}): Promise<FakeGitHub> {
  const world = makeWorld({
    branches: { main: fakeSha('main'), [BRANCH]: fakeSha(BRANCH) },
    collaborators: ['alice', 'bob'],
    ...partial
  })
  const fake = await startFakeGitHub(world, { tokens: { write: [WRITE_TOKEN] } })
  fakes.push(fake)
  return fake
}

// The action's Octokit (createOctokit) has the retry and throttling plugins. Throttling spaces the writes that notify
// people (POST pulls, requested_reviewers) 3 s apart across every client in the process, so only the tests that are
// about the plugins, or about the whole path as production runs it, use it; the rest use a bare Octokit.
function writer(fake: FakeGitHub, token = WRITE_TOKEN, client: 'action' | 'bare' = 'action') {
  const log = recordingLog()
  const octokit =
    client === 'action'
      ? createOctokit({ token, baseUrl: fake.url, log, retries: 2 })
      : new Octokit({
          auth: token,
          baseUrl: fake.url,
          log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
        })
  const github = createGitHubWriter(octokit, { owner: fake.world.owner, repo: fake.world.repo }, log)
  const warnings = () => log.lines.filter(l => l.level === 'warning').map(l => l.message)
  return { github, log, warnings }
}

const PR = {
  branch: BRANCH,
  base: 'main',
  title: 'fix: resolve SHOP-42 — guard a missing cart',
  body: 'Sentry issue SHOP-42.\n\nMachine-generated: needs review.',
  draft: true,
  labels: ['sentry', 'automated-fix'],
  reviewers: ['alice'],
  teamReviewers: ['payments']
}

const pullPosts = (fake: FakeGitHub) =>
  fake.requests.filter(r => r.method === 'POST' && r.path === '/repos/acme/shop/pulls')

describe('GitHub writer: opening a pull request', () => {
  it('opens a draft PR with title, body and base, labels it, requests users and teams; a second open is exists', async () => {
    const fake = await start({ labels: [{ name: 'sentry', color: 'ff0000' }] })
    const { github, log, warnings } = writer(fake)

    const outcome = await github.openPullRequest(PR)

    expect(outcome).toEqual({ kind: 'opened', number: 1, url: 'https://github.com/acme/shop/pull/1' })
    const [pull] = fake.world.pulls
    expect(pull).toMatchObject({
      number: 1,
      head: { ref: BRANCH },
      base: { ref: 'main' },
      title: PR.title,
      body: PR.body,
      draft: true,
      labels: ['sentry', 'automated-fix'],
      requested_reviewers: ['alice'],
      requested_teams: ['payments']
    })
    // the missing label was created by GitHub itself
    expect(fake.world.labels.map(l => l.name)).toEqual(['sentry', 'automated-fix'])
    expect(JSON.parse(pullPosts(fake)[0]?.body ?? '{}')).toEqual({
      head: BRANCH,
      base: 'main',
      title: PR.title,
      body: PR.body,
      draft: true
    })

    // the same head again (a re-run, or a concurrent run): GitHub answers 422 errors[].resource PullRequest
    const again = await github.openPullRequest(PR)

    expect(again).toEqual({ kind: 'exists' })
    expect(fake.world.pulls).toHaveLength(1)
    // no label or review call for a PR this call did not open
    expect(fake.writes().map(r => r.path)).toEqual([
      '/repos/acme/shop/pulls',
      '/repos/acme/shop/issues/1/labels',
      '/repos/acme/shop/pulls/1/requested_reviewers',
      '/repos/acme/shop/pulls'
    ])
    expect(log.lines.map(l => l.message).join('\n')).toContain('#1 from fix/sentry-SHOP-42 already exists')
    expect(warnings()).toEqual([])
  })

  it('opens after a 502 from GitHub: the retry plugin retries it', async () => {
    const fake = await start()
    fake.faults.push({
      match: r => r.method === 'POST' && r.path.endsWith('/pulls'),
      times: 1,
      response: githubFaults.badGateway()
    })

    const outcome = await writer(fake).github.openPullRequest({
      ...PR,
      labels: [],
      reviewers: [],
      teamReviewers: []
    })

    expect(outcome).toMatchObject({ kind: 'opened', number: 1 })
    expect(pullPosts(fake).map(r => r.body)).toEqual([pullPosts(fake)[0]?.body, pullPosts(fake)[0]?.body])
    expect(fake.world.pulls).toHaveLength(1)
  })

  it('opens after a secondary rate limit: the throttling plugin waits retry-after and retries, with a warning', async () => {
    const fake = await start()
    fake.faults.push({
      match: r => r.method === 'POST' && r.path.endsWith('/pulls'),
      times: 1,
      response: githubFaults.secondaryRateLimit(1)
    })
    const { github, warnings } = writer(fake)

    const outcome = await github.openPullRequest({ ...PR, labels: [], reviewers: [], teamReviewers: [] })

    expect(outcome).toMatchObject({ kind: 'opened', number: 1 })
    expect(pullPosts(fake)).toHaveLength(2)
    expect(warnings()).toHaveLength(1)
    expect(warnings()[0]).toMatch(
      /secondary rate limit on POST \/repos\/\{owner\}\/\{repo\}\/pulls: waiting 1 s before retry 1/
    )
  })

  it('fails on a 401 with a reason naming github-token, without retrying and without quoting the token', async () => {
    const fake = await start()
    const { github, log } = writer(fake, 'ghs_expiredTokenDDDDDDDDDDDDDDDDDDDDDDDD')

    const outcome = await github.openPullRequest(PR)

    expect(outcome.kind).toBe('failed')
    const reason = outcome.kind === 'failed' ? outcome.reason : ''
    expect(reason).toContain('401')
    expect(reason).toContain('github-token')
    expect(reason).toContain('Bad credentials')
    expect(fake.writes()).toHaveLength(1)
    expect(
      findLeaks(['ghs_expiredTokenDDDDDDDDDDDDDDDDDDDDDDDD'], {
        reason,
        log: log.lines.map(l => l.message).join('\n')
      })
    ).toEqual([])
  })

  it('keeps the PR opened when labelling fails (403), and warns', async () => {
    const fake = await start()
    fake.faults.push({
      match: r => r.method === 'POST' && r.path.endsWith('/labels'),
      times: 1,
      response: githubFaults.notAccessible()
    })
    const { github, warnings } = writer(fake)

    const outcome = await github.openPullRequest({ ...PR, reviewers: [], teamReviewers: [] })

    expect(outcome).toMatchObject({ kind: 'opened', number: 1 })
    expect(fake.world.pulls[0]?.labels).toEqual([])
    expect(warnings()).toHaveLength(1)
    expect(warnings()[0]).toContain('#1 was opened without its labels (sentry, automated-fix)')
    expect(warnings()[0]).toContain('403')
  })

  it('keeps the PR opened when a reviewer is not a collaborator (422), and warns', async () => {
    const fake = await start()
    const { github, warnings } = writer(fake, WRITE_TOKEN, 'bare')

    const outcome = await github.openPullRequest({
      ...PR,
      labels: [],
      reviewers: ['mallory'],
      teamReviewers: []
    })

    expect(outcome).toMatchObject({ kind: 'opened', number: 1 })
    expect(fake.world.pulls[0]?.requested_reviewers).toEqual([])
    expect(warnings()).toHaveLength(1)
    expect(warnings()[0]).toContain('mallory')
    expect(warnings()[0]).toContain('only be requested from collaborators')
  })

  it('makes no label or review call when there are none, and opens a ready (non-draft) PR', async () => {
    const fake = await start()
    const { github } = writer(fake, WRITE_TOKEN, 'bare')

    const outcome = await github.openPullRequest({
      ...PR,
      draft: false,
      labels: [' ', ''],
      reviewers: [],
      teamReviewers: []
    })

    expect(outcome.kind).toBe('opened')
    expect(fake.writes().map(r => r.path)).toEqual(['/repos/acme/shop/pulls'])
    expect(fake.world.pulls[0]?.draft).toBe(false)
  })

  it('answers exists for an open PR from the same head opened by someone else', async () => {
    const fake = await start({ pulls: [makePull({ number: 7, head: BRANCH })] })
    const { github, log } = writer(fake, WRITE_TOKEN, 'bare')

    expect(await github.openPullRequest(PR)).toEqual({ kind: 'exists' })
    expect(log.lines.map(l => l.message).join('\n')).toContain('#7')
  })

  it('does not take another 422 of the same shape (no commits between base and head) for an existing PR', async () => {
    const fake = await start({ branches: { main: fakeSha('main'), [BRANCH]: fakeSha('main') } })

    const outcome = await writer(fake, WRITE_TOKEN, 'bare').github.openPullRequest(PR)

    expect(outcome.kind).toBe('failed')
    expect(outcome.kind === 'failed' && outcome.reason).toContain('422')
    expect(outcome.kind === 'failed' && outcome.reason).toContain('No commits between main and')
    expect(fake.world.pulls).toHaveLength(0)
  })
})

describe('isPullRequestExists', () => {
  const response = (errors: unknown) => ({ status: 422, response: { status: 422, data: { errors } } })

  it('recognises the 422 by status and errors[] fields, whatever the message says', () => {
    expect(isPullRequestExists(response([{ resource: 'PullRequest', code: 'custom', message: 'x' }]))).toBe(
      true
    )
    expect(isPullRequestExists(response([{ resource: 'PullRequest', code: 'already_exists' }]))).toBe(true)
    expect(isPullRequestExists(response([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]))).toBe(
      false
    )
    expect(isPullRequestExists(response([{ resource: 'Issue', code: 'custom' }]))).toBe(false)
    expect(
      isPullRequestExists({
        status: 400,
        response: { data: { errors: [{ resource: 'PullRequest', code: 'custom' }] } }
      })
    ).toBe(false)
    expect(isPullRequestExists(new Error('A pull request already exists for acme:x.'))).toBe(false)
    expect(isPullRequestExists(null)).toBe(false)
  })
})
