import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { RunFiles } from '../ports.js'

/** The run's folder (created on first write), e.g. $RUNNER_TEMP/sentry-codex-triage. */
export function createRunFiles(dir: string): RunFiles {
  return {
    dir,
    async writeJson(name, data) {
      await mkdir(dir, { recursive: true })
      const file = path.join(dir, name)
      await writeFile(file, JSON.stringify(data, null, 2) + '\n')
      return file
    }
  }
}
