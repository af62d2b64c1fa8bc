// `npm run demo`: the main job, run locally. Starts the local sandbox (fake Sentry, fake GitHub, fake artifact
// service and a fake model, all on 127.0.0.1, plus a checkout of a sample shop with real bugs), runs the bundled
// dist/index.js exactly as the GitHub runner would (Node 24, INPUT_* and GITHUB_* env) with the real Codex CLI and
// the real Sentry MCP server, and prints the log, the job summary, the pull requests it opened, the outputs and the
// artifact. `npm run demo -- dry-run` shows the fixes without pushing; `npm run demo -- triage` runs no agent.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { runAction } from '../test-support/action-process.js'
import { startAgentSandbox } from '../test-support/sandbox/sandbox.js'
import { triageScenario } from '../test-support/sandbox/world.js'

const mode = process.argv[2] ?? 'fix'
const scenario = triageScenario()
const sandbox = await startAgentSandbox(scenario, { sentryPageSize: 2 })
try {
  console.log('Local sandbox:')
  console.log(
    `  fake Sentry    ${sandbox.sentry.url}  (org acme: ${scenario.sentry.issues.length} issues in 3 projects)`
  )
  console.log(
    `  fake GitHub    ${sandbox.github.url}  (acme/shop: PR #11 already fixes WEB-7, #8 fixed API-31)`
  )
  console.log(`  fake artifacts ${sandbox.artifacts.url}`)
  console.log(`  fake model     ${sandbox.model.baseUrl}  (scripted turns; the real codex binary runs them)`)
  console.log(
    `  checkout       ${sandbox.checkout.checkout}  (sample shop, base ${sandbox.checkout.baseSha.slice(0, 8)})`
  )
  const inputs: Record<string, string> = {
    ...sandbox.inputs,
    ...scenario.inputs,
    mode,
    'test-command': 'npm test'
  }
  console.log(
    `\nRunning dist/index.js (mode ${mode}, projects "${inputs['sentry-project']}", top ${inputs.top}, max-prs ${inputs['max-prs']}) ...\n`
  )
  const run = await runAction({
    inputs,
    env: sandbox.env,
    runId: '1001',
    eventName: 'schedule',
    workspace: sandbox.checkout.checkout,
    timeoutMs: 300_000
  })
  const shown = run.log
    .split('\n')
    .filter(line => line && !line.startsWith('::debug::'))
    .map(line => `  │ ${line}`)
  console.log(shown.join('\n'))
  console.log(`\nExit code: ${run.code}`)
  console.log('\n──────── Job summary (GITHUB_STEP_SUMMARY) ────────\n')
  console.log(run.stepSummary)
  const pulls = JSON.parse(run.outputs['pull-requests'] || '[]') as {
    issue: string
    number: number
    url: string
  }[]
  if (mode === 'fix') {
    console.log('──────── Pull requests opened (fake GitHub) ────────')
    for (const pr of pulls) console.log(`  #${pr.number} ${pr.issue}: ${pr.url}`)
    for (const p of sandbox.github.world.pulls.filter(p => pulls.some(o => o.number === p.number))) {
      console.log(
        `\n  ── #${p.number} ${p.title}  (${p.head.ref} -> ${p.base.ref}, labels: ${p.labels.join(', ')})`
      )
      console.log(
        p.body
          ?.split('\n')
          .map(line => `  │ ${line}`)
          .join('\n')
      )
    }
    console.log('')
  }
  console.log('──────── Outputs (GITHUB_OUTPUT) ────────')
  for (const [name, value] of Object.entries(run.outputs)) console.log(`  ${name} = ${value}`)
  console.log('\n──────── Artifact ────────')
  for (const a of sandbox.artifacts.artifacts()) {
    console.log(`  ${a.name} (id ${a.id}, ${a.size} bytes):`)
    for (const name of Object.keys(a.files())) console.log(`    ${name}`)
  }
  const runDir = path.join(run.runnerTemp, 'sentry-codex-triage')
  if (run.outputs['summary-file']) {
    const summary = JSON.parse(await readFile(run.outputs['summary-file'], 'utf8'))
    console.log(`  summary file: ${run.outputs['summary-file']}`)
    console.log(`  totals: ${JSON.stringify(summary.totals)}  usage: ${JSON.stringify(summary.usage)}`)
    for (const issue of summary.issues) {
      const patch = await readFile(path.join(runDir, `work-${issue.short_id}`, 'fix.patch'), 'utf8').catch(
        () => null
      )
      if (patch === null) continue
      const where = issue.branch ? `pushed as ${issue.branch}` : 'not pushed'
      console.log(`\n──────── ${issue.short_id}: the fix as a patch (${where}) ────────`)
      console.log(patch)
    }
  }
  process.exitCode = run.code ?? 1
} finally {
  await sandbox.close()
}
