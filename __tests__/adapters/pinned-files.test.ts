// pinned-files.ts on temporary files: what a check reports after each kind of change.
import { afterEach, describe, expect, it } from '@jest/globals'
import { chmod, mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {
  describePinChange,
  pinFiles,
  pinProblem,
  verifyPinned,
  type PinChange
} from '../../src/adapters/pinned-files.js'

const cleanups: string[] = []
afterEach(async () => {
  for (const dir of cleanups.splice(0)) await rm(dir, { recursive: true, force: true })
})

/** A binary, a package folder of two levels, and a place that must stay empty. */
async function install(): Promise<{
  dir: string
  binary: string
  pkg: string
  entry: string
  shadow: string
}> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sct-pinned-'))
  cleanups.push(dir)
  const binary = path.join(dir, 'bin', 'tool')
  await mkdir(path.dirname(binary), { recursive: true })
  await writeFile(binary, '#!/bin/sh\necho installed\n')
  await chmod(binary, 0o755)
  const pkg = path.join(dir, 'node_modules', 'server')
  await mkdir(path.join(pkg, 'dist', 'chunks'), { recursive: true })
  await writeFile(path.join(pkg, 'package.json'), '{"name":"server","type":"module"}\n')
  const entry = path.join(pkg, 'dist', 'index.js')
  await writeFile(entry, 'import "../unit/chunks/a.js"\n')
  await writeFile(path.join(pkg, 'dist', 'chunks', 'a.js'), 'export const a = 1\n')
  return { dir, binary, pkg, entry, shadow: path.join(dir, 'node_modules', 'node_modules', 'server') }
}

async function pinned() {
  const paths = await install()
  const set = await pinFiles({
    label: 'the tool',
    files: [paths.binary],
    trees: [paths.pkg],
    absent: [paths.shadow]
  })
  return { ...paths, set }
}

describe('pinFiles', () => {
  it('finds nothing changed when nothing was touched, and counts what it hashed', async () => {
    const { set } = await pinned()
    expect(await set.verify()).toEqual({ kind: 'unchanged' })
    expect(await set.verify()).toEqual({ kind: 'unchanged' })
    // the binary, package.json, dist/index.js, dist/chunks/a.js
    expect(set.fileCount).toBe(4)
    expect(set.byteCount).toBeGreaterThan(0)
  })

  it('names a single file of which one byte changed, its size unchanged', async () => {
    const { set, binary } = await pinned()
    await writeFile(binary, '#!/bin/sh\necho installeD\n')
    expect(await set.verify()).toEqual({ kind: 'changed', label: 'the tool', file: binary })
  })

  it('names a file of a pinned folder of which one byte changed', async () => {
    const { set, pkg } = await pinned()
    const chunk = path.join(pkg, 'dist', 'chunks', 'a.js')
    await writeFile(chunk, 'export const a = 2\n')
    expect(await set.verify()).toEqual({ kind: 'changed', label: 'the tool', file: chunk })
  })

  it('names a file removed from a pinned folder', async () => {
    const { set, pkg } = await pinned()
    await unlink(path.join(pkg, 'dist', 'chunks', 'a.js'))
    expect(await set.verify()).toEqual({
      kind: 'removed',
      label: 'the tool',
      file: path.join(pkg, 'dist', 'chunks', 'a.js')
    })
  })

  it('names a pinned single file that was removed', async () => {
    const { set, binary } = await pinned()
    await unlink(binary)
    expect(await set.verify()).toEqual({ kind: 'removed', label: 'the tool', file: binary })
  })

  it('names a file added into a pinned folder (a module that would be resolved first)', async () => {
    const { set, pkg } = await pinned()
    const planted = path.join(pkg, 'node_modules', 'zod', 'index.js')
    await mkdir(path.dirname(planted), { recursive: true })
    await writeFile(planted, 'steal()\n')
    expect(await set.verify()).toEqual({
      kind: 'added',
      label: 'the tool',
      file: path.join(pkg, 'node_modules')
    })
  })

  it('names a path that had to stay absent once something is there', async () => {
    const { set, shadow } = await pinned()
    await mkdir(shadow, { recursive: true })
    expect(await set.verify()).toEqual({ kind: 'added', label: 'the tool', file: shadow })
  })

  it('treats a file made executable as changed', async () => {
    const { set, entry } = await pinned()
    await chmod(entry, 0o755)
    expect(await set.verify()).toEqual({ kind: 'changed', label: 'the tool', file: entry })
  })

  it('follows a pinned symlink and reports it pointing elsewhere, even at an identical file', async () => {
    const { dir, binary } = await pinned()
    const link = path.join(dir, 'bin', 'tool-link')
    await symlink(binary, link)
    const set = await pinFiles({ label: 'the tool', files: [link] })
    const twin = path.join(dir, 'bin', 'twin')
    await writeFile(twin, '#!/bin/sh\necho installed\n')
    await chmod(twin, 0o755)
    await unlink(link)
    await symlink(twin, link)
    expect(await set.verify()).toEqual({ kind: 'changed', label: 'the tool', file: link })
  })

  it('reads an old file again only when its stamp moved, and then finds one changed byte', async () => {
    const { binary, pkg, entry } = await install()
    // older than a clock tick's margin: checks trust its unchanged inode and ctime instead of hashing it again
    await new Promise(resolve => setTimeout(resolve, 2_100))
    const pinned = await pinFiles({ label: 'tool', files: [binary], trees: [pkg] })
    expect(await pinned.verify()).toEqual({ kind: 'unchanged' })
    await writeFile(entry, 'import "../unit/chunks/b.js"\n')
    expect(await pinned.verify()).toEqual({ kind: 'changed', label: 'tool', file: entry })
  })

  it('stays failed once a change was found, even after the file is put back', async () => {
    const { set, binary } = await pinned()
    await writeFile(binary, '#!/bin/sh\necho planted\n')
    const first = await set.verify()
    await writeFile(binary, '#!/bin/sh\necho installed\n')
    await chmod(binary, 0o755)
    expect(first.kind).toBe('changed')
    expect(await set.verify()).toEqual(first)
  })

  it('refuses to pin a missing file or a path that must be absent but exists', async () => {
    const { binary, pkg } = await install()
    await expect(pinFiles({ label: 'x', files: [`${binary}-missing`] })).rejects.toThrow(/ENOENT/)
    await expect(pinFiles({ label: 'x', files: [binary], absent: [pkg] })).rejects.toThrow(
      `${pkg} exists, but x was pinned expecting it absent`
    )
  })
})

describe('verifyPinned, describePinChange and pinProblem', () => {
  it('returns the first set’s difference, and says it in one sentence', async () => {
    const a = await pinned()
    const b = await pinned()
    await writeFile(b.binary, 'changed')
    expect(await verifyPinned([a.set])).toEqual({ kind: 'unchanged' })
    const check = await verifyPinned([a.set, b.set])
    expect(check).toEqual({ kind: 'changed', label: 'the tool', file: b.binary })
    expect(describePinChange(check as PinChange)).toBe(
      `${b.binary} (the tool) changed since it was installed`
    )
    expect(describePinChange({ kind: 'removed', label: 'codex', file: '/x' })).toBe(
      '/x (codex) was removed since it was installed'
    )
    expect(describePinChange({ kind: 'added', label: 'codex', file: '/y' })).toBe(
      '/y appeared since codex was installed'
    )
    expect(await pinProblem([a.set])).toBeNull()
    expect(await pinProblem([a.set, b.set])).toBe(`${b.binary} (the tool) changed since it was installed`)
  })
})
