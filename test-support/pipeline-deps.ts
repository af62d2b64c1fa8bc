// runPipeline in-process with no network: settings from action.yml's defaults plus the triage scenario, Sentry and
// GitHub as the in-memory ports over the sandbox's worlds (memory-sentry.ts, memory-github.ts), and an artifact sink
// that records what it was asked to upload. The HTTP adapters have their own tests against the HTTP fakes.
import { mkdtemp } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { PipelineDeps, RunIdentity } from '../src/pipeline.js'
import { parseSettings, type Settings } from '../src/settings/settings.js'
import { createRunFiles } from '../src/adapters/run-files.js'
import type { ArtifactSink } from '../src/ports.js'
import { inputValues } from './action-inputs.js'
import { memorySentry } from './memory-sentry.js'
import { memoryGitHub } from './memory-github.js'
import { recordingLog } from './recording-log.js'
import { FAKE_SENTRY_TOKEN, type SentryWorld } from './sandbox/fake-sentry.js'
import type { GitHubWorld } from './sandbox/fake-github.js'
import { triageScenario } from './sandbox/world.js'

export const PIPELINE_IDENTITY: RunIdentity = {
  repository: 'acme/shop',
  runId: '1',
  runUrl: 'https://github.com/acme/shop/actions/runs/1',
  event: 'schedule'
}

/** The tokens a run is given; sentry-host stays action.yml's default, which the in-memory ports never contact. */
const CONNECTION_INPUTS = {
  'sentry-token': FAKE_SENTRY_TOKEN,
  'github-token': 'ghs_pipelineTestToken0123456789abcdefABCD'
}

export function pipelineSettings(extra: Record<string, string> = {}): Settings {
  const values = inputValues({ ...CONNECTION_INPUTS, ...triageScenario().inputs, ...extra })
  const parsed = parseSettings(name => values[name] ?? '')
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'))
  return parsed.settings
}

export async function pipelineDeps(
  worlds: { sentry: SentryWorld; github: GitHubWorld },
  settings: Settings,
  overrides: Partial<PipelineDeps> = {},
  options: { sentryPageSize?: number } = {}
) {
  const log = recordingLog()
  const uploads: { name: string; files: string[] }[] = []
  const artifacts: ArtifactSink = {
    async upload(name, files) {
      uploads.push({ name, files })
      return { ok: true, id: 1, size: 1 }
    }
  }
  const sentry = memorySentry(worlds.sentry, {
    org: settings.sentry.org,
    baseUrl: settings.sentry.baseUrl,
    pageSize: options.sentryPageSize
  })
  const github = memoryGitHub(worlds.github)
  const all: PipelineDeps = {
    sentry,
    github,
    artifacts,
    files: createRunFiles(await mkdtemp(path.join(os.tmpdir(), 'sct-pipe-'))),
    log,
    clock: { now: () => new Date() },
    ports: { mode: 'triage' },
    ...overrides
  }
  return { all, log, uploads, sentry, github }
}
