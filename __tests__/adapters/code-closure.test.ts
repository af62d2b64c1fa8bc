// code-closure.ts on temporary node_modules and PATH layouts: what is pinned, and where a planted file would be found.
import { afterEach, describe, expect, it } from '@jest/globals'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { enclosingPackage, packageClosure, pathLookup } from '../../src/adapters/code-closure.js'
import { pinFiles } from '../../src/adapters/pinned-files.js'

const cleanups: string[] = []
afterEach(async () => {
  for (const dir of cleanups.splice(0)) await rm(dir, { recursive: true, force: true })
})

async function scratch(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sct-closure-'))
  cleanups.push(dir)
  return dir
}

async function pkg(dir: string, manifest: Record<string, unknown>): Promise<string> {
  await mkdir(path.join(dir, 'dist'), { recursive: true })
  await writeFile(path.join(dir, 'package.json'), JSON.stringify(manifest))
  await writeFile(path.join(dir, 'dist', 'index.js'), `// ${String(manifest.name)}\n`)
  return dir
}

/**
 * prefix/node_modules/@scope/server -> dep (hoisted), optional `missing` (not installed);
 * dep -> nested (installed below dep).
 */
async function layout() {
  const prefix = await scratch()
  const nm = path.join(prefix, 'node_modules')
  const server = await pkg(path.join(nm, '@scope', 'server'), {
    name: '@scope/server',
    dependencies: { dep: '1' },
    optionalDependencies: { missing: '1' }
  })
  const dep = await pkg(path.join(nm, 'dep'), { name: 'dep', dependencies: { nested: '1' } })
  const nested = await pkg(path.join(dep, 'node_modules', 'nested'), { name: 'nested' })
  return { prefix, nm, server, dep, nested }
}

describe('packageClosure', () => {
  it('holds the package and its dependencies as Node finds them, and the places searched first as absent', async () => {
    const { nm, server, dep, nested } = await layout()
    const closure = await packageClosure(server)
    expect(closure.trees).toEqual([server, dep, nested])
    // searched before the hoisted dep: the scope folder's node_modules (below the package itself is pinned by its tree)
    expect(closure.absent).toContain(path.join(nm, '@scope', 'node_modules', 'dep'))
    expect(closure.absent).not.toContain(path.join(server, 'node_modules', 'dep'))
    // an optional dependency that is not installed: absent wherever Node would look, the global folders included
    expect(closure.absent).toContain(path.join(nm, 'missing'))
    expect(closure.absent).toContain(path.join('/node_modules', 'missing'))
    expect(closure.absent).toContain(path.join(os.homedir(), '.node_modules', 'missing'))
  })

  it('once pinned, names a module planted where Node would look before the installed one', async () => {
    const { nm, server } = await layout()
    const set = await pinFiles({ label: 'the server', ...(await packageClosure(server)) })
    expect(await set.verify()).toEqual({ kind: 'unchanged' })
    const shadow = path.join(nm, '@scope', 'node_modules', 'dep')
    await pkg(shadow, { name: 'dep' })
    expect(await set.verify()).toEqual({ kind: 'added', label: 'the server', file: shadow })
  })

  it('once pinned, names a missing optional dependency that appears', async () => {
    const { nm, server } = await layout()
    const set = await pinFiles({ label: 'the server', ...(await packageClosure(server)) })
    await pkg(path.join(nm, 'missing'), { name: 'missing' })
    expect(await set.verify()).toEqual({ kind: 'added', label: 'the server', file: path.join(nm, 'missing') })
  })
})

describe('enclosingPackage', () => {
  it('skips a package.json without a name (one that only sets the module type)', async () => {
    const { server } = await layout()
    await mkdir(path.join(server, 'dist', 'cjs'), { recursive: true })
    await writeFile(path.join(server, 'dist', 'cjs', 'package.json'), '{"type":"commonjs"}')
    await writeFile(path.join(server, 'dist', 'cjs', 'index.cjs'), '')
    expect(await enclosingPackage(path.join(server, 'dist', 'cjs', 'index.cjs'))).toBe(server)
  })

  it('finds no package for a program that sits in a project of another name', async () => {
    const { server } = await layout()
    expect(await enclosingPackage(path.join(server, 'dist', 'index.js'), '@scope/server')).toBe(server)
    expect(await enclosingPackage(path.join(server, 'dist', 'index.js'), '@openai/codex')).toBeNull()
  })
})

describe('pathLookup', () => {
  it('pins the program found first on PATH, and the directories before it as absent or as files', async () => {
    const root = await scratch()
    const [first, second, third] = ['first', 'second', 'third'].map(d => path.join(root, d)) as [
      string,
      string,
      string
    ]
    for (const dir of [first, second, third]) await mkdir(dir)
    // not executable: skipped by the lookup, but made executable it would win
    await writeFile(path.join(first, 'git'), 'not a program')
    await writeFile(path.join(second, 'git'), '#!/bin/sh\n')
    await chmod(path.join(second, 'git'), 0o755)
    await writeFile(path.join(third, 'git'), '#!/bin/sh\n')
    await chmod(path.join(third, 'git'), 0o755)

    const lookup = await pathLookup(
      ['git', 'bwrap'],
      [first, 'relative/dir', second, third].join(path.delimiter)
    )
    expect(lookup.files).toEqual([path.join(first, 'git'), path.join(second, 'git')])
    expect(lookup.absent).toEqual([
      path.join(first, 'bwrap'),
      path.join(second, 'bwrap'),
      path.join(third, 'bwrap')
    ])

    const set = await pinFiles({ label: 'codex', ...lookup })
    await writeFile(path.join(first, 'bwrap'), '#!/bin/sh\n')
    expect(await set.verify()).toEqual({ kind: 'added', label: 'codex', file: path.join(first, 'bwrap') })
  })
})
