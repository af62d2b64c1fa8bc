// A self-hosted Sentry over HTTPS with a private CA. NODE_EXTRA_CA_CERTS is read once at process start, so the adapter
// runs in a child process (tsx) while the fake lives here; everything is async so the fake keeps answering.
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  FAKE_SENTRY_TOKEN,
  makeIssue,
  makeProject,
  startFakeSentry,
  type FakeSentry
} from '../../test-support/sandbox/fake-sentry.js'
import { makeTestCertificates } from '../../test-support/sandbox/tls.js'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx')
const adapter = path.join(repoRoot, 'src', 'adapters', 'sentry-http.ts')

let dir = ''
let fake: FakeSentry | undefined

const CHILD = `
import { createSentryApi } from ${JSON.stringify(adapter)}
const quiet = { info() {}, debug() {}, warning() {}, group: (_n, fn) => fn() }
const api = createSentryApi({
  baseUrl: process.env.FAKE_URL, org: 'acme', token: process.env.FAKE_TOKEN, log: quiet,
  maxRetries: 0, sleep: async () => {}
})
try {
  const [project] = await api.resolveProjects(['backend'])
  const shortIds = []
  for await (const page of api.issuePages({ projectIds: [project.id], query: 'is:unresolved', environment: 'production', statsPeriod: '7d', limit: 100 })) {
    shortIds.push(...page.map(i => i.shortId))
  }
  console.log(JSON.stringify({ ok: true, shortIds }))
} catch (error) {
  console.log(JSON.stringify({ ok: false, name: error.name, kind: error.kind, message: error.message }))
}
`

interface ChildResult {
  ok: boolean
  shortIds?: string[]
  name?: string
  kind?: string
  message?: string
}

async function runChild(extraEnv: Record<string, string>): Promise<ChildResult> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FAKE_URL: fake?.url ?? '',
    FAKE_TOKEN: FAKE_SENTRY_TOKEN,
    ...extraEnv
  }
  if (!('NODE_EXTRA_CA_CERTS' in extraEnv)) delete env.NODE_EXTRA_CA_CERTS
  delete env.NODE_TLS_REJECT_UNAUTHORIZED
  delete env.NODE_OPTIONS
  const child = spawn(tsx, [path.join(dir, 'child.mts')], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`child timed out; stderr: ${stderr}`))
    }, 45_000)
    child.on('error', reject)
    child.on('close', c => {
      clearTimeout(timer)
      resolve(c)
    })
  })
  const line = stdout.trim().split('\n').at(-1) ?? ''
  if (code !== 0 || !line.startsWith('{'))
    throw new Error(`child exited ${code}; stdout: ${stdout}; stderr: ${stderr}`)
  return JSON.parse(line) as ChildResult
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sentry-https-'))
  const { key, cert } = await makeTestCertificates(dir)
  await writeFile(path.join(dir, 'child.mts'), CHILD)
  fake = await startFakeSentry(
    {
      org: 'acme',
      projects: [makeProject({ id: '301', slug: 'backend' })],
      issues: [makeIssue({ id: '9001', shortId: 'BACKEND-7', project: 'backend', count: 12 })]
    },
    { https: { key, cert } }
  )
})

afterAll(async () => {
  await fake?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('self-hosted Sentry over HTTPS with a private CA', () => {
  it('lists issues when NODE_EXTRA_CA_CERTS names the CA', async () => {
    expect(fake?.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const result = await runChild({ NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem') })
    expect(result).toEqual({ ok: true, shortIds: ['BACKEND-7'] })
  })

  it('fails with a network SentryError about the certificate, pointing at NODE_EXTRA_CA_CERTS, without it', async () => {
    const before = fake?.requests.length ?? 0
    const result = await runChild({})
    expect(result.ok).toBe(false)
    expect(result.name).toBe('SentryError')
    expect(result.kind).toBe('network')
    expect(result.message).toMatch(/certificate/i)
    expect(result.message).toContain('NODE_EXTRA_CA_CERTS')
    expect(result.message).not.toContain(FAKE_SENTRY_TOKEN)
    // the TLS handshake failed, so no request reached the server
    expect(fake?.requests.length).toBe(before)
  })
})
