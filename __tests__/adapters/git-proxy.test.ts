// The land stage's push on a self-hosted runner behind a corporate proxy with a private CA, against REAL git: the
// sample checkout cloned from its bare remote served over HTTPS (`git http-backend`, a certificate for 127.0.0.1 signed
// by a CA made for this run), reached only through an HTTP CONNECT proxy in this process. The lander gets nothing but
// the environment such a runner sets (HTTPS_PROXY, NO_PROXY, GIT_SSL_CAINFO, HOME), next to secrets git must not see.
// Every address is 127.0.0.1; the proxy refuses to tunnel anywhere else.
import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { execGit } from '../../src/adapters/git-exec.js'
import { createGitLander } from '../../src/adapters/git-land.js'
import { pushAuthHeader } from '../../src/adapters/git-push-auth.js'
import type { PushOutcome } from '../../src/ports.js'
import { startConnectProxy, type ConnectProxy } from '../../test-support/sandbox/connect-proxy.js'
import { findLeaks } from '../../test-support/leaks.js'
import { recordingLog } from '../../test-support/recording-log.js'
import {
  createSampleCheckout,
  git,
  run,
  SAMPLE_FIXES,
  type GitHttpRemote,
  type SampleCheckout
} from '../../test-support/sandbox/sample-repo.js'
import { makeTestCertificates, type TestCertificates } from '../../test-support/sandbox/tls.js'

const BRANCH = 'fix/sentry-API-12'
const MESSAGE = 'fix: resolve API-12 — total carts that have no cached summary from their items'
const BOT = {
  name: 'sentry-codex-triage[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com'
}
const PROXY_USER = { user: 'corp-runner', password: 'proxyPassw0rd-4711' }

/** Secrets in the action's environment that no git command, nor anything git starts, may see. */
const DECOYS: Record<string, string> = {
  'INPUT_GITHUB-TOKEN': 'ghs_decoyInputGithubToken0123456789abcdef',
  ACTIONS_RUNTIME_TOKEN: 'decoy.actions-runtime-token.eyJhbGciOiJub25lIn0',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'decoy-id-token-request-token-0123456789',
  GITHUB_TOKEN: 'ghs_decoyGithubTokenEnv0123456789abcdefgh',
  NPM_TOKEN: 'npm_decoyNpmToken0123456789abcdefghijklmn'
}

/**
 * What this test controls in process.env: the proxy and CA settings a runner may have (this machine's, or CI's, must
 * not make a case pass or fail), where git finds a global config, and the decoys. Unset unless a case sets them.
 */
const CONTROLLED = [
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'ALL_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'all_proxy',
  'no_proxy',
  'GIT_SSL_CAINFO',
  'GIT_SSL_CAPATH',
  'GIT_SSL_NO_VERIFY',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'CURL_CA_BUNDLE',
  'NODE_EXTRA_CA_CERTS',
  'HOME',
  'XDG_CONFIG_HOME',
  'GIT_CONFIG_GLOBAL',
  ...Object.keys(DECOYS)
]

let dir = ''
let certs: TestCertificates
/** a folder holding the CA under its subject hash (`<hash>.0`), the form GIT_SSL_CAPATH / CURLOPT_CAPATH reads */
let caPath = ''

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'git-proxy-'))
  certs = await makeTestCertificates(dir)
  caPath = path.join(dir, 'ca-path')
  await mkdir(caPath)
  const { stdout } = await promisify(execFile)('openssl', ['x509', '-hash', '-noout', '-in', certs.caFile])
  await copyFile(certs.caFile, path.join(caPath, `${stdout.trim()}.0`))
})

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/**
 * Sets process.env as a self-hosted runner would for this test: every CONTROLLED name unset, then `vars`, with HOME a
 * fresh empty folder (no ~/.gitconfig of this machine: no http.proxy, no http.sslCAInfo) unless `vars` names one.
 * Restored after the test.
 */
async function runnerEnv(vars: Record<string, string>): Promise<void> {
  const saved = new Map(CONTROLLED.map(name => [name, process.env[name]]))
  const home = await mkdtemp(path.join(dir, 'home-'))
  cleanups.push(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
    await rm(home, { recursive: true, force: true })
  })
  for (const name of CONTROLLED) delete process.env[name]
  Object.assign(process.env, { HOME: home }, vars)
}

async function proxy(options: Parameters<typeof startConnectProxy>[0] = {}): Promise<ConnectProxy> {
  const started = await startConnectProxy(options)
  cleanups.push(() => started.close())
  return started
}

/** The sample checkout, cloned from its bare remote over HTTPS (origin = https://127.0.0.1:PORT/remote.git). */
async function httpsCheckout(): Promise<SampleCheckout & { http: GitHttpRemote }> {
  const sample = await createSampleCheckout({ remote: 'https', tls: certs })
  cleanups.push(() => sample.cleanup())
  const http = sample.http
  if (!http) throw new Error('the sample has no HTTPS remote')
  return { ...sample, http }
}

