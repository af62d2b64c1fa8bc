// The artifact adapters through the REAL @actions/artifact client against the local fake results service.
// The client reads its configuration from process.env when it is called (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL,
// GITHUB_SERVER_URL, GITHUB_RETENTION_DAYS); at import it reads only ACTIONS_ARTIFACT_MAX_ARTIFACT_COUNT. So a plain
// static import works, and every test sets the environment it needs and afterEach restores it. The runtime variables
// are cleared first: when this suite runs inside GitHub Actions they hold the real service's, which no test may reach.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { DefaultArtifactClient } from '@actions/artifact'
import { createArtifactSink, createArtifactSource } from '../../src/adapters/artifact-upload.js'
import type { Log } from '../../src/ports.js'
import {
  runtimeEnv,
  startFakeArtifacts,
  type FakeArtifacts
} from '../../test-support/sandbox/fake-artifacts.js'

const ENV_KEYS = [
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_RUNTIME_URL',
  'GITHUB_SERVER_URL',
  'GITHUB_RETENTION_DAYS',
  'GITHUB_WORKSPACE',
  'ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY',
  'ACTIONS_ARTIFACT_UPLOAD_TIMEOUT_MS'
]

let savedEnv: Record<string, string | undefined>
let fake: FakeArtifacts
let work: string
/** what @actions/core wrote to stdout (workflow commands kept out of a CI runner's log) */
let stdout: string[]

beforeEach(async () => {
  savedEnv = Object.fromEntries(ENV_KEYS.map(key => [key, process.env[key]]))
  for (const key of ENV_KEYS) delete process.env[key]
  stdout = []
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk))
    return true
  })
  fake = await startFakeArtifacts()
  work = await mkdtemp(path.join(tmpdir(), 'artifact-upload-'))
})

afterEach(async () => {
  jest.restoreAllMocks()
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key]
    else process.env[key] = savedEnv[key]
  }
  await fake.close()
  await rm(work, { recursive: true, force: true })
})

function useEnv(env: Record<string, string>): void {
  Object.assign(process.env, env)
}

function recordingLog(): Log & { lines: { level: 'info' | 'debug' | 'warning'; message: string }[] } {
  const lines: { level: 'info' | 'debug' | 'warning'; message: string }[] = []
  return {
    lines,
    info: message => void lines.push({ level: 'info', message }),
    debug: message => void lines.push({ level: 'debug', message }),
    warning: message => void lines.push({ level: 'warning', message }),
    group: (_name, fn) => fn()
  }
}

/** Writes files under a fresh directory and returns it with their absolute paths. */
async function writeFiles(
  dirName: string,
  files: Record<string, Buffer | string>
): Promise<[string, string[]]> {
  const root = path.join(work, dirName)
  const paths: string[] = []
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(root, relative)
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, content)
    paths.push(file)
  }
  return [root, paths]
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

