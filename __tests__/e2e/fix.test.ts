// mode: fix, end to end: the bundled action as a Node 24 process, the real codex binary and the real Sentry MCP
// server, the fake APIs, and a bare git remote served over HTTP that records which credential reached it.
import { afterEach, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { ROOT } from '../../test-support/action-process.js'
import { remoteBranches, SANDBOX_GITHUB_TOKEN } from '../../test-support/sandbox/sandbox.js'
import { findLeaks } from '../../test-support/leaks.js'
import { agentHarness, createdPulls, dispositions, summaryOf } from '../../test-support/e2e-harness.js'

const exec = promisify(execFile)
const h = agentHarness({ mode: 'fix', 'test-command': 'npm test' })
afterEach(() => h.cleanup())

describe('fix mode, end to end', () => {
  it('opens exactly max-prs pull requests, each branch one fix commit on base, pushed with the token', async () => {
    const s = await h.sandbox()
    const run = await h.run(s)
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
    const pulls = createdPulls(s)
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
    const s = await h.sandbox()
    await h.run(s)
    expect(createdPulls(s)).toHaveLength(2)
    const again = await h.run(s)
    expect(again.code).toBe(0)
    expect(dispositions(await summaryOf(again))).toMatchObject({
      'API-12': 'existing-pr',
      'WEB-9': 'existing-pr'
    })
    expect(createdPulls(s)).toHaveLength(2)
  })

  it('never opens a duplicate when two runs start at once', async () => {
    const s = await h.sandbox()
    const [a, b] = await Promise.all([h.run(s), h.run(s)])
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
})
