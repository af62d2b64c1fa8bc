// Bad input, run as the runner runs the action: the step fails with a message that names the input and the fix,
// and nothing reaches GitHub (or Sentry) at all.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { runAction } from '../../test-support/action-process.js'
import { startSandbox, type Sandbox } from '../../test-support/sandbox/sandbox.js'
import { triageScenario } from '../../test-support/sandbox/world.js'
import { findLeaks } from '../../test-support/leaks.js'
import { findRunLeaks } from '../../test-support/leak-scan.js'

let sandbox: Sandbox
let valid: Record<string, string>
beforeAll(async () => {
  const scenario = triageScenario()
  sandbox = await startSandbox(scenario)
  valid = { ...sandbox.inputs, ...scenario.inputs }
})
afterAll(async () => {
  await sandbox.close()
})

// [what is wrong, inputs to change, what the message must say (input name and fix)]
const cases: [string, Record<string, string>, RegExp][] = [
  ['empty sentry-token', { 'sentry-token': '' }, /Input 'sentry-token'.*(empty|required)/],
  ['empty sentry-org', { 'sentry-org': '' }, /Input 'sentry-org'/],
  ['a sentry-org that is not a slug', { 'sentry-org': 'Acme Corp' }, /Input 'sentry-org'.*slug/],
  ['no sentry-project', { 'sentry-project': ' , ' }, /Input 'sentry-project'/],
  ['a non-integer top', { top: '5.5' }, /Input 'top' must be a whole number.*such as 5/],
  ['a negative max-prs', { 'max-prs': '-1' }, /Input 'max-prs' must be a whole number/],
  ['top beyond 100', { top: '500' }, /Input 'top'.*1 to 100/],
  ['an unknown mode', { mode: 'yolo' }, /Input 'mode' must be one of fix, triage, dry-run, plan, work, land/],
  [
    'a host with a scheme',
    { 'sentry-host': 'https://sentry.example.com' },
    /Input 'sentry-host'.*drop 'https:\/\/'/
  ],
  ['plain http to a remote host', { 'sentry-host': 'http://sentry.example.com' }, /Input 'sentry-host'/],
  ['a host with a path', { 'sentry-host': 'sentry.example.com/api' }, /Input 'sentry-host'/],
  ['a bad stats-period', { 'stats-period': '7days' }, /Input 'stats-period'.*such as 24h, 7d/],
  ['a boolean query', { 'sentry-query': 'is:unresolved OR level:fatal' }, /Input 'sentry-query'/],
  ['a bad glob in deny-paths', { 'deny-paths': '.github/**, [abc' }, /Input 'deny-paths'.*\[abc/],
  ['a non-boolean draft', { draft: 'yes' }, /Input 'draft'.*true or false/i],
  ['a retention beyond 90 days', { 'retention-days': '365' }, /Input 'retention-days'/],
  ['fix mode without a model key', { mode: 'fix', 'openai-api-key': '' }, /Input 'openai-api-key'.*mode/],
  ['work mode without an issue', { mode: 'work' }, /Input 'issue'/],
  ['a codex-version range', { 'codex-version': '^0.171.0' }, /Input 'codex-version'.*exact/],
  [
    'codex-args that disable the sandbox',
    { 'codex-args': '--dangerously-bypass-approvals-and-sandbox' },
    /Input 'codex-args'/
  ],
  ['an invalid branch-prefix', { 'branch-prefix': 'fix sentry/' }, /Input 'branch-prefix'/],
  ['an artifact name with a slash', { 'artifact-name': 'a/b' }, /Input 'artifact-name'/]
]

describe('invalid inputs fail the step before anything is sent', () => {
  it.each(cases)('%s', async (_what, change, message) => {
    const before = { github: sandbox.github.requests.length, sentry: sandbox.sentry.requests.length }
    const run = await runAction({ inputs: { ...valid, ...change }, env: sandbox.env })
    expect(run.code).toBe(1)
    expect(run.errors.join('\n')).toMatch(message)
    expect(run.outputs).toEqual({})
    expect(sandbox.github.requests.length).toBe(before.github)
    expect(sandbox.sentry.requests.length).toBe(before.sentry)
    expect(findLeaks(sandbox.secrets, { log: run.log, stderr: run.stderr })).toEqual([])
    expect(await findRunLeaks(sandbox, run)).toEqual([])
    await run.cleanup()
  })

  it('reports every invalid input at once', async () => {
    const run = await runAction({
      inputs: { ...valid, top: 'x', mode: 'yolo', draft: 'maybe' },
      env: sandbox.env
    })
    expect(run.code).toBe(1)
    const message = run.errors.join('\n')
    for (const name of ['top', 'mode', 'draft']) expect(message).toContain(`Input '${name}'`)
    await run.cleanup()
  })

  it('clamps max-prs above top with a warning and runs', async () => {
    const run = await runAction({ inputs: { ...valid, top: '3', 'max-prs': '9' }, env: sandbox.env })
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/::warning::.*max-prs/)
    await run.cleanup()
  })
})
