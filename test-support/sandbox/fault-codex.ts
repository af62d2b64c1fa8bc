// Stand-ins for the codex binary and the Sentry MCP server that misbehave on purpose, for the fault suite
// (__tests__/e2e/faults.test.ts). The action is pointed at them through its install hooks
// (SENTRY_CODEX_TRIAGE_CODEX_PATH, SENTRY_CODEX_TRIAGE_MCP_ENTRY). Each is a small Node ESM script: the action runs a
// `.mjs` codex path with its own node, and the MCP entry always with node.
//
// Every fake codex answers `--version` like the real one (the action checks it at set-up) and `sandbox ...` with
// success (the AppArmor probe); only `exec` misbehaves.
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { SAMPLE_FIXES, SAMPLE_SHORT_IDS } from './sample-repo.js'

export type FakeCodexBehaviour =
  /** writes a line of JSON, then an error on stderr, and exits 1 */
  | 'crash'
  /** emits event types codex does not have (and a line that is not JSON) around a real fix and a valid answer */
  | 'unknown-events'
  /** never ends: ignores SIGTERM and starts a child that ignores it too */
  | 'hang'

export const FAKE_CODEX_VERSION = '0.171.0'
export const CRASH_STDERR = 'Error: fatal runtime error: simulated codex crash (stack overflow)'
export const MCP_START_FAILURE = 'sentry-mcp: simulated start-up failure: cannot bind stdio transport'

const PRELUDE = `
const args = process.argv.slice(2)
if (args.includes('--version')) { process.stdout.write('codex-cli ${FAKE_CODEX_VERSION}\\n'); process.exit(0) }
if (args[0] === 'sandbox') process.exit(0)
if (args[0] !== 'exec') { process.stderr.write('Error: unexpected arguments ' + JSON.stringify(args) + '\\n'); process.exit(2) }
const option = name => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined }
const emit = event => process.stdout.write(JSON.stringify(event) + '\\n')
`

function body(behaviour: FakeCodexBehaviour): string {
  switch (behaviour) {
    case 'crash':
      return `
emit({ type: 'thread.started', thread_id: 'fake-crash' })
process.stderr.write('2026-01-01T00:00:00.000Z  INFO codex_exec: starting\\n${CRASH_STDERR}\\n')
process.exit(1)
`
    case 'hang':
      return `
import { spawn } from 'node:child_process'
process.on('SIGTERM', () => {})
emit({ type: 'thread.started', thread_id: 'fake-hang' })
// a grandchild that also ignores SIGTERM; its command line names the worktree, so a test can look for survivors
spawn(process.execPath, ['-e', 'process.on("SIGTERM",()=>{});setInterval(()=>{},1000)', option('-C')], { stdio: 'ignore' })
setInterval(() => {}, 1000)
`
    case 'unknown-events': {
      const fixes = Object.fromEntries(
        SAMPLE_SHORT_IDS.map(id => [
          id,
          {
            diff: SAMPLE_FIXES[id].unifiedDiff,
            answer: {
              status: 'fixed',
              summary: SAMPLE_FIXES[id].summary,
              root_cause: SAMPLE_FIXES[id].root_cause,
              confidence: 'medium',
              files_changed: [SAMPLE_FIXES[id].file, SAMPLE_FIXES[id].testFile],
              tests_run: null,
              tests_passed: null,
              notes: ''
            }
          }
        ])
      )
      return `
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
const fixes = ${JSON.stringify(fixes)}
const prompt = readFileSync(0, 'utf8')
const id = Object.keys(fixes).find(k => prompt.includes(k))
emit({ type: 'thread.started', thread_id: 'fake-unknown-events' })
emit({ type: 'turn.started' })
emit({ type: 'session.configured.v2', model: 'gpt-9', sandbox: { mode: 'workspace-write' } })
emit({ type: 'item.started', item: { id: 'item_1', type: 'hologram_projection', status: 'in_progress' } })
emit({ type: 'item.completed', item: { id: 'item_2', type: 'quantum_tool_call', payload: { qubits: 3 } } })
emit({ type: 'item.completed', item: { id: 'item_3', type: 'reasoning', text: 'thinking' } })
emit([1, 2, 3])
emit('a bare string event')
process.stdout.write('this line is not JSON at all {\\n')
emit({ type: 'rate_limits.updated', primary: { used_percent: 12.5 } })
if (id) {
  const applied = spawnSync('git', ['apply', '-'], { cwd: option('-C'), input: fixes[id].diff })
  if (applied.status !== 0) { process.stderr.write('Error: git apply failed: ' + applied.stderr + '\\n'); process.exit(1) }
}
const answer = id ? fixes[id].answer : { status: 'no-fix', summary: 'unknown issue', root_cause: 'not a sample issue', confidence: 'low', files_changed: [], tests_run: null, tests_passed: null, notes: '' }
writeFileSync(option('-o'), JSON.stringify(answer))
emit({ type: 'item.completed', item: { id: 'item_4', type: 'agent_message', text: JSON.stringify(answer) } })
emit({ type: 'turn.completed', usage: { input_tokens: 1234, cached_input_tokens: 0, output_tokens: 56, brand_new_counter: 7 } })
emit({ type: 'thread.finished.v3' })
process.exit(0)
`
    }
  }
}

/** Writes a fake codex with `behaviour` into `dir`; returns its path (pass it as SENTRY_CODEX_TRIAGE_CODEX_PATH). */
export async function writeFakeCodex(dir: string, behaviour: FakeCodexBehaviour): Promise<string> {
  await mkdir(dir, { recursive: true })
  const file = path.join(dir, `codex-${behaviour}.mjs`)
  const text = body(behaviour)
  // static imports must come first in an ES module
  const imports = text.match(/^import .*$/gm) ?? []
  const rest = text.replace(/^import .*$/gm, '')
  await writeFile(file, `${imports.join('\n')}\n${PRELUDE}\n${rest}`)
  return file
}

/** A file at a codex path that exists but cannot be executed (no .js suffix, mode 0644). */
export async function writeNonExecutableCodex(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true })
  const file = path.join(dir, 'codex')
  await writeFile(file, '#!/bin/sh\necho never runs\n')
  await chmod(file, 0o644)
  return file
}

/** An MCP server entry that fails at start-up (pass it as SENTRY_CODEX_TRIAGE_MCP_ENTRY). */
export async function writeFailingMcpServer(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true })
  const file = path.join(dir, 'mcp-server-fails.mjs')
  await writeFile(
    file,
    `process.stderr.write(${JSON.stringify(`${MCP_START_FAILURE}\n`)})\nprocess.exit(1)\n`
  )
  return file
}
