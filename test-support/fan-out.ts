// The reusable fan-out workflow (.github/workflows/fan-out.yml), simulated here as the runner would run it: one plan
// job, then one work job per matrix entry at once (each its own RUNNER_TEMP, checkout and artifact job id, with the
// read-only job token), then one land job with the write token. Every job is the bundled action as a Node 24 process.
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { runAction, type ActionRun } from './action-process.js'
import { runtimeEnv } from './sandbox/fake-artifacts.js'
import { configEnv, git } from './sandbox/sample-repo.js'
import { SANDBOX_GITHUB_TOKEN, SANDBOX_READ_TOKEN, type AgentSandbox } from './sandbox/sandbox.js'

export interface FanOutJob {
  name: string
  inputs: Record<string, string>
  env: Record<string, string>
  run: ActionRun
  /** the job's wall time: its checkout and the action's process */
  ms: number
}

export interface FanOut {
  runId: string
  /** wall time of the work phase: every work job, at most maxParallel at once */
  workPhaseMs: number
  plan: FanOutJob
  matrix: { include: { issue: string }[] }
  work: FanOutJob[]
  land: FanOutJob
  /** removes every job's folders */
  cleanup(): Promise<void>
}

/**
 * A checkout as actions/checkout leaves it with `ref: <base-sha>` and `persist-credentials: false`: fetched with the
 * job's token for that one command, no credential left behind.
 */
