// runPipeline in-process against the local sandbox: settings from action.yml's defaults plus the triage scenario, and
// the real Sentry and GitHub adapters pointed at the fakes; the artifact sink records what it was asked to upload.
import { mkdtemp } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { PipelineDeps, RunIdentity } from '../src/pipeline.js'
import { parseSettings, type Settings } from '../src/settings/settings.js'
import { createSentryApi } from '../src/adapters/sentry-http.js'
import { createGitHubReader, createOctokit } from '../src/adapters/github-octokit.js'
import { createRunFiles } from '../src/adapters/run-files.js'
import type { ArtifactSink } from '../src/ports.js'
import { inputValues } from './action-inputs.js'
import type { Sandbox } from './sandbox/sandbox.js'
import { triageScenario } from './sandbox/world.js'
import { recordingLog } from './recording-log.js'

export const PIPELINE_IDENTITY: RunIdentity = {
  repository: 'acme/shop',
  runId: '1',
  runUrl: 'https://github.com/acme/shop/actions/runs/1',
  event: 'schedule'
}

export function sandboxSettings(s: Sandbox, extra: Record<string, string> = {}): Settings {
  const values = inputValues({ ...s.inputs, ...triageScenario().inputs, ...extra })
  const parsed = parseSettings(name => values[name] ?? '')
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'))
  return parsed.settings
}

export async function sandboxPipelineDeps(
  s: Sandbox,
  settings: Settings,
  overrides: Partial<PipelineDeps> = {}
) {
  const log = recordingLog()
  const uploads: { name: string; files: string[] }[] = []
  const artifacts: ArtifactSink = {
    async upload(name, files) {
      uploads.push({ name, files })
      return { ok: true, id: 1, size: 1 }
    }
  }
  const octokit = createOctokit({ token: settings.github.token, baseUrl: s.github.url, log, retries: 1 })
  const all: PipelineDeps = {
    sentry: createSentryApi({
      baseUrl: settings.sentry.baseUrl,
      org: settings.sentry.org,
      token: settings.sentry.token,
      log,
      sleep: async () => {}
    }),
    github: createGitHubReader(octokit, { owner: 'acme', repo: 'shop' }, log),
    artifacts,
    files: createRunFiles(await mkdtemp(path.join(os.tmpdir(), 'sct-pipe-'))),
    log,
    clock: { now: () => new Date() },
    ports: { mode: 'triage' },
    ...overrides
  }
  return { all, log, uploads }
}
