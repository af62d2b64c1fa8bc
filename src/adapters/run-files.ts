import { mkdir, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { RunFiles } from '../ports.js'

/** The run's folder (created on first write), e.g. $RUNNER_TEMP/sentry-codex-triage. */
export function createRunFiles(dir: string): RunFiles {
  async function write(name: string, text: string): Promise<string> {
    const file = path.join(dir, name)
    if (path.relative(dir, file).startsWith('..'))
      throw new Error(`refusing to write outside ${dir}: ${name}`)
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, text)
    return file
  }
  return {
    dir,
    writeJson: (name, data) => write(name, JSON.stringify(data, null, 2) + '\n'),
    writeText: write,
    async list() {
      const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
      return entries
        .filter(e => e.isFile())
        .map(e => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
        .sort()
    }
  }
}
