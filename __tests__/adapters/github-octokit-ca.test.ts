// The action's GitHub client against a self-hosted GitHub Enterprise Server whose certificate a private CA signed: an
// HTTPS fake on 127.0.0.1 with a certificate made for this run. Node reads NODE_EXTRA_CA_CERTS only when it starts, so
// the client runs in a child node process (the TypeScript source through tsx), given the environment such a runner has.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { json, startFakeServer, type FakeServer } from '../../test-support/sandbox/http-fake.js'
import { makeTestCertificates, type TestCertificates } from '../../test-support/sandbox/tls.js'

const ROOT = path.resolve(import.meta.dirname, '../..')
const TOKEN = 'ghs_gheTokenDDDDDDDDDDDDDDDDDDDDDDDDDDDDD'

/** Reads the default branch of acme/shop with the action's client, and prints what came of it as JSON. */
const CLIENT = `
const { createGitHubReader, createOctokit } = await import(${JSON.stringify(path.join(ROOT, 'src/adapters/github-octokit.ts'))})
const quiet = { debug() {}, info() {}, warning() {}, group: (_name, fn) => fn() }
const octokit = createOctokit({ token: process.env.TOKEN, baseUrl: process.env.GITHUB_API_URL, log: quiet, retries: 0 })
try {
  const branch = await createGitHubReader(octokit, { owner: 'acme', repo: 'shop' }, quiet).defaultBranch()
  process.stdout.write(JSON.stringify({ branch }))
} catch (error) {
  process.stdout.write(JSON.stringify({ kind: error.kind, message: error.message }))
}
`

let dir = ''
let certs: TestCertificates
let ghes: FakeServer

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ghes-ca-'))
  certs = await makeTestCertificates(dir)
  ghes = await startFakeServer(
    req =>
      req.path === '/api/v3/repos/acme/shop'
        ? json(200, { default_branch: 'trunk' })
        : json(404, { message: 'Not Found' }),
    { tls: { key: certs.key, cert: certs.cert } }
  )
})

afterAll(async () => {
  await ghes?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** The client in a node process with only what a self-hosted runner on GHES sets (no proxy: 127.0.0.1 is direct). */
async function readDefaultBranch(
  extra: Record<string, string>
): Promise<{ branch?: string; kind?: string; message?: string }> {
  const apiUrl = `${ghes.url}/api/v3`
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', CLIENT],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        GITHUB_SERVER_URL: ghes.url,
        GITHUB_API_URL: apiUrl,
        TOKEN,
        ...extra
      }
    }
  )
  return JSON.parse(stdout) as { branch?: string; kind?: string; message?: string }
}

describe('GitHub client on a self-hosted GHES with a private CA', () => {
  it('trusts the server when NODE_EXTRA_CA_CERTS names the CA', async () => {
    const before = ghes.requests.length

    expect(await readDefaultBranch({ NODE_EXTRA_CA_CERTS: certs.caFile })).toEqual({ branch: 'trunk' })
    const [request] = ghes.requests.slice(before)
    expect(request?.headers.authorization).toBe(`token ${TOKEN}`)
  })

  it('refuses the server as a network failure without the CA, and sends it nothing', async () => {
    const before = ghes.requests.length

    const result = await readDefaultBranch({})
    expect(result.kind).toBe('network')
    expect(result.message).toMatch(
      /^Could not reach GitHub while reading repository acme\/shop: .*certificate/
    )
    expect(ghes.requests.length).toBe(before)
  })
})