function landerFor(sample: SampleCheckout & { http: GitHttpRemote }) {
  const log = recordingLog()
  const lander = createGitLander({
    dir: sample.checkout,
    worktreesDir: path.join(sample.runnerTemp, 'worktrees'),
    token: sample.token,
    author: BOT,
    log,
    serverUrl: sample.http.url
  })
  return { lander, log }
}

/**
 * The API-12 fix as the work stage measures it (`git diff --binary --full-index` against the base, full blob ids: the
 * lander checks its commit against them), made with a throw-away index in the checkout.
 */
async function measuredApi12Patch(sample: SampleCheckout): Promise<string> {
  const env = {
    ...process.env,
    GIT_INDEX_FILE: path.join(sample.root, 'measure-index'),
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1'
  }
  const step = async (args: string[], input?: string): Promise<string> => {
    const result = await run('git', args, { cwd: sample.checkout, env, input })
    if (result.code !== 0) throw new Error(`git ${args[0]} failed: ${result.stderr}`)
    return result.stdout
  }
  await step(['read-tree', sample.baseSha])
  await step(['apply', '--cached', '-'], SAMPLE_FIXES['API-12'].unifiedDiff)
  return step(['diff', '--cached', '--binary', '--full-index', '--no-color', '-M', sample.baseSha, '--'])
}

async function landApi12(
  lander: ReturnType<typeof landerFor>['lander'],
  sample: SampleCheckout
): Promise<PushOutcome> {
  return lander.commitAndPush({
    baseSha: sample.baseSha,
    patch: await measuredApi12Patch(sample),
    branch: BRANCH,
    message: MESSAGE
  })
}

async function remoteRef(sample: SampleCheckout, branch: string): Promise<string | null> {
  const out = await git(sample.bare, ['for-each-ref', '--format=%(objectname)', `refs/heads/${branch}`])
  return out === '' ? null : out
}

/** host:port of an https:// URL, the target a CONNECT to it names */
function hostPort(url: string): string {
  return new URL(url).host
}

/** `env` output as name -> value (values on one line, which is all these tests look at). */
function parseEnv(dump: string): Map<string, string> {
  const vars = new Map<string, string>()
  for (const line of dump.split('\n')) {
    const eq = line.indexOf('=')
    if (eq > 0) vars.set(line.slice(0, eq), line.slice(eq + 1))
  }
  return vars
}

const TRUST_CASES = [
  { name: 'GIT_SSL_CAINFO names the CA file', trust: 'GIT_SSL_CAINFO', proxyLogin: false },
  { name: 'GIT_SSL_CAPATH names a folder holding the CA', trust: 'GIT_SSL_CAPATH', proxyLogin: false },
  { name: 'the proxy demands a login, given in HTTPS_PROXY', trust: 'GIT_SSL_CAINFO', proxyLogin: true }
] as const

