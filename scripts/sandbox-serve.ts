// `npm run sandbox`: starts the local sandbox of test-support/sandbox/sandbox.ts (fake Sentry, fake GitHub and fake artifact
// service on 127.0.0.1) with the triage scenario of test-support/sandbox/world.ts, publishes how to reach it, and stays up for
// a few minutes so that a workflow can run `uses: ./` against it in a later step.
//
//   npm run sandbox -- [--minutes N] [--json FILE]
//
// Published, once every fake listens:
//   - to the file in $GITHUB_OUTPUT (when set): one step output per action input, named as the input
//     (sentry-host, sentry-token, sentry-org, sentry-project, ...), so a workflow passes
//     `sentry-host: ${{ steps.sandbox.outputs.sentry-host }}`;
//   - to FILE (when --json is given, written last, so its presence means "ready"):
//     { "inputs": {...}, "env": {...}, "pid": N } where env is what a local run also needs (GITHUB_API_URL of the fake
//     GitHub, ACTIONS_RUNTIME_TOKEN / ACTIONS_RESULTS_URL of the fake artifact service). On a GitHub runner those are
//     not overridable (GITHUB_* and the runtime token are the runner's), so the smoke job fakes Sentry only.
// Stops after --minutes (default 10, at most 14: each fake closes itself after 15 minutes) or on SIGINT/SIGTERM.
import { appendFile, writeFile } from 'node:fs/promises'
import { randomUUID } from 'node:crypto'
import { parseArgs } from 'node:util'
import { startSandbox } from '../test-support/sandbox/sandbox.js'
import { triageScenario } from '../test-support/sandbox/world.js'

const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '10' }, json: { type: 'string' } }
})
const minutes = Number(values.minutes)
if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 14) {
  console.error(`--minutes must be a number above 0 and at most 14, got ${JSON.stringify(values.minutes)}`)
  process.exit(2)
}

const scenario = triageScenario()
const sandbox = await startSandbox(scenario)
const inputs: Record<string, string> = {
  ...scenario.inputs,
  'sentry-host': sandbox.inputs['sentry-host']!,
  'sentry-token': sandbox.inputs['sentry-token']!
}

/** `name<<DELIM` blocks, as @actions/core writes them (safe for any value). */
function outputBlock(name: string, value: string): string {
  const delimiter = `ghadelimiter_${randomUUID()}`
  return `${name}<<${delimiter}\n${value}\n${delimiter}\n`
}

if (process.env.GITHUB_OUTPUT) {
  await appendFile(
    process.env.GITHUB_OUTPUT,
    Object.entries(inputs)
      .map(([name, value]) => outputBlock(name, value))
      .join('')
  )
}
if (values.json) {
  const description = { inputs: { ...sandbox.inputs, ...inputs }, env: sandbox.env, pid: process.pid }
  await writeFile(values.json, `${JSON.stringify(description, null, 2)}\n`)
}

console.log(`Local sandbox up for ${minutes} min (pid ${process.pid}):`)
console.log(`  fake Sentry    ${sandbox.sentry.url}  (org acme, projects api and web)`)
console.log(`  fake GitHub    ${sandbox.github.url}`)
console.log(`  fake artifacts ${sandbox.artifacts.url}`)
for (const [name, value] of Object.entries(inputs)) console.log(`  input ${name}: ${value}`)

let stopping = false
async function stop(reason: string): Promise<void> {
  if (stopping) return
  stopping = true
  clearTimeout(timer)
  console.log(`Stopping the sandbox (${reason}).`)
  await sandbox.close()
}
const timer = setTimeout(() => void stop(`${minutes} min are up`), minutes * 60_000)
process.once('SIGINT', () => void stop('SIGINT'))
process.once('SIGTERM', () => void stop('SIGTERM'))
