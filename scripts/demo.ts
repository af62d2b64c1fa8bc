// `npm run demo`: the main job, run locally. Starts the local sandbox (fake Sentry, fake GitHub, fake artifact
// service, all on 127.0.0.1), runs the bundled dist/index.js exactly as the GitHub runner would (Node 24, INPUT_* and
// GITHUB_* env), and prints the job summary, the outputs and where the artifact went.
import { readFile } from 'node:fs/promises'
import { runAction } from '../test-support/action-process.js'
import { startSandbox } from '../test-support/sandbox.js'
import { triageScenario } from '../test-support/world.js'

const scenario = triageScenario()
const sandbox = await startSandbox(scenario, { sentryPageSize: 2 })
try {
  console.log('Local sandbox:')
  console.log(
    `  fake Sentry    ${sandbox.sentry.url}  (org acme: ${scenario.sentry.issues.length} issues in 3 projects)`
  )
  console.log(
    `  fake GitHub    ${sandbox.github.url}  (acme/shop: PR #11 already fixes WEB-7, #8 fixed API-31)`
  )
  console.log(`  fake artifacts ${sandbox.artifacts.url}`)
  const inputs = { ...sandbox.inputs, ...scenario.inputs }
  console.log(
    `\nRunning dist/index.js (mode ${inputs.mode}, projects "${inputs['sentry-project']}", top ${inputs.top}) ...\n`
  )
  const run = await runAction({ inputs, env: sandbox.env, runId: '1001', eventName: 'schedule' })
  const shown = run.log
    .split('\n')
    .filter(line => line && !line.startsWith('::debug::'))
    .map(line => `  │ ${line}`)
  console.log(shown.join('\n'))
  console.log(`\nExit code: ${run.code}`)
  console.log('\n──────── Job summary (GITHUB_STEP_SUMMARY) ────────\n')
  console.log(run.stepSummary)
  console.log('──────── Outputs (GITHUB_OUTPUT) ────────')
  for (const [name, value] of Object.entries(run.outputs)) console.log(`  ${name} = ${value}`)
  const artifacts = sandbox.artifacts.artifacts()
  console.log('\n──────── Artifact ────────')
  for (const a of artifacts)
    console.log(`  ${a.name} (id ${a.id}, ${a.size} bytes): ${Object.keys(a.files()).join(', ')}`)
  if (run.outputs['summary-file']) {
    const summary = JSON.parse(await readFile(run.outputs['summary-file'], 'utf8'))
    console.log(`  summary file: ${run.outputs['summary-file']}`)
    console.log(`  totals: ${JSON.stringify(summary.totals)}`)
  }
  process.exitCode = run.code ?? 1
} finally {
  await sandbox.close()
}
