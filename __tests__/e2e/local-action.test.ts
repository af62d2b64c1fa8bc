// The action's TypeScript source (src/main.ts's run()) run by @github/local-action, the way an author debugs an action
// locally: inputs from a .env file, @actions/core, @actions/github and @actions/artifact replaced by local-action's
// stubs, in triage mode against the local sandbox (fake Sentry and fake GitHub on 127.0.0.1).
//
// local-action's exit code is 0 even when the action fails, so success is judged from its output: no `::error::`,
// the outputs it prints as `::set-output name=...::`, the job summary file, the summary JSON and the artifact zip.
//
// Environment it needs (in the .env file, which local-action loads over its own): INPUT_* (action.yml's defaults fill
// the rest, unevaluated, so `${{ }}` defaults must be given), GITHUB_REPOSITORY, GITHUB_RUN_ID, RUNNER_TEMP,
// GITHUB_WORKSPACE, GITHUB_STEP_SUMMARY, GITHUB_API_URL (the fake GitHub) and, for its @actions/artifact stub,
// LOCAL_ACTION_ARTIFACT_PATH and LOCAL_ACTION_WORKSPACE (the stub writes <name>.zip there instead of uploading, so
// ACTIONS_RUNTIME_TOKEN / ACTIONS_RESULTS_URL from sandbox.env are passed but unused). Its own process needs
// TARGET_ACTION_PATH and NODE_PACKAGE_MANAGER=npm (set by its bin script, which this test replaces, see below) and npm
// on PATH (it runs `npm ls` to find the packages to stub).
import { afterEach, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { ROOT, node24 } from '../../test-support/action-process.js'
import { startSandbox, type Sandbox } from '../../test-support/sandbox/sandbox.js'
import { triageScenario } from '../../test-support/sandbox/world.js'
import { findLeaks } from '../../test-support/leaks.js'
import type { TriageSummary } from '../../src/schemas/summary.js'

const LOCAL_ACTION_SRC = path.join(ROOT, 'node_modules/@github/local-action/src')

// local-action 7.0.1's @actions/artifact stub exports DefaultArtifactClient only; src/adapters/artifact-upload.ts also
// imports GHESNotSupportedError, and an ES module that lacks a named import does not load. So instead of its bin
// script (which runs `npm exec tsx src/index.ts`), the test runs its CLI entry after adding that class to the stub.
const RUNNER = `
import { pathToFileURL } from 'node:url'
const src = process.env.LOCAL_ACTION_SRC
const { ARTIFACT_STUBS } = await import(pathToFileURL(src + '/stubs/artifact/artifact.ts').href)
class GHESNotSupportedError extends Error {
  constructor(message = 'GHES is not supported') {
    super(message)
    this.name = 'GHESNotSupportedError'
  }
}
Object.assign(ARTIFACT_STUBS, { GHESNotSupportedError })
await import(pathToFileURL(src + '/index.ts').href)
`

let sandbox: Sandbox | undefined

/** Secrets in what local-action printed (its mask commands aside) or in what the fakes were sent (auth headers aside). */
function localActionLeaks(s: Sandbox, run: { stdout: string }, extra: string[] = []): string[] {
  const shown = run.stdout
    .split('\n')
    .filter(line => !line.startsWith('::add-mask::'))
    .join('\n')
  const sent = [...s.sentry.requests, ...s.github.requests].map(
    r => `${r.path}?${r.query.toString()} ${r.body}`
  )
  return findLeaks([...s.secrets, ...extra], { stdout: shown, requests: sent.join('\n') })
}
let base: string | undefined
afterEach(async () => {
  await sandbox?.close()
  sandbox = undefined
  if (base) await rm(base, { recursive: true, force: true })
  base = undefined
})

interface LocalActionRun {
  stdout: string
  errors: string[]
  outputs: Record<string, string>
  stepSummary: string
  artifactDir: string
  runnerTemp: string
}

/** A .env line; dotenv reads double-quoted values with \n escapes. */
const envLine = (name: string, value: string) => `${name}=${JSON.stringify(value)}`

async function runLocalAction(
  inputs: Record<string, string>,
  env: Record<string, string>
): Promise<LocalActionRun> {
  base = await mkdtemp(path.join(os.tmpdir(), 'sct-local-action-'))
  const dirs = {
    runnerTemp: path.join(base, 'runner-temp'),
    workspace: path.join(base, 'workspace'),
    artifacts: path.join(base, 'artifacts')
  }
  await Promise.all(Object.values(dirs).map(d => mkdir(d, { recursive: true })))
  const stepSummary = path.join(base, 'step-summary.md')
  await writeFile(stepSummary, '')
  const dotenv = path.join(base, '.env')
  const variables: Record<string, string> = {
    ...Object.fromEntries(
      Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])
    ),
    ...env,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_RUN_ID: '5150',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    RUNNER_TEMP: dirs.runnerTemp,
    GITHUB_WORKSPACE: dirs.workspace,
    GITHUB_STEP_SUMMARY: stepSummary,
    LOCAL_ACTION_ARTIFACT_PATH: dirs.artifacts,
    LOCAL_ACTION_WORKSPACE: dirs.workspace
  }
  await writeFile(
    dotenv,
    Object.entries(variables)
      .map(([k, v]) => envLine(k, v))
      .join('\n') + '\n'
  )
  const runner = path.join(base, 'run-local-action.mjs')
  await writeFile(runner, RUNNER)

  // Node 24 as on the runner (local-action supports 22 and 24); tsx loads the TypeScript of local-action and of src/.
  const child = spawn(node24(), ['--import', 'tsx', runner, ROOT, 'src/main.ts', dotenv], {
    cwd: ROOT,
    env: {
      PATH: `${path.dirname(node24())}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: process.env.HOME ?? base,
      LANG: 'C.UTF-8',
      FORCE_COLOR: '0',
      NO_COLOR: '1',
      NODE_NO_WARNINGS: '1',
      TARGET_ACTION_PATH: ROOT,
      NODE_PACKAGE_MANAGER: 'npm',
      LOCAL_ACTION_SRC
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (stdout += c.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000)
  await new Promise(resolve => child.on('close', resolve))
  clearTimeout(timer)

  const lines = stdout.split('\n')
  return {
    stdout,
    errors: lines.filter(l => l.startsWith('::error')),
    outputs: Object.fromEntries(
      lines.flatMap(l => {
        const m = /^::set-output name=([^:]+)::(.*)$/.exec(l)
        return m ? [[m[1]!, m[2]!]] : []
      })
    ),
    stepSummary: await readFile(stepSummary, 'utf8'),
    artifactDir: dirs.artifacts,
    runnerTemp: dirs.runnerTemp
  }
}

describe('@github/local-action runs the TypeScript source', () => {
  it('in triage mode against the sandbox: outputs, job summary, summary file and artifact, no error', async () => {
    const scenario = triageScenario()
    sandbox = await startSandbox(scenario)
    const run = await runLocalAction(
      {
        ...sandbox.inputs,
        ...scenario.inputs,
        // local-action fills defaults from action.yml without evaluating ${{ }}: give those two.
        'artifact-name': 'sentry-triage-5150',
        'github-token': sandbox.inputs['github-token']!
      },
      sandbox.env
    )
    const context = run.stdout.slice(-4000)
    expect({ errors: run.errors, context: run.errors.length ? context : '' }).toEqual({
      errors: [],
      context: ''
    })
    expect(run.stdout).toContain('Running Action')

    expect(run.outputs).toMatchObject({ opened: '0', skipped: '3', failed: '0', 'pull-requests': '[]' })
    const summaryFile = path.join(run.runnerTemp, 'sentry-codex-triage', 'triage-summary.json')
    expect(run.outputs['summary-file']).toBe(summaryFile)
    const summary = JSON.parse(await readFile(summaryFile, 'utf8')) as TriageSummary
    expect(Object.fromEntries(summary.issues.map(i => [i.short_id, i.disposition]))).toEqual(
      scenario.expected
    )
    expect(summary.run).toMatchObject({ repository: 'acme/shop', run_id: '5150', mode: 'triage' })
    expect(summary.error).toBeNull()

    expect(run.stepSummary).toContain('## Sentry triage')
    expect(run.stepSummary).toContain('[#11](https://github.com/acme/shop/pull/11)')

    // The stub's "upload": a zip in LOCAL_ACTION_ARTIFACT_PATH.
    expect(await readdir(run.artifactDir)).toEqual(['sentry-triage-5150.zip'])
    // It read the fake services only, and wrote nothing to them.
    expect(sandbox.sentry.requests.length).toBeGreaterThan(0)
    expect(sandbox.github.requests.some(r => r.path.includes('matching-refs'))).toBe(true)
    expect(sandbox.github.writes()).toEqual([])
    expect(localActionLeaks(sandbox, run)).toEqual([])
  })

  it('reports a failing run only through ::error:: (its exit code stays 0), which the test above relies on', async () => {
    const scenario = triageScenario()
    sandbox = await startSandbox(scenario)
    const run = await runLocalAction(
      {
        ...sandbox.inputs,
        ...scenario.inputs,
        'sentry-token': 'sntryu_wrong_token_value_0000',
        'artifact-name': 'sentry-triage-5150',
        'github-token': sandbox.inputs['github-token']!
      },
      sandbox.env
    )
    expect(run.errors.join('\n')).toMatch(/Sentry rejected sentry-token \(401 Unauthorized\)/)
    expect(existsSync(path.join(run.runnerTemp, 'sentry-codex-triage', 'triage-summary.json'))).toBe(true)
    expect(localActionLeaks(sandbox, run, ['sntryu_wrong_token_value_0000'])).toEqual([])
  })
})
