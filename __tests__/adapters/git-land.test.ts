// The land stage's git adapter against REAL git: the sample checkout, its bare remote served over git's smart HTTP by a
// server in this process that demands the sample token and records every credential that reached it.
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from '@jest/globals'
import { createGitLander } from '../../src/adapters/git-land.js'
import { pushAuthHeader, tokenForms } from '../../src/adapters/git-push-auth.js'
import type { PushOutcome } from '../../src/ports.js'
import { findLeaks } from '../../test-support/leaks.js'
import { recordingLog } from '../../test-support/recording-log.js'
import {
  createSampleCheckout,
  git,
  SAMPLE_FIXES,
  type SampleCheckout,
  type SampleCheckoutOptions
} from '../../test-support/sandbox/sample-repo.js'

const BRANCH = 'fix/sentry-API-12'
const MESSAGE = 'fix: resolve API-12 — total carts that have no cached summary from their items'
const BOT = {
  name: 'sentry-codex-triage[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com'
}
const WRONG_TOKEN = 'ghs_wrongTokenWrongTokenWrongToken0123'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function sampleCheckout(
  options: SampleCheckoutOptions = {}
): Promise<SampleCheckout & { http: NonNullable<SampleCheckout['http']> }> {
  const sample = await createSampleCheckout({ remote: 'http', ...options })
  cleanups.push(() => sample.cleanup())
  const http = sample.http
  if (!http) throw new Error('the sample has no HTTP remote')
  return { ...sample, http }
}

function landerFor(sample: SampleCheckout & { http: { url: string } }, token = sample.token) {
  const log = recordingLog()
  const worktreesDir = path.join(sample.runnerTemp, 'worktrees')
  const lander = createGitLander({
    dir: sample.checkout,
    worktreesDir,
    token,
    author: BOT,
    log,
    serverUrl: sample.http.url
  })
  return { lander, log, worktreesDir }
}

async function remoteRef(sample: SampleCheckout, branch: string): Promise<string | null> {
  const out = await git(sample.bare, ['for-each-ref', '--format=%(objectname)', `refs/heads/${branch}`])
  return out === '' ? null : out
}

/** The checkout has its own worktree only, and the worktrees folder holds nothing. */
async function expectNoTemporaryWorktree(sample: SampleCheckout, worktreesDir: string): Promise<void> {
  const list = await git(sample.checkout, ['worktree', 'list', '--porcelain'])
  const worktrees = list.split('\n').filter(line => line.startsWith('worktree '))
  expect(worktrees).toEqual([`worktree ${sample.checkout}`])
  const left = await readdir(worktreesDir).catch(() => [])
  expect(left).toEqual([])
  const admin = await readdir(path.join(sample.checkout, '.git', 'worktrees')).catch(() => [])
  expect(admin).toEqual([])
}

/** Every file under the checkout's .git except objects and packs (config, config.worktree, worktrees/*, refs ...). */
async function gitMetadataTexts(gitDir: string): Promise<Record<string, string>> {
  const texts: Record<string, string> = {}
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name)
      if (entry.isDirectory()) {
        if (full === path.join(gitDir, 'objects')) continue
        await walk(full)
      } else if (entry.isFile()) {
        texts[path.relative(gitDir, full)] = await readFile(full, 'latin1')
      }
    }
  }
  await walk(gitDir)
  return texts
}

function expectPushed(outcome: PushOutcome): string {
  if (outcome.kind !== 'pushed') throw new Error(`expected a push, got ${JSON.stringify(outcome)}`)
  return outcome.sha
}