async function jobCheckout(
  s: AgentSandbox,
  sha: string,
  token: string,
  tempRoot = os.tmpdir()
): Promise<{ dir: string; remove(): Promise<void> }> {
  const root = await mkdtemp(path.join(tempRoot, 'sct-job-'))
  const dir = path.join(root, 'checkout')
  await git(root, ['init', '--quiet', dir])
  await git(dir, ['remote', 'add', 'origin', s.checkout.remoteUrl])
  const header = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`
  await git(dir, ['-c', 'protocol.version=2', 'fetch', '--quiet', '--no-tags', '--depth=1', 'origin', sha], {
    env: configEnv({ [`http.${s.checkout.http!.url}/.extraheader`]: header })
  })
  await git(dir, ['checkout', '--quiet', '--detach', sha])
  return { dir, remove: () => rm(root, { recursive: true, force: true, maxRetries: 3 }) }
}

/**
 * Runs plan -> work (all matrix entries at once, at most maxParallel) -> land. `inputs` are the workflow's `with:` for
 * every job; each job gets only the credentials fan-out.yml gives it.
 */
export async function runFanOut(
  s: AgentSandbox,
  inputs: Record<string, string>,
  options: {
    maxParallel?: number
    timeoutMs?: number
    /** matrix entries whose work job dies before it uploads anything */
    skip?: string[]
    /** run after every job: the places a secret leaked to (the tests pass findRunLeaks; the bench none) */
    leakScan?: (s: AgentSandbox, run: ActionRun) => Promise<string[]>
    /** run on each work job's checkout before its job starts (e.g. to record its .git) */
    beforeWork?: (issue: string, checkout: string) => Promise<void>
    /**
     * where the jobs' checkouts and RUNNER_TEMPs go (default os.tmpdir()); on a runner neither is under /tmp, which
     * the test command's jail overlays
     */
    tempRoot?: string
  } = {}
): Promise<FanOut> {
  const runBackendId = randomUUID()
  const runId = String(5000 + Math.floor(Math.random() * 1000))
  const cleanups: (() => Promise<void>)[] = []
  const sentry = { 'sentry-token': s.inputs['sentry-token']!, 'sentry-host': s.inputs['sentry-host']! }
  const model = {
    'openai-api-key': s.inputs['openai-api-key']!,
    'openai-base-url': s.inputs['openai-base-url']!,
    model: s.inputs.model!
  }
  const job = async (
    name: string,
    withInputs: Record<string, string>,
    workspace?: string,
    startedAt = performance.now()
  ): Promise<FanOutJob> => {
    const env = {
      ...s.env,
      ...runtimeEnv(s.artifacts, { runBackendId, jobBackendId: randomUUID() }),
      GITHUB_JOB: name
    }
    const runnerTemp = options.tempRoot ? await mkdtemp(path.join(options.tempRoot, 'runner-temp-')) : null
    const started = await runAction({
      inputs: withInputs,
      env: runnerTemp ? { ...env, RUNNER_TEMP: runnerTemp } : env,
      runId,
      workspace,
      timeoutMs: options.timeoutMs ?? 240_000
    })
    const run: ActionRun = runnerTemp ? { ...started, runnerTemp } : started
    const ms = Math.round(performance.now() - startedAt)
    cleanups.push(() => run.cleanup())
    if (runnerTemp) cleanups.push(() => rm(runnerTemp, { recursive: true, force: true, maxRetries: 3 }))
    return { name, inputs: withInputs, env, run, ms }
  }

  try {
    // plan: contents: read, pull-requests: read; Sentry, no model
    const plan = await job('plan', {
      ...inputs,
      ...sentry,
      'openai-api-key': '',
      'github-token': SANDBOX_READ_TOKEN,
      mode: 'plan'
    })
    if (plan.run.code !== 0) throw new Error(`the plan job failed:\n${plan.run.stderr}\n${plan.run.stdout}`)
    const matrix = JSON.parse(plan.run.outputs.matrix ?? '') as FanOut['matrix']
    const baseSha = plan.run.outputs['base-sha'] ?? ''

    // work: contents: read only; Sentry and the model, never the write token
    const queue = matrix.include.filter(e => !options.skip?.includes(e.issue))
    const work: FanOutJob[] = []
    const worker = async () => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) {
        const startedAt = performance.now()
        const checkout = await jobCheckout(s, baseSha, SANDBOX_READ_TOKEN, options.tempRoot)
        cleanups.push(checkout.remove)
        await options.beforeWork?.(entry.issue, checkout.dir)
        work.push(
          await job(
            `work (${entry.issue})`,
            {
              ...inputs,
              ...sentry,
              ...model,
              'github-token': SANDBOX_READ_TOKEN,
              mode: 'work',
              issue: entry.issue
            },
            checkout.dir,
            startedAt
          )
        )
      }
    }
    const parallel = Math.max(
      1,
      Math.min(options.maxParallel ?? matrix.include.length, matrix.include.length)
    )
    const workStarted = performance.now()
    await Promise.all(Array.from({ length: parallel }, worker))
    const workPhaseMs = Math.round(performance.now() - workStarted)

    // land: contents: write, pull-requests: write; neither the Sentry token nor the model key
    const landStarted = performance.now()
    const landCheckout = await jobCheckout(s, baseSha, SANDBOX_READ_TOKEN, options.tempRoot)
    cleanups.push(landCheckout.remove)
    const land = await job(
      'land',
      {
        ...inputs,
        'sentry-host': sentry['sentry-host'],
        'sentry-token': '',
        'openai-api-key': '',
        'github-token': SANDBOX_GITHUB_TOKEN,
        mode: 'land'
      },
      landCheckout.dir,
      landStarted
    )
    // Scanned once every job has finished: an artifact still being uploaded by another job is not yet readable.
    if (options.leakScan) {
      for (const { name, run } of [plan, ...work, land]) {
        const leaks = await options.leakScan(s, run)
        if (leaks.length > 0) throw new Error(`secrets leaked in job ${name}:\n${leaks.join('\n')}`)
      }
    }
    return {
      runId,
      workPhaseMs,
      plan,
      matrix,
      work,
      land,
      async cleanup() {
        await Promise.all(cleanups.splice(0).map(c => c()))
      }
    }
  } catch (error) {
    await Promise.all(cleanups.splice(0).map(c => c()))
    throw error
  }
}
