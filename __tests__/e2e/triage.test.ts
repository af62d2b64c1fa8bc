// The bundled action run as a process (Node 24, runner env) in triage mode against the local sandbox.
import { afterEach, describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { ROOT, runAction, type ActionRun } from '../../test-support/action-process.js'
import { startSandbox, type Sandbox } from '../../test-support/sandbox/sandbox.js'
import { triageScenario } from '../../test-support/sandbox/world.js'
import { findLeaks } from '../../test-support/leaks.js'
import type { TriageSummary } from '../../src/schemas/summary.js'
import { findRunLeaks } from '../../test-support/leak-scan.js'

let sandbox: Sandbox | undefined
const runs: ActionRun[] = []
afterEach(async () => {
  await sandbox?.close()
  sandbox = undefined
  await Promise.all(runs.splice(0).map(r => r.cleanup()))
})

async function start(options: Parameters<typeof runAction>[0]): Promise<ActionRun> {
  const result = await runAction(options)
  runs.push(result)
  expect(await findRunLeaks(sandbox!, result)).toEqual([])
  return result
}

async function validator() {
  const schema = JSON.parse(await readFile(path.join(ROOT, 'schemas/triage-summary.json'), 'utf8'))
  const ajv = new Ajv2020({ allErrors: true, strict: false })
  addFormats.default(ajv)
  return ajv.compile(schema)
}

async function summaryOf(run: ActionRun): Promise<TriageSummary> {
  return JSON.parse(await readFile(run.outputs['summary-file']!, 'utf8')) as TriageSummary
}

function issueListCalls(s: Sandbox) {
  return s.sentry.requests.filter(r => r.method === 'GET' && r.path === '/api/0/organizations/acme/issues/')
}

describe('triage mode, end to end', () => {
  it('triages five issues from three pages across two projects and publishes summary, artifact and outputs', async () => {
    const scenario = triageScenario()
    sandbox = await startSandbox(scenario, { sentryPageSize: 2 })
    const run = await start({
      inputs: { ...sandbox.inputs, ...scenario.inputs },
      env: sandbox.env,
      runId: '9001'
    })
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)

    const summary = await summaryOf(run)
    const validate = await validator()
    expect(validate.errors ?? validate(summary)).toBe(true)
    expect(Object.fromEntries(summary.issues.map(i => [i.short_id, i.disposition]))).toEqual(
      scenario.expected
    )
    expect(summary.issues.map(i => i.short_id)).toEqual(['API-12', 'WEB-7', 'API-31', 'WEB-9', 'API-40'])
    expect(summary.totals).toEqual({ triaged: 5, prs_opened: 0, skipped: 3, failed: 0 })
    expect(summary.issues.find(i => i.short_id === 'WEB-7')!.existing_pull_request).toMatchObject({
      number: 11,
      state: 'open'
    })
    expect(summary.issues.find(i => i.short_id === 'API-31')!.existing_pull_request).toMatchObject({
      number: 8,
      state: 'merged'
    })
    expect(summary.run).toMatchObject({
      repository: 'acme/shop',
      run_id: '9001',
      mode: 'triage',
      event: 'workflow_dispatch'
    })
    expect(summary.error).toBeNull()

    // Sentry: 3 pages of one sorted, filtered listing over both projects' ids.
    const calls = issueListCalls(sandbox)
    expect(calls).toHaveLength(3)
    for (const call of calls) {
      expect(call.query.getAll('project').sort()).toEqual(['11', '12'])
      expect(call.query.get('sort')).toBe('freq')
      expect(call.query.get('environment')).toBe('production')
      expect(call.query.get('statsPeriod')).toBe('7d')
      expect(call.query.get('query')).toBe('is:unresolved')
    }
    expect(sandbox.sentry.writes()).toEqual([])

    // GitHub: read-only, one matching-refs walk plus one PR look-up per qualifying issue.
    expect(sandbox.github.writes()).toEqual([])
    const pullLookups = sandbox.github.requests.filter(r => r.path === '/repos/acme/shop/pulls')
    expect(pullLookups.map(r => r.query.get('head')).sort()).toEqual(
      [
        'acme:fix/sentry-API-12',
        'acme:fix/sentry-API-31',
        'acme:fix/sentry-WEB-7',
        'acme:fix/sentry-WEB-9'
      ].sort()
    )
    expect(sandbox.github.requests.filter(r => r.path.includes('matching-refs'))).toHaveLength(1)

    // The artifact reached the artifact service, holding the same summary.
    const artifacts = sandbox.artifacts.artifacts()
    expect(artifacts.map(a => a.name)).toEqual(['sentry-triage-9001'])
    expect(artifacts[0]!.retentionDays).toBe(30)
    const stored = artifacts[0]!.files()['triage-summary.json']!
    expect(JSON.parse(stored.toString('utf8'))).toEqual(summary)

    // Outputs and job summary.
    expect(run.outputs).toMatchObject({ opened: '0', skipped: '3', failed: '0', 'pull-requests': '[]' })
    expect(run.outputs['summary-file']).toBe(
      path.join(run.runnerTemp, 'sentry-codex-triage', 'triage-summary.json')
    )
    expect(run.stepSummary).toContain('## Sentry triage')
    expect(run.stepSummary).toContain('[#11](https://github.com/acme/shop/pull/11)')
    expect(run.stepSummary).toContain('below threshold')

    expect(
      findLeaks(sandbox.secrets, {
        log: run.log,
        stderr: run.stderr,
        stepSummary: run.stepSummary,
        outputs: JSON.stringify(run.outputs),
        artifact: stored.toString('utf8')
      })
    ).toEqual([])
  })

  it('scopes a post-deploy run to issues first seen in the release', async () => {
    const scenario = triageScenario()
    scenario.sentry.issues.find(i => i.shortId === 'WEB-9')!.firstRelease = 'web@2.4.0'
    sandbox = await startSandbox(scenario)
    const run = await start({
      inputs: { ...sandbox.inputs, ...scenario.inputs, release: 'web@2.4.0' },
      env: sandbox.env,
      eventName: 'deployment_status'
    })
    expect(run.code).toBe(0)
    const summary = await summaryOf(run)
    expect(summary.issues.map(i => i.short_id)).toEqual(['WEB-9'])
    expect(summary.run.release).toBe('web@2.4.0')
    expect(issueListCalls(sandbox)[0]!.query.get('query')).toBe('is:unresolved firstRelease:web@2.4.0')
  })

  it('survives a Sentry 429 with a reset header and a 502, then succeeds', async () => {
    const scenario = triageScenario()
    sandbox = await startSandbox(scenario)
    const isList = (r: { path: string }) => r.path === '/api/0/organizations/acme/issues/'
    sandbox.sentry.faults.push(
      {
        match: isList,
        response: {
          status: 429,
          headers: { 'x-sentry-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + 1) },
          body: {
            detail:
              'You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds'
          }
        }
      },
      { match: isList, response: { status: 502, raw: '<html>Bad Gateway</html>' } }
    )
    const run = await start({ inputs: { ...sandbox.inputs, ...scenario.inputs }, env: sandbox.env })
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)
    expect(issueListCalls(sandbox)).toHaveLength(3)
    expect(run.stdout).toMatch(/::warning::.*429/)
    expect((await summaryOf(run)).totals.triaged).toBe(5)
  })

  it('fails the step on a Sentry 401 with a clear message, and still publishes the summary', async () => {
    const scenario = triageScenario()
    sandbox = await startSandbox(scenario)
    const run = await start({
      inputs: { ...sandbox.inputs, ...scenario.inputs, 'sentry-token': 'sntryu_wrong_token_value_0000' },
      env: sandbox.env
    })
    expect(run.code).toBe(1)
    expect(run.errors.join('\n')).toMatch(
      /Sentry rejected sentry-token \(401 Unauthorized\).*org:read, project:read and event:read/s
    )
    expect(run.log).not.toContain('sntryu_wrong_token_value_0000')
    const summary = await summaryOf(run)
    expect(summary.error).toMatch(/401/)
    expect(summary.issues).toEqual([])
    expect(sandbox.artifacts.artifacts()).toHaveLength(1)
    expect(sandbox.github.writes()).toEqual([])
  })
})