describe('createArtifactSink', () => {
  it('uploadsFilesThroughTheRealClient_serviceStoresThemByteForByteUnderTheGivenNameAndRetention', async () => {
    useEnv(runtimeEnv(fake))
    const summary = JSON.stringify({ version: 1, issues: [] }, null, 2) + '\n'
    // incompressible and over the client's 8 MB chunk size, so the blob arrives in two staged blocks
    const binary = randomBytes(9 * 1024 * 1024)
    const [root, files] = await writeFiles('upload', {
      'triage-summary.json': summary,
      'work/patch.bin': binary
    })
    const log = recordingLog()

    const result = await createArtifactSink(log).upload('sentry-triage-123', files, {
      rootDir: root,
      retentionDays: 7
    })

    const [stored] = fake.artifacts()
    expect(fake.artifacts()).toHaveLength(1)
    expect(stored?.name).toBe('sentry-triage-123')
    expect(stored?.finalized).toBe(true)
    expect(result).toEqual({ ok: true, id: stored?.id, size: stored?.size })
    const storedFiles = stored?.files() ?? {}
    expect(Object.keys(storedFiles).sort()).toEqual(['triage-summary.json', 'work/patch.bin'])
    expect(storedFiles['triage-summary.json']?.toString('utf8')).toBe(summary)
    // Buffer.equals: jest's toEqual walks a 9 MB buffer element by element for tens of seconds
    expect(storedFiles['work/patch.bin']?.equals(binary)).toBe(true)
    expect(stored?.digest).toBe(`sha256:${sha256(stored?.bytes ?? Buffer.alloc(0))}`)
    expect(stored?.workflowRunBackendId).toBe(fake.defaultIds.runBackendId)
    expect(stored?.retentionDays).toBe(7)
    const [created] = fake.calls('CreateArtifact')
    expect(created).toMatchObject({ name: 'sentry-triage-123', mime_type: 'application/zip', version: 7 })
    const expiresInDays = (Date.parse(String(created?.expires_at)) - Date.now()) / 86_400_000
    expect(expiresInDays).toBeGreaterThan(6.9)
    expect(expiresInDays).toBeLessThanOrEqual(7)
    // what the installed client really sends to the blob URL: staged blocks, then one block list
    const blobCalls = fake.requests
      .filter(r => r.path.startsWith('/blob/'))
      .map(r => `${r.method} ${r.query.get('comp')}`)
    expect(blobCalls).toEqual(['PUT block', 'PUT block', 'PUT blocklist'])
    expect(log.lines).toContainEqual({
      level: 'info',
      message: `Uploaded artifact sentry-triage-123 (id ${stored?.id}, ${stored?.size} bytes)`
    })
  })

  it('uploadWithANameAlreadyUsedInTheRun_returnsTheServiceConflict_withoutRetrying', async () => {
    useEnv(runtimeEnv(fake))
    const [root, files] = await writeFiles('dup', { 'triage-summary.json': '{}' })
    const sink = createArtifactSink(recordingLog())
    expect((await sink.upload('summary', files, { rootDir: root, retentionDays: 1 })).ok).toBe(true)

    const log = recordingLog()
    const second = await createArtifactSink(log).upload('summary', files, { rootDir: root, retentionDays: 1 })

    expect(second).toEqual({
      ok: false,
      reason: expect.stringContaining(
        '(409) Conflict: an artifact with this name already exists on the workflow run'
      )
    })
    expect(fake.calls('CreateArtifact')).toHaveLength(2)
    expect(log.lines.filter(l => l.level === 'warning')).toHaveLength(1)
  })

  it('onGitHubEnterpriseServer_returnsTheGhesReasonNamingTheSummaryFile_andSendsNothing', async () => {
    useEnv({ ...runtimeEnv(fake), GITHUB_SERVER_URL: 'https://github.example-corp.com' })
    const [root, files] = await writeFiles('ghes', { 'triage-summary.json': '{}' })
    const log = recordingLog()

    const result = await createArtifactSink(log).upload('summary', files, {
      rootDir: root,
      retentionDays: 30
    })

    expect(result).toEqual({
      ok: false,
      reason: `artifact upload is not supported on GitHub Enterprise Server by @actions/artifact v2+; the summary file is still at ${files[0]}`
    })
    expect(fake.requests).toHaveLength(0)
    expect(log.lines).toContainEqual({
      level: 'warning',
      message: `Artifact summary was not uploaded: ${result.ok ? '' : result.reason}`
    })
  })

  it('outsideGitHubActions_returnsAClearReason_insteadOfThrowing', async () => {
    useEnv({ GITHUB_SERVER_URL: 'https://github.com' })
    const [root, files] = await writeFiles('local', { 'triage-summary.json': '{}' })

    const result = await createArtifactSink(recordingLog()).upload('summary', files, {
      rootDir: root,
      retentionDays: 30
    })

    expect(result).toEqual({
      ok: false,
      reason: `not running in GitHub Actions (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL not set), so no artifact was uploaded; the summary file is still at ${files[0]}`
    })
  })

  // Slow on purpose (about 25-35 s): the client retries a 500 five times with a fixed 3 s x 1.5^n back-off that no
  // option of uploadArtifact can shorten.
  it('whenCreateArtifactKeepsFailingWith500_returnsTheErrorAfterTheClientsRetries_andWarns', async () => {
    const env = runtimeEnv(fake)
    useEnv(env)
    fake.faults.push({ operation: 'CreateArtifact', status: 500, msg: 'database is on fire' })
    const [root, files] = await writeFiles('fault', { 'triage-summary.json': '{}' })
    const log = recordingLog()

    const result = await createArtifactSink(log).upload('summary', files, {
      rootDir: root,
      retentionDays: 30
    })

    expect(result).toEqual({
      ok: false,
      reason: `artifact upload failed: Failed to CreateArtifact: Failed to make request after 5 attempts: Failed request: (500) Internal Server Error: database is on fire; the summary file is still at ${files[0]}`
    })
    expect(fake.calls('CreateArtifact')).toHaveLength(5)
    expect(fake.artifacts()).toHaveLength(0)
    const warnings = log.lines.filter(l => l.level === 'warning')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]?.message).toContain('database is on fire')
    expect(JSON.stringify(log.lines)).not.toContain(env.ACTIONS_RUNTIME_TOKEN)
  }, 60_000)
})

