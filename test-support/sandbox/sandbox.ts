// The local sandbox: fake Sentry, fake GitHub and fake artifact service on 127.0.0.1, and the inputs/env that point
// the action at them. Everything closes itself (each fake has a lifetime) even if a caller forgets close().
import { startFakeSentry, FAKE_SENTRY_TOKEN, type FakeSentry, type SentryWorld } from './fake-sentry.js'
import { startFakeGitHub, type FakeGitHub, type GitHubWorld } from './fake-github.js'
import { runtimeEnv, startFakeArtifacts, type FakeArtifacts } from './fake-artifacts.js'
import path from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { createSampleCheckout, type SampleCheckout } from './sample-repo.js'
import { startFakeModel, type FakeModel, type ModelScript } from './fake-model.js'
import { sampleModel } from './agent-scripts.js'
import { ROOT } from '../action-process.js'
import { bundledBwrap } from '../jail.js'

const exec = promisify(execFile)

export const SANDBOX_GITHUB_TOKEN = 'ghs_sandboxWriteToken0123456789abcdefABCD'
/** A job token with contents: read (and pull-requests: read): what the fanned-out plan and work jobs get. */
export const SANDBOX_READ_TOKEN = 'ghs_sandboxReadOnlyToken0123456789abcdefXY'
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
  /** a bare repository whose branches the fake GitHub reports (pushes to it become visible) */
  bareRepo?: string
  /** more tokens the fake GitHub API accepts for writes (the git remote accepts only SANDBOX_GITHUB_TOKEN) */
  extraGithubTokens?: string[]
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
    tokens: {
      write: [SANDBOX_GITHUB_TOKEN, ...(options.extraGithubTokens ?? [])],
      read: [SANDBOX_READ_TOKEN]
    },
    latencyMs: options.latencyMs,
    bareRepo: options.bareRepo
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
    secrets: [FAKE_SENTRY_TOKEN, SANDBOX_GITHUB_TOKEN, SANDBOX_READ_TOKEN, SANDBOX_OPENAI_KEY],
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
  options: SandboxOptions & { model?: ModelScript; modelLatencyMs?: number; parent?: string } = {}
): Promise<AgentSandbox> {
  // A checkout as actions/checkout leaves it: a depth-1 clone over HTTP whose remote demands the job token, with the
  // token persisted in .git/config (the action must remove it before the agent runs, and push with its own).
  const checkout = await createSampleCheckout({
    remote: 'http',
    persistCredentials: 'extraheader',
    token: SANDBOX_GITHUB_TOKEN,
    readTokens: [SANDBOX_READ_TOKEN],
    parent: options.parent
  })
  // The world's other branches (fixes in flight) exist on the remote too; the fake GitHub reads refs from it.
  const branches =
    worlds.github.branches instanceof Map
      ? [...worlds.github.branches.keys()]
      : Object.keys(worlds.github.branches)
  for (const branch of branches.filter(b => b !== 'main')) {
    await exec('git', ['update-ref', `refs/heads/${branch}`, checkout.baseSha], { cwd: checkout.bare })
  }
  const base = await startSandbox(worlds, { ...options, bareRepo: checkout.bare })
  const model = await startFakeModel(options.model ?? sampleModel(), { latencyMs: options.modelLatencyMs })
  return {
    ...base,
    checkout,
    model,
    inputs: { ...base.inputs, 'openai-base-url': model.baseUrl, model: 'gpt-5.5' },
    env: {
      ...base.env,
      SENTRY_CODEX_TRIAGE_CODEX_PATH: path.join(ROOT, 'node_modules/@openai/codex/bin/codex.js'),
      // used only when the codex under test (a fake, in the fault suite) bundles no bubblewrap
      SENTRY_CODEX_TRIAGE_BWRAP_PATH: bundledBwrap(),
      SENTRY_CODEX_TRIAGE_MCP_ENTRY: path.join(ROOT, 'node_modules/@sentry/mcp-server/dist/index.js'),
      // The sandbox's git remote is on 127.0.0.1, not on GITHUB_SERVER_URL's host.
      SENTRY_CODEX_TRIAGE_PUSH_ANY_HOST: '1'
    },
    async close() {
      await Promise.all([base.close(), model.close()])
      await checkout.cleanup()
    }
  }
}

/** Branch name -> commit on the sandbox's bare remote. */
export async function remoteBranches(s: AgentSandbox): Promise<Record<string, string>> {
  const { stdout } = await exec(
    'git',
    ['for-each-ref', '--format=%(refname:lstrip=2) %(objectname)', 'refs/heads'],
    {
      cwd: s.checkout.bare
    }
  )
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(line => line.split(' ') as [string, string])
  )
}
