// The local sandbox: fake Sentry, fake GitHub and fake artifact service on 127.0.0.1, and the inputs/env that point
// the action at them. Everything closes itself (each fake has a lifetime) even if a caller forgets close().
import { startFakeSentry, FAKE_SENTRY_TOKEN, type FakeSentry, type SentryWorld } from './fake-sentry.js'
import { startFakeGitHub, type FakeGitHub, type GitHubWorld } from './fake-github.js'
import { runtimeEnv, startFakeArtifacts, type FakeArtifacts } from './fake-artifacts.js'
import path from 'node:path'
import { createSampleCheckout, type SampleCheckout } from './sample-repo.js'
import { startFakeModel, type FakeModel, type ModelScript } from './fake-model.js'
import { sampleModel } from './agent-scripts.js'
import { ROOT } from './action-process.js'

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

// ---- the agent sandbox: the above plus a checkout of the sample repository, a fake model, and the real codex and
// ---- Sentry MCP server from node_modules (the action's install hooks point at them).

export interface AgentSandbox extends Sandbox {
  checkout: SampleCheckout
  model: FakeModel
}

export async function startAgentSandbox(
  worlds: { sentry: SentryWorld; github: GitHubWorld },
  options: SandboxOptions & { model?: ModelScript; modelLatencyMs?: number } = {}
): Promise<AgentSandbox> {
  // actions/checkout leaves the job token in .git/config: the action must remove it before the agent runs.
  const checkout = await createSampleCheckout({
    persistCredentials: 'extraheader',
    token: SANDBOX_GITHUB_TOKEN
  })
  const github = { ...worlds.github, branches: { ...worlds.github.branches, main: checkout.baseSha } }
  const base = await startSandbox({ sentry: worlds.sentry, github }, options)
  const model = await startFakeModel(options.model ?? sampleModel(), { latencyMs: options.modelLatencyMs })
  return {
    ...base,
    checkout,
    model,
    inputs: { ...base.inputs, 'openai-base-url': model.baseUrl, model: 'gpt-5.5' },
    env: {
      ...base.env,
      SENTRY_CODEX_TRIAGE_CODEX_PATH: path.join(ROOT, 'node_modules/@openai/codex/bin/codex.js'),
      SENTRY_CODEX_TRIAGE_MCP_ENTRY: path.join(ROOT, 'node_modules/@sentry/mcp-server/dist/index.js')
    },
    async close() {
      await Promise.all([base.close(), model.close()])
      await checkout.cleanup()
    }
  }
}