describe('createGitLander', () => {
  it('pushes a new branch whose only commit is the fix on the base, authenticated by the token alone', async () => {
    const sample = await sampleCheckout()
    const { lander, log, worktreesDir } = landerFor(sample)
    const before = sample.http.requests.length
    const checkoutHead = await git(sample.checkout, ['rev-parse', 'HEAD'])

    const outcome = await lander.commitAndPush({
      baseSha: sample.baseSha,
      patch: SAMPLE_FIXES['API-12'].unifiedDiff,
      branch: BRANCH,
      message: MESSAGE
    })

    const sha = expectPushed(outcome)
    expect(await remoteRef(sample, BRANCH)).toBe(sha)
    expect((await git(sample.bare, ['rev-list', `${sample.baseSha}..${BRANCH}`])).split('\n')).toEqual([sha])
    expect(await git(sample.bare, ['rev-parse', `${sha}^`])).toBe(sample.baseSha)
    expect(await git(sample.bare, ['log', '-1', '--format=%an <%ae>|%cn <%ce>', sha])).toBe(
      `${BOT.name} <${BOT.email}>|${BOT.name} <${BOT.email}>`
    )
    const commit = await git(sample.bare, ['cat-file', 'commit', sha])
    expect(commit.slice(commit.indexOf('\n\n') + 2)).toBe(MESSAGE)
    // the tree is the base with the fix applied
    expect(await git(sample.bare, ['show', `${sha}:${SAMPLE_FIXES['API-12'].testFile}`])).toContain('API-12')
    expect(await git(sample.bare, ['diff', '--name-only', sample.baseSha, sha])).toBe(
      [SAMPLE_FIXES['API-12'].file, SAMPLE_FIXES['API-12'].testFile].join('\n')
    )

    // the remote saw exactly the token's basic credential, and the push itself went through with it
    const requests = sample.http.requests.slice(before)
    const expected = pushAuthHeader(sample.token).slice('AUTHORIZATION: '.length)
    expect(requests.length).toBeGreaterThan(0)
    for (const request of requests) {
      if (request.authorization !== null) expect(request.authorization).toBe(expected)
    }
    expect(
      requests.some(r => r.method === 'POST' && r.url.endsWith('/git-receive-pack') && r.status === 200)
    ).toBe(true)

    // the checkout is as it was, and no trace of the token is left in its git metadata or the log
    expect(await git(sample.checkout, ['rev-parse', 'HEAD'])).toBe(checkoutHead)
    expect(await git(sample.checkout, ['status', '--porcelain'])).toBe('')
    expect(await git(sample.checkout, ['config', '--list', '--show-origin'])).not.toMatch(
      /user\.(name|email)/
    )
    const texts = await gitMetadataTexts(path.join(sample.checkout, '.git'))
    expect(Object.keys(texts)).toContain('config')
    expect(findLeaks([sample.token], texts)).toEqual([])
    expect(findLeaks([sample.token], { log: log.lines.map(l => l.message).join('\n') })).toEqual([])
    await expectNoTemporaryWorktree(sample, worktreesDir)
  })

  it('writes the token into no config file, not even while the push runs', async () => {
    const sample = await sampleCheckout()
    await git(sample.checkout, ['config', 'extensions.worktreeConfig', 'true'])
    // the remote's pre-receive hook runs while the push is under way: it copies the checkout's git metadata then
    const snapshot = path.join(sample.root, 'during-push')
    const hook = path.join(sample.bare, 'hooks', 'pre-receive')
    const gitDir = path.join(sample.checkout, '.git')
    await writeFile(
      hook,
      `#!/bin/sh\nmkdir -p '${snapshot}' && cp '${gitDir}/config' '${snapshot}/config' && ` +
        `cp -R '${gitDir}/worktrees' '${snapshot}/worktrees'\nexit 0\n`
    )
    await chmod(hook, 0o755)
    const { lander, worktreesDir } = landerFor(sample)
    const outcome = await lander.commitAndPush({
      baseSha: sample.baseSha,
      patch: SAMPLE_FIXES['WEB-7'].unifiedDiff,
      branch: 'fix/sentry-WEB-7',
      message: 'fix: resolve WEB-7 — show draft orders without a date as not placed yet'
    })
    expectPushed(outcome)
    const during = await gitMetadataTexts(snapshot)
    // the push runs from the checkout once the commits are made: the config it read then holds no token
    expect(Object.keys(during)).toContain('config')
    expect(findLeaks([sample.token], during)).toEqual([])
    expect(findLeaks([sample.token], await gitMetadataTexts(gitDir))).toEqual([])
    await expectNoTemporaryWorktree(sample, worktreesDir)
  })

  it.each([
    ['at the base (a plain push would fast-forward it)', 'base'],
    ['at another commit', 'initial']
  ])('reports exists and leaves the remote branch alone when the branch exists %s', async (_, where) => {
    const sample = await sampleCheckout()
    const existing = where === 'initial' ? sample.initialSha : sample.baseSha
    await git(sample.bare, ['update-ref', `refs/heads/${BRANCH}`, existing])
    const { lander, worktreesDir } = landerFor(sample)

    const outcome = await lander.commitAndPush({
      baseSha: sample.baseSha,
      patch: SAMPLE_FIXES['API-12'].unifiedDiff,
      branch: BRANCH,
      message: MESSAGE
    })

    expect(outcome).toEqual({ kind: 'exists' })
    expect(await remoteRef(sample, BRANCH)).toBe(existing)
    await expectNoTemporaryWorktree(sample, worktreesDir)
  })

  it('reports exists when the branch is created on the remote during the push (the remote refuses the create)', async () => {
    const sample = await sampleCheckout()
    // a pre-receive hook that creates the branch just before the remote applies the push: git's look at the refs
    // found no branch, so only the remote's own check stands between the push and an overwrite
    const hook = path.join(sample.bare, 'hooks', 'pre-receive')
    await writeFile(
      hook,
      `#!/bin/sh\nwhile read old new ref; do env -u GIT_QUARANTINE_PATH git update-ref "$ref" ${sample.baseSha} ""; done\nexit 0\n`
    )
    await chmod(hook, 0o755)
    const { lander, log, worktreesDir } = landerFor(sample)

    const outcome = await lander.commitAndPush({
      baseSha: sample.baseSha,
      patch: SAMPLE_FIXES['API-12'].unifiedDiff,
      branch: BRANCH,
      message: MESSAGE
    })

    expect(outcome).toEqual({ kind: 'exists' })
    expect(await remoteRef(sample, BRANCH)).toBe(sample.baseSha)
    expect(log.lines.map(l => l.message)).toContainEqual(
      expect.stringMatching(/created on the remote by someone else/)
    )
    await expectNoTemporaryWorktree(sample, worktreesDir)
  })

  it('creates a branch only once when two landings race for it', async () => {
    const sample = await sampleCheckout()
    const first = landerFor(sample)
    const second = landerFor(sample)
    const outcomes = await Promise.all([
      first.lander.commitAndPush({
        baseSha: sample.baseSha,
        patch: SAMPLE_FIXES['API-12'].unifiedDiff,
        branch: BRANCH,
        message: MESSAGE
      }),
      second.lander.commitAndPush({
        baseSha: sample.baseSha,
        patch: SAMPLE_FIXES['WEB-9'].unifiedDiff,
        branch: BRANCH,
        message: 'fix: resolve WEB-9 — another fix'
      })
    ])
    const pushed = outcomes.filter(o => o.kind === 'pushed')
    expect(pushed).toHaveLength(1)
    expect(outcomes.filter(o => o.kind === 'exists')).toHaveLength(1)
    expect(await remoteRef(sample, BRANCH)).toBe(expectPushed(pushed[0] as PushOutcome))
    await expectNoTemporaryWorktree(sample, first.worktreesDir)
  })

  it('reports exists for a branch already at the very same commit, unless this lander pushed it', async () => {
    const sample = await sampleCheckout()
    const request = {
      baseSha: sample.baseSha,
      patch: SAMPLE_FIXES['API-12'].unifiedDiff,
      branch: BRANCH,
      message: MESSAGE
    }
    // a fixed date makes two runs' commits identical, so that the second push is "up to date"
    const saved = { author: process.env.GIT_AUTHOR_DATE, committer: process.env.GIT_COMMITTER_DATE }
    process.env.GIT_AUTHOR_DATE = '2025-02-03T10:00:00Z'
    process.env.GIT_COMMITTER_DATE = '2025-02-03T10:00:00Z'
    try {
      const thisRun = landerFor(sample).lander
      const sha = expectPushed(await thisRun.commitAndPush(request))
      expect(await landerFor(sample).lander.commitAndPush(request)).toEqual({ kind: 'exists' })
      expect(await thisRun.commitAndPush(request)).toEqual({ kind: 'pushed', sha })
      expect(await remoteRef(sample, BRANCH)).toBe(sha)
    } finally {
      for (const [name, value] of [
        ['GIT_AUTHOR_DATE', saved.author],
        ['GIT_COMMITTER_DATE', saved.committer]
      ] as const) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
    }
  })

  it('fails as an auth failure with a wrong token, which never reaches the reason or the log', async () => {
    // the checkout's persisted credential holds the RIGHT token: it must not be sent along with the lander's
    const sample = await sampleCheckout({ persistCredentials: 'extraheader' })
    const { lander, log, worktreesDir } = landerFor(sample, WRONG_TOKEN)
    const before = sample.http.requests.length

    const outcome = await lander.commitAndPush({
      baseSha: sample.baseSha,
      patch: SAMPLE_FIXES['API-12'].unifiedDiff,
      branch: BRANCH,
      message: MESSAGE
    })

    expect(outcome.kind).toBe('failed')
    if (outcome.kind !== 'failed') return
    expect(outcome.auth).toBe(true)
    expect(outcome.reason).toMatch(
      /^the remote rejected github-token \(.+\) while pushing fix\/sentry-API-12: .+/
    )
    expect(outcome.reason).not.toContain('\n')
    expect(findLeaks([WRONG_TOKEN, sample.token], { reason: outcome.reason })).toEqual([])
    expect(findLeaks([WRONG_TOKEN], { log: log.lines.map(l => l.message).join('\n') })).toEqual([])
    expect(await remoteRef(sample, BRANCH)).toBeNull()
    const wrong = pushAuthHeader(WRONG_TOKEN).slice('AUTHORIZATION: '.length)
    const requests = sample.http.requests.slice(before)
    expect(requests.length).toBeGreaterThan(0)
    for (const request of requests) expect([wrong, null]).toContain(request.authorization)
    const texts = await gitMetadataTexts(path.join(sample.checkout, '.git'))
    expect(findLeaks([WRONG_TOKEN], texts)).toEqual([])
    await expectNoTemporaryWorktree(sample, worktreesDir)
  })

  it('fails with a clear reason, before any push, when the patch does not apply to the base', async () => {
    const sample = await sampleCheckout()
    const { lander, worktreesDir } = landerFor(sample)
    const before = sample.http.requests.length

    // API-31's fix is already in the base commit
    const outcome = await lander.commitAndPush({
      baseSha: sample.baseSha,
      patch: SAMPLE_FIXES['API-31'].unifiedDiff,
      branch: 'fix/sentry-API-31',
      message: 'fix: resolve API-31 — again'
    })

    expect(outcome.kind).toBe('failed')
    if (outcome.kind !== 'failed') return
    expect(outcome.auth).toBe(false)
    expect(outcome.reason).toMatch(
      new RegExp(
        `^the patch for fix/sentry-API-31 does not apply to the base commit ${sample.baseSha.slice(0, 12)}: `
      )
    )
    expect(outcome.reason).toContain('src/cart/discounts.js')
    expect(sample.http.requests.length).toBe(before)
    expect(await remoteRef(sample, 'fix/sentry-API-31')).toBeNull()
    await expectNoTemporaryWorktree(sample, worktreesDir)
  })

  it('fetches a base commit the shallow checkout does not have, with the scoped token', async () => {
    const sample = await sampleCheckout({ depth: 1 })
    const { lander, worktreesDir } = landerFor(sample)
    const outcome = await lander.commitAndPush({
      baseSha: sample.initialSha,
      patch: SAMPLE_FIXES['API-31'].unifiedDiff,
      branch: 'fix/sentry-API-31',
      message: 'fix: resolve API-31 — accept discount codes in any case'
    })
    const sha = expectPushed(outcome)
    expect(await git(sample.bare, ['rev-parse', `${sha}^`])).toBe(sample.initialSha)
    const texts = await gitMetadataTexts(path.join(sample.checkout, '.git'))
    expect(findLeaks([sample.token], texts)).toEqual([])
    await expectNoTemporaryWorktree(sample, worktreesDir)
  })

  it('never sends the token to a remote that is not on the GitHub server', async () => {
    const sample = await sampleCheckout()
    const before = sample.http.requests.length
    const log = recordingLog()
    const lander = createGitLander({
      dir: sample.checkout,
      worktreesDir: path.join(sample.runnerTemp, 'worktrees'),
      token: sample.token,
      author: BOT,
      log,
      serverUrl: 'https://github.com'
    })
    const outcome = await lander.commitAndPush({
      baseSha: sample.baseSha,
      patch: SAMPLE_FIXES['API-12'].unifiedDiff,
      branch: BRANCH,
      message: MESSAGE
    })
    expect(outcome).toMatchObject({ kind: 'failed', auth: false })
    if (outcome.kind === 'failed')
      expect(outcome.reason).toMatch(/not on the GitHub server https:\/\/github\.com/)
    expect(sample.http.requests.length).toBe(before)
  })

  it('refuses a branch name git would not accept', async () => {
    const sample = await sampleCheckout()
    const { lander } = landerFor(sample)
    const outcome = await lander.commitAndPush({
      baseSha: sample.baseSha,
      patch: SAMPLE_FIXES['API-12'].unifiedDiff,
      branch: 'fix/..bad',
      message: MESSAGE
    })
    expect(outcome).toMatchObject({
      kind: 'failed',
      auth: false,
      reason: "'fix/..bad' is not a valid branch name"
    })
  })
})

