// The artifact ports over @actions/artifact (v2+ protocol: the Actions results service). The client reads its
// configuration from the environment at call time (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL, GITHUB_SERVER_URL,
// GITHUB_RETENTION_DAYS), never at construction, so one client per process is fine.
import {
  DefaultArtifactClient,
  GHESNotSupportedError,
  type ArtifactClient,
  type UploadArtifactResponse
} from '@actions/artifact'
import { redact } from '../domain/secrets.js'
import { oneLine } from '../domain/text.js'
import type { ArtifactSink, ArtifactSource, Log } from '../ports.js'
import { errorMessage } from '../util/errors.js'

const RUNTIME_ENV = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'] as const

export function createArtifactSink(
  log: Log,
  client: ArtifactClient = new DefaultArtifactClient()
): ArtifactSink {
  return {
    async upload(name, files, { rootDir, retentionDays }) {
      let response: UploadArtifactResponse
      try {
        response = await client.uploadArtifact(name, files, rootDir, { retentionDays })
      } catch (error) {
        const reason = uploadFailure(error, files)
        log.warning(`Artifact ${name} was not uploaded: ${reason}`)
        return { ok: false, reason }
      }
      if (response.id === undefined) {
        const reason = `the artifact service returned no artifact id${stillAt(files)}`
        log.warning(`Artifact ${name} was not uploaded: ${reason}`)
        return { ok: false, reason }
      }
      const size = response.size ?? 0
      log.info(`Uploaded artifact ${name} (id ${response.id}, ${size} bytes)`)
      return { ok: true, id: response.id, size }
    }
  }
}

/** Artifacts of the current workflow run (the job's runtime token scopes every call to its run). */
export function createArtifactSource(
  log: Log,
  client: ArtifactClient = new DefaultArtifactClient()
): ArtifactSource {
  async function latest(): Promise<{ id: number; name: string; digest: string | undefined }[]> {
    try {
      const { artifacts } = await client.listArtifacts({ latest: true })
      return artifacts.map(a => ({ id: a.id, name: a.name, digest: a.digest }))
    } catch (error) {
      throw new Error(`could not list the artifacts of this workflow run: ${failure(error)}`, {
        cause: error
      })
    }
  }
  return {
    async list() {
      return (await latest()).map(({ id, name }) => ({ id, name }))
    },
    async download(name, destDir) {
      const artifacts = await latest()
      const found = artifacts.find(a => a.name === name)
      if (!found) {
        const present = artifacts.map(a => a.name).join(', ') || 'none'
        throw new Error(
          `artifact ${name} is not in this workflow run (artifacts present: ${oneLine(present, 300)})`
        )
      }
      let result: { downloadPath?: string; digestMismatch?: boolean }
      try {
        // With the digest recorded at upload, the client hashes what it receives and reports a mismatch.
        result = await client.downloadArtifact(found.id, { path: destDir, expectedHash: found.digest })
      } catch (error) {
        throw new Error(`could not download artifact ${name}: ${failure(error)}`, { cause: error })
      }
      if (result.digestMismatch) {
        throw new Error(
          `artifact ${name} was corrupted in transit: its SHA-256 differs from the one recorded at upload`
        )
      }
      const dir = result.downloadPath ?? destDir
      log.info(`Downloaded artifact ${name} (id ${found.id}) to ${dir}`)
      return dir
    }
  }
}

function uploadFailure(error: unknown, files: string[]): string {
  if (isGhes(error)) {
    return `artifact upload is not supported on GitHub Enterprise Server by @actions/artifact v2+${stillAt(files)}`
  }
  const missing = missingRuntimeEnv()
  if (missing.length > 0) {
    return `not running in GitHub Actions (${missing.join(' and ')} not set), so no artifact was uploaded${stillAt(files)}`
  }
  return `artifact upload failed: ${failure(error)}${stillAt(files)}`
}

function failure(error: unknown): string {
  if (isGhes(error)) return 'artifacts of @actions/artifact v2+ are not supported on GitHub Enterprise Server'
  const missing = missingRuntimeEnv()
  if (missing.length > 0) return `not running in GitHub Actions (${missing.join(' and ')} not set)`
  return oneLine(withoutSecrets(errorMessage(error)), 400)
}

function isGhes(error: unknown): boolean {
  return (
    error instanceof GHESNotSupportedError ||
    (error instanceof Error && error.name === 'GHESNotSupportedError')
  )
}

function missingRuntimeEnv(): string[] {
  return RUNTIME_ENV.filter(name => !process.env[name])
}

/** Where the caller can still find what was not uploaded ('; the summary file is still at /x/triage-summary.json'). */
function stillAt(files: string[]): string {
  if (files.length === 0) return ''
  return files.length === 1
    ? `; the summary file is still at ${files[0]}`
    : `; the files are still at ${files.join(', ')}`
}

/** Error texts may quote a signed blob URL or, in theory, the runtime token: neither reaches a log (domain/secrets.ts). */
const withoutSecrets = (message: string): string => redact(message, [process.env.ACTIONS_RUNTIME_TOKEN ?? ''])