describe('pushing through a corporate HTTPS proxy to a remote with a private CA', () => {
  it.each(TRUST_CASES)('pushes the fix branch with the token when $name', async ({ trust, proxyLogin }) => {
    const corporate = await proxy(proxyLogin ? { credentials: PROXY_USER } : {})
    const proxyUrl = new URL(corporate.url)
    if (proxyLogin) {
      proxyUrl.username = PROXY_USER.user
      proxyUrl.password = PROXY_USER.password
    }
    await runnerEnv({
      HTTPS_PROXY: proxyUrl.toString(),
      // set and empty, as many runners have it: no host bypasses the proxy. git (libcurl 7.88) does not skip the proxy
      // for 127.0.0.1 by itself either (unset tunnels too), so the loopback remote stands in for github.com
      NO_PROXY: '',
      [trust]: trust === 'GIT_SSL_CAINFO' ? certs.caFile : caPath,
      ...DECOYS
    })
    const sample = await httpsCheckout()
    expect(await git(sample.checkout, ['remote', 'get-url', 'origin'])).toMatch(
      /^https:\/\/127\.0\.0\.1:\d+\/remote\.git$/
    )
    const { lander, log } = landerFor(sample)
    const connectsBefore = corporate.connects.length
    const requestsBefore = sample.http.requests.length

    const outcome = await landApi12(lander, sample)

    if (outcome.kind !== 'pushed') throw new Error(`expected a push, got ${JSON.stringify(outcome)}`)
    expect(await remoteRef(sample, BRANCH)).toBe(outcome.sha)
    expect(await git(sample.bare, ['rev-parse', `${outcome.sha}^`])).toBe(sample.baseSha)
    expect(await git(sample.bare, ['diff', '--name-only', sample.baseSha, outcome.sha])).toBe(
      [SAMPLE_FIXES['API-12'].file, SAMPLE_FIXES['API-12'].testFile].join('\n')
    )

    // the push went through the proxy, to the remote and nowhere else, as a tunnel the proxy cannot read into
    const connects = corporate.connects.slice(connectsBefore)
    const remoteTarget = hostPort(sample.http.url)
    expect(connects.length).toBeGreaterThan(0)
    expect(new Set(connects.map(c => c.target))).toEqual(new Set([remoteTarget]))
    expect(connects.some(c => c.allowed)).toBe(true)
    expect(corporate.refused).toEqual([])
    const proxySaw = { connects: connects.map(c => c.headers.join('\n')).join('\n\n') }
    expect(findLeaks([sample.token], proxySaw)).toEqual([])
    if (proxyLogin) {
      const login = `Basic ${Buffer.from(`${PROXY_USER.user}:${PROXY_USER.password}`).toString('base64')}`
      expect(connects.filter(c => c.allowed).map(c => c.proxyAuthorization)).toContain(login)
    }

    // the remote saw the token's basic credential (x-access-token), and the push itself went through with it
    const requests = sample.http.requests.slice(requestsBefore)
    const basic = pushAuthHeader(sample.token).slice('AUTHORIZATION: '.length)
    expect(basic).toBe(`basic ${Buffer.from(`x-access-token:${sample.token}`).toString('base64')}`)
    for (const request of requests) {
      if (request.authorization !== null) expect(request.authorization).toBe(basic)
    }
    expect(
      requests.some(
        r =>
          r.method === 'POST' && r.url.endsWith('/git-receive-pack') && r.status === 200 && r.role === 'write'
      )
    ).toBe(true)
    expect(
      findLeaks([sample.token, ...Object.values(DECOYS)], {
        log: log.lines.map(l => l.message).join('\n')
      })
    ).toEqual([])
  })

  it('fails with a certificate reason, promptly and without pushing, when no variable names the private CA', async () => {
    const corporate = await proxy()
    await runnerEnv({ HTTPS_PROXY: corporate.url, NO_PROXY: '', ...DECOYS })
    // the checkout itself is made with the CA (the sample's own fetch is given it); only the lander goes without
    const sample = await httpsCheckout()
    const { lander, log } = landerFor(sample)
    const connectsBefore = corporate.connects.length
    const requestsBefore = sample.http.requests.length

    const patch = await measuredApi12Patch(sample)
    const started = Date.now()
    const outcome = await lander.commitAndPush({
      baseSha: sample.baseSha,
      patch,
      branch: BRANCH,
      message: MESSAGE
    })
    const elapsedMs = Date.now() - started

    if (outcome.kind !== 'failed') throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`)
    expect(outcome.auth).toBe(false)
    expect(outcome.reason).toContain(BRANCH)
    expect(outcome.reason).toMatch(/certificate/i)
    expect(elapsedMs).toBeLessThan(20_000)
    expect(await remoteRef(sample, BRANCH)).toBeNull()
    // it got as far as the proxy's tunnel to the remote; TLS stopped it there, so not one HTTP request arrived
    const connects = corporate.connects.slice(connectsBefore)
    expect(connects.map(c => c.target)).toContain(hostPort(sample.http.url))
    expect(sample.http.requests.slice(requestsBefore)).toEqual([])
    expect(
      findLeaks([sample.token], {
        reason: outcome.reason,
        log: log.lines.map(l => l.message).join('\n')
      })
    ).toEqual([])
  })

  it("passes the proxy and CA settings to git's children, and none of the action's secrets", async () => {
    const corporate = await proxy()
    await runnerEnv({ HTTPS_PROXY: corporate.url, NO_PROXY: '', GIT_SSL_CAINFO: certs.caFile, ...DECOYS })
    const repo = await mkdtemp(path.join(dir, 'repo-'))
    cleanups.push(() => rm(repo, { recursive: true, force: true }))
    await git(repo, ['init', '--quiet'])
    const envdump = ['-c', 'alias.envdump=!env', 'envdump']

    // what a program git starts (a shell alias here; a filter, a hook or an ssh command alike) is given
    const child = (await execGit(envdump, { cwd: repo })).stdout.toString('utf8')
    const vars = parseEnv(child)

    expect(
      [...vars.keys()].filter(name => /^(INPUT_|ACTIONS_|GITHUB_|RUNNER_)|^NPM_TOKEN$/.test(name))
    ).toEqual([])
    expect(findLeaks(Object.values(DECOYS), { 'git child env': child })).toEqual([])
    expect(vars.get('HTTPS_PROXY')).toBe(corporate.url)
    expect(vars.get('NO_PROXY')).toBe('')
    expect(vars.get('GIT_SSL_CAINFO')).toBe(certs.caFile)
    expect(vars.get('GIT_NO_REPLACE_OBJECTS')).toBe('1')
    expect(vars.get('GIT_TERMINAL_PROMPT')).toBe('0')

    // the probe catches a leak: git started with the whole process environment (what execGit did before the
    // allow-list) hands every decoy to the same alias
    const leaky = await run('git', envdump, { cwd: repo, env: process.env })
    expect(leaky.code).toBe(0)
    expect(findLeaks(Object.values(DECOYS), { 'git child env': leaky.stdout }).length).toBe(
      Object.keys(DECOYS).length
    )
  })
})
