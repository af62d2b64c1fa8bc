// dist/ and schemas/ are committed; these tests fail when either is stale against the source.
import { describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, '../..')

async function inTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sct-gen-'))
  try {
    return await fn(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

describe('generated files', () => {
  it('dist/index.js is the bundle of the current source (run npm run bundle)', async () => {
    await inTemp(async dir => {
      await run(process.execPath, ['scripts/bundle.mjs', dir], { cwd: root })
      const fresh = await readFile(path.join(dir, 'index.js'), 'utf8')
      const committed = await readFile(path.join(root, 'dist/index.js'), 'utf8')
      expect(committed === fresh).toBe(true)
    })
  })

  it('schemas/*.json are generated from src/schemas.ts (run npm run bundle)', async () => {
    await inTemp(async dir => {
      await run(path.join(root, 'node_modules/.bin/tsx'), ['scripts/write-schemas.ts', dir], { cwd: root })
      const names = (await readdir(dir)).sort()
      expect((await readdir(path.join(root, 'schemas'))).sort()).toEqual(names)
      for (const name of names) {
        const fresh = await readFile(path.join(dir, name), 'utf8')
        expect([name, await readFile(path.join(root, 'schemas', name), 'utf8')]).toEqual([name, fresh])
      }
    })
  })
})
