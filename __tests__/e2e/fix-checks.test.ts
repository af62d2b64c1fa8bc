// mode: fix, end to end: what the action refuses to land (policy, its own test run) and faults while landing.
import { afterEach, describe, expect, it } from '@jest/globals'
import { remoteBranches } from '../../test-support/sandbox/sandbox.js'
import {
  alwaysFailingScript,
  ciEditScript,
  editExistingTestScript,
  secondAttemptScript,
  thirtyFilesScript
} from '../../test-support/sandbox/agent-scripts.js'
import { githubFaults } from '../../test-support/sandbox/fake-github.js'
import { agentHarness, createdPulls, dispositions, summaryOf } from '../../test-support/e2e-harness.js'

const h = agentHarness({ mode: 'fix', 'test-command': 'npm test' })
afterEach(() => h.cleanup())

describe('fix mode, end to end: what the action refuses to land', () => {
  it.each([
    ['edits a CI workflow', ciEditScript('API-12'), /\.github\/workflows\/ci\.yml matches deny-paths/],
    ['modifies an existing test', editExistingTestScript('API-12'), /test\/totals\.test\.js/],
    ['changes 30 files', thirtyFilesScript('API-12'), /max-changed-files 10/]
  ])('rejects a fix that %s, pushes nothing of it, and moves the cap on', async (_what, script, reason) => {
    const s = await h.sandbox({ scripts: { 'API-12': script } })
    const run = await h.run(s, { 'max-prs': '1' })
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
    const s = await h.sandbox({ scripts: { 'API-12': alwaysFailingScript('API-12') } })
    const run = await h.run(s, { 'max-prs': '1', 'fix-attempts': '2' })
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
    const s = await h.sandbox({ scripts: { 'API-12': secondAttemptScript('API-12') } })
    const run = await h.run(s, { 'max-prs': '1' })
    expect(run.code).toBe(0)
    const summary = await summaryOf(run)
    expect(summary.issues.find(i => i.short_id === 'API-12')!.tests).toEqual({
      command: 'npm test',
      passed: true,
      attempts: 2
    })
    const [pr] = createdPulls(s)
    expect(pr!.head).toBe('fix/sentry-API-12')
    expect(pr!.body).toContain('(2 attempts)')
  })

  it('survives a GitHub 502 and a secondary rate limit when opening a PR', async () => {
    const s = await h.sandbox()
    const isCreate = (r: { method: string; path: string }) =>
      r.method === 'POST' && r.path === '/repos/acme/shop/pulls'
    s.github.faults.push(
      { match: isCreate, times: 1, response: githubFaults.badGateway() },
      { match: isCreate, times: 1, response: githubFaults.secondaryRateLimit(1) }
    )
    const run = await h.run(s, { 'max-prs': '1' })
    expect(run.code).toBe(0)
    expect(dispositions(await summaryOf(run))['API-12']).toBe('pr-opened')
    expect(s.github.world.pulls.filter(p => p.head.ref === 'fix/sentry-API-12')).toHaveLength(1)
  })

  it('ends an issue land-failed with a clear reason when the remote rejects the token on push', async () => {
    const other = 'ghs_apiOnlyTokenTheRemoteRejects0123456789'
    const s = await h.sandbox({ extraGithubTokens: [other] })
    const run = await h.run(s, { 'github-token': other })
    const summary = await summaryOf(run)
    for (const id of ['API-12', 'WEB-9']) {
      const issue = summary.issues.find(i => i.short_id === id)!
      expect(issue.disposition).toBe('land-failed')
      expect(issue.reason).toMatch(/push failed: the remote rejected github-token/)
    }
    expect(run.code).toBe(1)
    expect(createdPulls(s)).toHaveLength(0)
    expect(run.log).not.toContain(other)
  })
})
