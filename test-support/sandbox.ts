// The local sandbox: fake Sentry, fake GitHub and fake artifact service on 127.0.0.1, and the inputs/env that point
// the action at them. Everything closes itself (each fake has a lifetime) even if a caller forgets close().
import { startFakeSentry, FAKE_SENTRY_TOKEN, type FakeSentry, type SentryWorld } from './fake-sentry.js'
import { startFakeGitHub, type FakeGitHub, type GitHubWorld } from './fake-github.js'
import { runtimeEnv, startFakeArtifacts, type FakeArtifacts } from './fake-artifacts.js'

export const SANDBOX_GITHUB_TOKEN = 'ghs_sandboxWriteToken0123456789abcdefABCD'
export const SANDBOX_OPENAI_KEY = 'sk-sandbox-model-key-0123456789abcdef'

export interface Sandbox {
  sentry: FakeSentry
  github: FakeGitHub
  artifacts: FakeArtifacts
  /** connection inputs for the action */
  inputs: Record<string, string>
  /** runner environment for the action (API URL, artifact runtime) */
  env: Record<string, string>
  /** every secret value the action was given, for leak scans */
  secrets: string[]
  close(): Promise<void>
}

export interface SandboxOptions {
  sentryPageSize?: number
  latencyMs?: number
}

export async function startSandbox(
  worlds: { sentry: SentryWorld; github: GitHubWorld },
  options: SandboxOptions = {}
): Promise<Sandbox> {
  const sentry = await startFakeSentry(worlds.sentry, {
    pageSize: options.sentryPageSize,
    latencyMs: options.latencyMs
  })
  const github = await startFakeGitHub(worlds.github, {
    tokens: { write: [SANDBOX_GITHUB_TOKEN] },
    latencyMs: options.latencyMs
  })
  const artifacts = await startFakeArtifacts({ latencyMs: options.latencyMs })
  return {
    sentry,
    github,
    artifacts,
    inputs: {
      'sentry-token': FAKE_SENTRY_TOKEN,
      'sentry-host': sentry.url,
      'github-token': SANDBOX_GITHUB_TOKEN,
      'openai-api-key': SANDBOX_OPENAI_KEY
    },
    env: { GITHUB_API_URL: github.url, ...runtimeEnv(artifacts) },
    secrets: [FAKE_SENTRY_TOKEN, SANDBOX_GITHUB_TOKEN, SANDBOX_OPENAI_KEY],
    async close() {
      await Promise.all([sentry.close(), github.close(), artifacts.close()])
    }
  }
}
