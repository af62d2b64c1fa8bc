// The jail's cost per test run: the same commands run through the action's test runner, jailed (bubblewrap: read-only
// host, private /tmp overlay, own user/PID/network namespaces, seccomp), against the isolation the action used before
// the jail (util-linux `unshare` into fresh user, PID, mount and network namespaces, with loopback up) and against no
// isolation at all. Median of RUNS runs each, after one warm-up.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { createTestRunner } from '../src/adapters/test-runner.js'
import { testJail } from '../test-support/jail.js'

const RUNS = 5
const QUIET = {
  info: () => {},
  debug: () => {},
  warning: () => {},
  group: <T>(_: string, fn: () => Promise<T>) => fn()
}

export interface JailRow {
  command: string
  none_ms: number
  namespaces_ms: number
  jail_ms: number
  /** jail_ms - namespaces_ms */
  jail_cost_ms: number
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return Math.round(sorted[Math.floor(sorted.length / 2)]! * 10) / 10
}

/** One run of `argv` to its end, in ms. */
function timedSpawn(file: string, args: string[], cwd: string): Promise<number> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, stdio: 'ignore', env: { PATH: process.env.PATH } })
    child.on('error', reject)
    child.on('close', code =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`${file} exited ${code}`))
    )
  })
}

async function medianOf(fn: () => Promise<number>): Promise<number> {
  await fn()
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) times.push(await fn())
  return median(times)
}

export async function jailCost(): Promise<JailRow[]> {
  const worktree = await mkdtemp(path.join(os.tmpdir(), 'bench-jail-'))
  try {
    const runner = createTestRunner({ env: { PATH: process.env.PATH }, log: QUIET, jail: testJail() })
    const rows: JailRow[] = []
    for (const command of ['true', 'node -e 0']) {
      const jail_ms = await medianOf(async () => {
        const run = await runner.run({ command, cwd: worktree, timeoutMs: 60_000 })
        if (!run.passed) throw new Error(`jailed ${command} failed: ${run.logTail}`)
        return run.durationMs
      })
      const script = `exec 2>&1\nip link set lo up >/dev/null 2>&1\n${command}`
      const namespaces_ms = await medianOf(() =>
        timedSpawn(
          'unshare',
          [
            '--user',
            '--map-root-user',
            '--net',
            '--pid',
            '--fork',
            '--mount-proc',
            '--kill-child',
            '--',
            '/bin/sh',
            '-c',
            script
          ],
          worktree
        )
      )
      const none_ms = await medianOf(() => timedSpawn('/bin/sh', ['-c', command], worktree))
      rows.push({
        command,
        none_ms,
        namespaces_ms,
        jail_ms,
        jail_cost_ms: Math.round((jail_ms - namespaces_ms) * 10) / 10
      })
    }
    return rows
  } finally {
    await rm(worktree, { recursive: true, force: true })
  }
}
