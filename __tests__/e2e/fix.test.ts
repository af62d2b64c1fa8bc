// mode: fix, end to end: the bundled action as a Node 24 process, the real codex binary and the real Sentry MCP
// server, the fake APIs, and a bare git remote served over HTTP that records which credential reached it.
import { afterEach, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { ROOT, runAction, type ActionRun } from '../../test-support/action-process.js'
import {
  remoteBranches,
  startAgentSandbox,
  SANDBOX_GITHUB_TOKEN,
  type AgentSandbox
} from '../../test-support/sandbox.js'
import { triageScenario } from '../../test-support/world.js'
import { findLeaks } from '../../test-support/leaks.js'
import {
  alwaysFailingScript,
  ciEditScript,
  editExistingTestScript,
  sampleModel,
  secondAttemptScript,
  thirtyFilesScript
} from '../../test-support/agent-scripts.js'
import type { ModelScript } from '../../test-support/fake-model.js'
import { githubFaults } from '../../test-support/fake-github.js'
import type { TriageSummary } from '../../src/schemas.js'

const exec = promisify(execFile)
let sandbox: AgentSandbox | undefined
const runs: ActionRun[] = []
afterEach(async () => {
  await sandbox?.close()
  sandbox = undefined
  await Promise.all(runs.splice(0).map(r => r.cleanup()))
})

async function fix(s: AgentSandbox, extra: Record<string, string> = {}): Promise<ActionRun> {
  const run = await runAction({
    inputs: { ...s.inputs, ...triageScenario().inputs, mode: 'fix', 'test-command': 'npm test', ...extra },
    env: s.env,
    workspace: s.checkout.checkout,
    timeoutMs: 240_000
  })
  runs.push(run)
  return run
}

const summaryOf = async (run: ActionRun) =>
  JSON.parse(await readFile(run.outputs['summary-file']!, 'utf8')) as TriageSummary
const dispositions = (s: TriageSummary) => Object.fromEntries(s.issues.map(i => [i.short_id, i.disposition]))
const createdPulls = (s: AgentSandbox) =>
  s.github.writes().filter(r => r.method === 'POST' && r.path === '/repos/acme/shop/pulls')

async function sandboxWith(scripts: Record<string, ModelScript> = {}) {
  sandbox = await startAgentSandbox(triageScenario(), { model: sampleModel(scripts) })
  return sandbox
}

describe('fix mode, end to end', () => {
  it('opens exactly max-prs pull requests, each branch one fix commit on base, pushed with the token', async () => {
    const s = await sandboxWith()
    const run = await fix(s)
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)

    const summary = await summaryOf(run)
    const schema = JSON.parse(await readFile(path.join(ROOT, 'schemas/triage-summary.json'), 'utf8'))
    const ajv = new Ajv2020({ allErrors: true, strict: false })
    addFormats.default(ajv)
    const validate = ajv.compile(schema)
    expect(validate.errors ?? validate(summary)).toBe(true)
    expect(dispositions(summary)).toEqual({
      'API-12': 'pr-opened',
      'WEB-7': 'existing-pr',
      'API-31': 'fixed-not-recurred',
      'WEB-9': 'pr-opened',
      'API-40': 'below-threshold'
    })
    expect(summary.totals.prs_opened).toBe(2)
    const opened = JSON.parse(run.outputs['pull-requests']!)
    expect(opened.map((p: { issue: string }) => p.issue)).toEqual(['API-12', 'WEB-9'])
    expect(run.outputs.opened).toBe('2')

    // Each branch holds only the fix commit on top of base, by the bot identity, with the contract's message.
    const branches = await remoteBranches(s)
    for (const id of ['API-12', 'WEB-9']) {
      const branch = `fix/sentry-${id}`
      const { stdout } = await exec(
        'git',
        ['log', '--format=%P|%an|%s', `${s.checkout.baseSha}..${branch}`],
        { cwd: s.checkout.bare }
      )
      const commits = stdout.trim().split('\n')
      expect(commits).toHaveLength(1)
      expect(commits[0]).toMatch(
        new RegExp(`^${s.checkout.baseSha}\\|github-actions\\[bot\\]\\|fix: resolve ${id} — `)
      )
      expect(branches[branch]).toBeDefined()
      const issue = summary.issues.find(i => i.short_id === id)!
      expect(issue.tests).toEqual({ command: 'npm test', passed: true, attempts: 1 })
      expect(issue.branch).toBe(branch)
    }

    // PRs: title, base, body with the Sentry permalink and the measured test result; labels.
    const pulls = createdPulls(s).map(r => JSON.parse(r.body))
    expect(pulls).toHaveLength(2)
    for (const pr of pulls) {
      const issue = summary.issues.find(i => pr.head === `fix/sentry-${i.short_id}`)!
      expect(pr.title).toMatch(new RegExp(`^fix: resolve ${issue.short_id} — `))
      expect(pr.base).toBe('main')
      expect(pr.body).toContain(issue.permalink)
      expect(pr.body).toContain('npm test')
    }
    expect(s.github.world.pulls.filter(p => p.labels.includes('automated-fix'))).toHaveLength(2)

    // The remote saw the token on the push; no git config the agent could read holds it.
    const pushes = s.checkout.http!.requests.filter(r => r.url.includes('git-receive-pack'))
    expect(pushes.length).toBeGreaterThan(0)
    expect(pushes.every(r => r.authorized)).toBe(true)
    const configs = [path.join(s.checkout.checkout, '.git/config')]
    const worktrees = path.join(s.checkout.checkout, '.git/worktrees')
    for (const name of await readdir(worktrees).catch(() => [] as string[]))
      configs.push(path.join(worktrees, name, 'config'))
    for (const file of configs) {
      const text = await readFile(file, 'utf8').catch(() => '')
      expect(findLeaks([SANDBOX_GITHUB_TOKEN], { [file]: text })).toEqual([])
    }
    expect(
      findLeaks(s.secrets, { log: run.log, summary: JSON.stringify(summary), pulls: JSON.stringify(pulls) })
    ).toEqual([])
  })

  it('opens no pull request when run again, and none twice when two runs start at once', async () => {
    const s = await sandboxWith()
    await fix(s)
    expect(createdPulls(s)).toHaveLength(2)
    const again = await fix(s)
    expect(again.code).toBe(0)
    expect(dispositions(await summaryOf(again))).toMatchObject({
      'API-12': 'existing-pr',
      'WEB-9': 'existing-pr'
    })
    expect(createdPulls(s)).toHaveLength(2)
  })

  it('never opens a duplicate when two runs start at once', async () => {
    const s = await sandboxWith()
    const [a, b] = await Promise.all([fix(s), fix(s)])
    const heads = s.github.world.pulls
      .filter(p => p.head.ref.startsWith('fix/sentry-') && p.state === 'open')
      .map(p => p.head.ref)
    expect(new Set(heads).size).toBe(heads.length)
    expect(heads.sort()).toEqual(['fix/sentry-API-12', 'fix/sentry-WEB-7', 'fix/sentry-WEB-9'])
    const all = [...(await summaryOf(a)).issues, ...(await summaryOf(b)).issues].filter(
      i => i.disposition === 'pr-opened'
    )
    expect(all.map(i => i.short_id).sort()).toEqual(['API-12', 'WEB-9'])
  })

  it.each([
    ['edits a CI workflow', ciEditScript('API-12'), /\.github\/workflows\/ci\.yml matches deny-paths/],
    ['modifies an existing test', editExistingTestScript('API-12'), /test\/totals\.test\.js/],
    ['changes 30 files', thirtyFilesScript('API-12'), /max-changed-files 10/]
  ])('rejects a fix that %s, pushes nothing of it, and moves the cap on', async (_what, script, reason) => {
    const s = await sandboxWith({ 'API-12': script })
    const run = await fix(s, { 'max-prs': '1' })
    expect(run.code).toBe(0)
    const summary = await summaryOf(run)
    const api12 = summary.issues.find(i => i.short_id === 'API-12')!
    expect(api12.disposition).toBe('policy-rejected')
    expect(api12.reason).toMatch(reason)
    expect(dispositions(summary)['WEB-9']).toBe('pr-opened')
    const branches = Object.keys(await remoteBranches(s))
    expect(branches).not.toContain('fix/sentry-API-12')
    expect(branches).toContain('fix/sentry-WEB-9')
    expect(createdPulls(s)).toHaveLength(1)
  })

  it('gives failing tests further attempts and ends tests-failed after fix-attempts, with no PR', async () => {
    const s = await sandboxWith({ 'API-12': alwaysFailingScript('API-12') })
    const run = await fix(s, { 'max-prs': '1', 'fix-attempts': '2' })
    const summary = await summaryOf(run)
    const api12 = summary.issues.find(i => i.short_id === 'API-12')!
    expect(api12.disposition).toBe('tests-failed')
    expect(api12.tests).toMatchObject({ command: 'npm test', passed: false, attempts: 3 })
    expect(api12.agent_claimed_tests_passed).toBe(true)
    expect(dispositions(summary)['WEB-9']).toBe('pr-opened')
    expect(Object.keys(await remoteBranches(s))).not.toContain('fix/sentry-API-12')
    const api12Requests = s.model.responsesRequests().filter(r => JSON.stringify(r.body).includes('API-12'))
    expect(
      api12Requests.filter(r => JSON.stringify(r.body).includes('did not pass the tests')).length
    ).toBeGreaterThan(0)
  })

  it('opens the PR when the second attempt passes, and its body shows attempts = 2', async () => {
    const s = await sandboxWith({ 'API-12': secondAttemptScript('API-12') })
    const run = await fix(s, { 'max-prs': '1' })
    expect(run.code).toBe(0)
    const summary = await summaryOf(run)
    expect(summary.issues.find(i => i.short_id === 'API-12')!.tests).toEqual({
      command: 'npm test',
      passed: true,
      attempts: 2
    })
    const [pr] = createdPulls(s).map(r => JSON.parse(r.body))
    expect(pr.head).toBe('fix/sentry-API-12')
    expect(pr.body).toContain('(2 attempts)')
  })

  it('survives a GitHub 502 and a secondary rate limit when opening a PR', async () => {
    const s = await sandboxWith()
    const isCreate = (r: { method: string; path: string }) =>
      r.method === 'POST' && r.path === '/repos/acme/shop/pulls'
    s.github.faults.push(
      { match: isCreate, times: 1, response: githubFaults.badGateway() },
      { match: isCreate, times: 1, response: githubFaults.secondaryRateLimit(1) }
    )
    const run = await fix(s, { 'max-prs': '1' })
    expect(run.code).toBe(0)
    expect(dispositions(await summaryOf(run))['API-12']).toBe('pr-opened')
    expect(s.github.world.pulls.filter(p => p.head.ref === 'fix/sentry-API-12')).toHaveLength(1)
  })

  it('fails an issue with a clear reason when the remote rejects the token on push', async () => {
    const other = 'ghs_apiOnlyTokenTheRemoteRejects0123456789'
    sandbox = await startAgentSandbox(triageScenario(), { extraGithubTokens: [other] })
    const run = await fix(sandbox, { 'github-token': other })
    const summary = await summaryOf(run)
    for (const id of ['API-12', 'WEB-9']) {
      const issue = summary.issues.find(i => i.short_id === id)!
      expect(issue.disposition).toBe('agent-failed')
      expect(issue.reason).toMatch(/push failed: the remote rejected github-token/)
    }
    expect(run.code).toBe(1)
    expect(createdPulls(sandbox)).toHaveLength(0)
    expect(run.log).not.toContain(other)
  })
})
