// The guard behind the jail, against REAL git: the checkout's shared git state and HOME's git files are recorded before
// the first agent run; a change planted in any of them afterwards stops every later git command of the action, names
// what changed, and stays stopped; the action's own git work (worktrees, diffs, a push) changes nothing it watches.
import { afterEach, describe, expect, it } from '@jest/globals'
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createGitRepo } from '../../src/adapters/git-cli.js'
import { execGit } from '../../src/adapters/git-exec.js'
import { createGitLander } from '../../src/adapters/git-land.js'
import { createGitStateGuard, type GitStateGuard } from '../../src/adapters/git-state-guard.js'
import { RunCompromised } from '../../src/util/errors.js'
import { recordingLog } from '../../test-support/recording-log.js'
import {
  createSampleCheckout,
  SAMPLE_FIXES,
  type SampleCheckout
} from '../../test-support/sandbox/sample-repo.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setUp() {
  const sample: SampleCheckout = await createSampleCheckout({ remote: 'http' })
  cleanups.push(() => sample.cleanup())
  const home = await mkdtemp(path.join(os.tmpdir(), 'guard-home-'))
  cleanups.push(() => rm(home, { recursive: true, force: true }))
  await writeFile(path.join(home, '.gitconfig'), '[user]\n\tname = Runner\n')
  const marker = path.join(home, 'PLANTED-RAN')
  const guard = createGitStateGuard({ home })
  const log = recordingLog()
  const repo = createGitRepo({
    dir: sample.checkout,
    worktreesDir: path.join(sample.runnerTemp, 'worktrees'),
    log,
    guard
  })
  return { sample, home, marker, guard, repo, log, gitDir: path.join(sample.checkout, '.git') }
}

function landerFor(sample: SampleCheckout, guard: GitStateGuard) {
  return createGitLander({
    dir: sample.checkout,
    worktreesDir: path.join(sample.runnerTemp, 'land'),
    token: sample.token,
    author: { name: 'bot', email: 'bot@example.com' },
    log: recordingLog(),
    guard
  })
}

function pushFix(lander: ReturnType<typeof createGitLander>, sample: SampleCheckout) {
  return lander.commitAndPush({
    baseSha: sample.baseSha,
    patch: SAMPLE_FIXES['API-12'].unifiedDiff,
    branch: 'fix/sentry-API-12',
    message: 'fix: resolve API-12'
  })
}

describe('git state guard', () => {
  it("lets the action's own git work through: worktrees, diffs and a push change nothing it watches", async () => {
    const { sample, guard, repo } = await setUp()
    for (const name of ['API-12', 'WEB-9']) {
      await using worktree = await repo.addWorktree(sample.baseSha, name)
      await writeFile(path.join(worktree.path, 'new.txt'), 'x\n')
      await repo.diff(worktree)
    }
    const lander = landerFor(sample, guard)
    const pushed = await pushFix(lander, sample)
    expect(pushed.kind).toBe('pushed')
    await expect(guard.assertUnchanged()).resolves.toBeUndefined()
    expect(guard.compromised()).toBeNull()
  })

  it.each([
    [
      'a filter in .git/config',
      (g: string, m: string) => appendFile(path.join(g, 'config'), `[filter "x"]\n\tclean = touch ${m}\n`),
      '.git/config'
    ],
    [
      'an attribute in .git/info/attributes',
      (g: string, _m: string) =>
        mkdir(path.join(g, 'info'), { recursive: true }).then(() =>
          writeFile(path.join(g, 'info/attributes'), '* filter=x\n')
        ),
      '.git/info/attributes'
    ],
    [
      'a hook',
      (g: string, m: string) =>
        writeFile(path.join(g, 'hooks/post-checkout'), `#!/bin/sh\ntouch ${m}\n`, { mode: 0o755 }),
      '.git/hooks/post-checkout'
    ],
    [
      'a replace ref',
      (g: string, _m: string) =>
        mkdir(path.join(g, 'refs/replace'), { recursive: true }).then(() =>
          writeFile(path.join(g, 'refs/replace', 'a'.repeat(40)), `${'b'.repeat(40)}\n`)
        ),
      `.git/refs/replace/${'a'.repeat(40)}`
    ],
    [
      "a worktree's commondir pointed elsewhere",
      (g: string, _m: string) =>
        mkdir(path.join(g, 'worktrees/evil'), { recursive: true }).then(() =>
          writeFile(path.join(g, 'worktrees/evil/commondir'), '/tmp/elsewhere\n')
        ),
      '.git/worktrees/evil/commondir'
    ]
  ])('stops every later git command when %s appears, naming it', async (_what, plant, named) => {
    const { sample, guard, repo, gitDir, marker } = await setUp()
    await (await repo.addWorktree(sample.baseSha, 'API-12'))[Symbol.asyncDispose]()
    await plant(gitDir, marker)
    const attempt = repo.addWorktree(sample.baseSha, 'WEB-9')
    await expect(attempt).rejects.toBeInstanceOf(RunCompromised)
    await expect(attempt).rejects.toThrow(named)
    expect(guard.compromised()).toContain(named)
    // latched: even a harmless command is refused from now on
    await expect(execGit(['status'], { cwd: sample.checkout, guard })).rejects.toBeInstanceOf(RunCompromised)
    expect(existsSync(marker)).toBe(false)
  })

  it("stops when the runner HOME's git config changes, and the lander then refuses to push", async () => {
    const { sample, guard, repo, home } = await setUp()
    await (await repo.addWorktree(sample.baseSha, 'API-12'))[Symbol.asyncDispose]()
    await appendFile(path.join(home, '.gitconfig'), '[core]\n\tfsmonitor = touch /tmp/x\n')
    const lander = landerFor(sample, guard)
    const outcome = await pushFix(lander, sample)
    expect(outcome).toEqual({ kind: 'refused', reason: expect.stringContaining('~/.gitconfig') })
    expect(guard.compromised()).toMatch(/the run is compromised/)
  })
})