describe('createArtifactSource', () => {
  it('listsAndDownloadsWhatAnotherJobOfTheSameRunUploaded_butNotAnotherRunsArtifacts', async () => {
    const runId = fake.defaultIds.runBackendId
    const [workRoot, workFiles] = await writeFiles('work-job', {
      'result.json': '{"disposition":"no-fix"}',
      'fix.patch': randomBytes(5000)
    })
    useEnv(runtimeEnv(fake, { runBackendId: runId, jobBackendId: 'job-work-1' }))
    const uploaded = await createArtifactSink(recordingLog()).upload('work-PAY-1', workFiles, {
      rootDir: workRoot,
      retentionDays: 1
    })
    expect(uploaded.ok).toBe(true)
    const [otherRoot, otherFiles] = await writeFiles('other-run', { 'triage-summary.json': '{}' })
    useEnv(runtimeEnv(fake, { runBackendId: 'another-run', jobBackendId: 'job-x' }))
    expect(
      (
        await createArtifactSink(recordingLog()).upload('other-run-only', otherFiles, {
          rootDir: otherRoot,
          retentionDays: 1
        })
      ).ok
    ).toBe(true)

    useEnv(runtimeEnv(fake, { runBackendId: runId, jobBackendId: 'job-land' }))
    const log = recordingLog()
    const source = createArtifactSource(log)
    const listed = await source.list()
    const dest = path.join(work, 'downloaded', 'work-PAY-1')
    const dir = await source.download('work-PAY-1', dest)

    const id = fake.artifacts().find(a => a.name === 'work-PAY-1')?.id
    expect(listed).toEqual([{ id, name: 'work-PAY-1' }])
    expect(dir).toBe(dest)
    expect(await readFile(path.join(dest, 'result.json'))).toEqual(await readFile(workFiles[0] ?? ''))
    expect(await readFile(path.join(dest, 'fix.patch'))).toEqual(await readFile(workFiles[1] ?? ''))
    await expect(source.download('other-run-only', path.join(work, 'nope'))).rejects.toThrow(
      'artifact other-run-only is not in this workflow run (artifacts present: work-PAY-1)'
    )
    expect(log.lines).toContainEqual({
      level: 'info',
      message: `Downloaded artifact work-PAY-1 (id ${id}) to ${dest}`
    })
  })

  it('doesNotListAnArtifactWhoseFinalizeFailed', async () => {
    useEnv(runtimeEnv(fake))
    fake.faults.push({ operation: 'FinalizeArtifact', status: 400, msg: 'rejected' })
    const [root, files] = await writeFiles('partial', { 'a.txt': 'a' })
    const failed = await createArtifactSink(recordingLog()).upload('half-done', files, {
      rootDir: root,
      retentionDays: 1
    })

    expect(failed.ok).toBe(false)
    expect(fake.artifacts().map(a => [a.name, a.finalized])).toEqual([['half-done', false]])
    expect(await createArtifactSource(recordingLog()).list()).toEqual([])
  })
})

describe('fake artifact service', () => {
  it('storesAndServesASkipArchiveUploadAsTheRawFile', async () => {
    useEnv(runtimeEnv(fake))
    const content = randomBytes(2048)
    const [root, files] = await writeFiles('raw', { 'report.bin': content })
    const client = new DefaultArtifactClient()

    const { id } = await client.uploadArtifact('ignored-name', files, root, { skipArchive: true })
    const dest = path.join(work, 'raw-download')
    await client.downloadArtifact(id ?? 0, { path: dest })

    // with skipArchive the client names the artifact after the file, whatever name it was given
    expect(fake.artifacts().map(a => [a.name, a.mimeType])).toEqual([
      ['report.bin', 'application/octet-stream']
    ])
    expect(fake.artifacts()[0]?.files()).toEqual({ 'report.bin': content })
    expect(await readFile(path.join(dest, 'report.bin'))).toEqual(content)
  })

  it('rejectsTwirpCallsWhoseRunDoesNotMatchTheToken', async () => {
    const env = runtimeEnv(fake)
    const response = await fetch(
      `${fake.url}twirp/github.actions.results.api.v1.ArtifactService/ListArtifacts`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${env.ACTIONS_RUNTIME_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          workflow_run_backend_id: 'someone-elses-run',
          workflow_job_run_backend_id: 'x'
        })
      }
    )

    expect(response.status).toBe(403)
    expect(await response.json()).toEqual({
      code: 'permission_denied',
      msg: 'workflow_run_backend_id does not match the runtime token'
    })
  })
})