describe('createGitLander: several fixes at once', () => {
  it('pushes every branch in one push request, each create-only: an existing branch is refused alone', async () => {
    const sample = await sampleCheckout()
    const { lander, worktreesDir } = landerFor(sample)
    // someone else holds API-12's branch already
    await git(sample.bare, ['branch', BRANCH, sample.baseSha])
    const before = sample.http.requests.length
    const requests = (['API-12', 'WEB-9', 'WEB-7'] as const).map(id => ({
      baseSha: sample.baseSha,
      patch: SAMPLE_FIXES[id].unifiedDiff,
      branch: `fix/sentry-${id}`,
      message: `fix: resolve ${id}`
    }))

    const outcomes = await lander.commitAndPushAll(requests)

    expect(outcomes.map(o => o.kind)).toEqual(['exists', 'pushed', 'pushed'])
    expect(await remoteRef(sample, BRANCH)).toBe(sample.baseSha)
    for (const [i, id] of (['WEB-9', 'WEB-7'] as const).entries()) {
      const sha = expectPushed(outcomes[i + 1]!)
      expect(await remoteRef(sample, `fix/sentry-${id}`)).toBe(sha)
      expect(await git(sample.bare, ['rev-parse', `${sha}^`])).toBe(sample.baseSha)
      expect(await git(sample.bare, ['diff', '--name-only', sample.baseSha, sha])).toBe(
        [SAMPLE_FIXES[id].file, SAMPLE_FIXES[id].testFile].join('\n')
      )
    }
    const pushes = sample.http.requests
      .slice(before)
      .filter(r => r.method === 'POST' && r.url.includes('git-receive-pack'))
    expect(pushes).toHaveLength(1)
    await expectNoTemporaryWorktree(sample, worktreesDir)
  })

  it('fails one fix whose patch does not apply, and still pushes the others', async () => {
    const sample = await sampleCheckout()
    const { lander } = landerFor(sample)
    const outcomes = await lander.commitAndPushAll([
      {
        baseSha: sample.baseSha,
        patch: 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n',
        branch: 'fix/sentry-A-1',
        message: 'm'
      },
      {
        baseSha: sample.baseSha,
        patch: SAMPLE_FIXES['WEB-9'].unifiedDiff,
        branch: 'fix/sentry-WEB-9',
        message: 'm'
      }
    ])
    expect(outcomes[0]).toMatchObject({
      kind: 'failed',
      reason: expect.stringMatching(/does not apply to the base commit/)
    })
    expect(outcomes[1]!.kind).toBe('pushed')
    expect(await remoteRef(sample, 'fix/sentry-A-1')).toBeNull()
  })
})

describe('tokenForms', () => {
  it('lists the token, its basic credential and the header, longest first', () => {
    const forms = tokenForms('abc123')
    expect(forms[0]).toBe(pushAuthHeader('abc123'))
    expect(forms).toContain('abc123')
    expect(forms).toContain(Buffer.from('x-access-token:abc123').toString('base64'))
    expect(tokenForms('')).toEqual([])
  })
})
