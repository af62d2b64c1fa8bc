// The fanned-out stages' hand-offs over the run's artifacts: what plan and work upload, work and land download.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { ArtifactFiles, ArtifactSink, ArtifactSource, Handoffs } from '../ports.js'

export function createHandoffs(options: {
  sink: ArtifactSink
  source: ArtifactSource
  /** the run folder the uploaded files are in */
  runDir: string
  /** where downloads go: one sub-folder per artifact, outside the run folder so they are not uploaded again */
  downloadDir: string
  retentionDays: number
}): Handoffs {
  const { sink, source, runDir, downloadDir, retentionDays } = options
  return {
    async publish(name, files) {
      const uploaded = await sink.upload(
        name,
        files.map(file => path.join(runDir, file)),
        { rootDir: runDir, retentionDays }
      )
      if (!uploaded.ok) throw new Error(`artifact ${name} was not uploaded: ${uploaded.reason}`)
    },
    async names() {
      return (await source.list()).map(a => a.name)
    },
    async fetch(name) {
      const dir = await source.download(name, path.join(downloadDir, name))
      return filesIn(dir)
    }
  }
}

function filesIn(dir: string): ArtifactFiles {
  return {
    async readText(file) {
      const full = path.join(dir, file)
      // an artifact's own paths never leave its folder
      if (path.relative(dir, full).startsWith('..')) return null
      try {
        return await readFile(full, 'utf8')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
        throw error
      }
    }
  }
}
