// Composition root: reads the settings, wires the real adapters, runs the pipeline, publishes outputs.
import os from 'node:os'
import path from 'node:path'
import * as core from '@actions/core'
import { formatSettingsErrors, readSettings, type Settings } from './settings/settings.js'
import { readGitHubContext, readRunContext, type RunContext } from './run-context.js'
import { runPipeline, type RunReport } from './pipeline.js'
import { wirePorts } from './mode-ports.js'
import { createSentryApi } from './adapters/sentry-http.js'
import { createGitHubReader, createOctokit } from './adapters/github-octokit.js'
import { createArtifactSink, createArtifactSource } from './adapters/artifact-upload.js'
import { createHandoffs } from './adapters/handoff-artifacts.js'
import { createActionsLog } from './adapters/actions-log.js'
import { createRunFiles } from './adapters/run-files.js'
import { createCodexAgent } from './adapters/codex-agent.js'
import { installCodex, installSentryMcp } from './adapters/codex-install.js'
import { checkCodexSandbox } from './adapters/codex-sandbox-check.js'
import { pinFiles, pinProblem, type PinnedFiles } from './adapters/pinned-files.js'
import { createGitRepo } from './adapters/git-cli.js'
import { readCheckoutTokens } from './adapters/git-credentials.js'
import { createGitLander } from './adapters/git-land.js'
import { tokenForms } from './adapters/git-push-auth.js'
import { createGitHubWriter } from './adapters/github-writer.js'
import { createGitHubLedger } from './adapters/github-ledger.js'
import { createTestRunner } from './adapters/test-runner.js'
import { createJail, type Jail } from './adapters/jail.js'
import { createGitStateGuard } from './adapters/git-state-guard.js'
import type { Agent, Log, TestRunner } from './ports.js'
import { renderJobSummary } from './domain/report-markdown.js'
import { historyOutputs } from './domain/report-ledger.js'
import { checkPlatform } from './domain/platform.js'
import { errorMessage } from './util/errors.js'

export const USER_AGENT = 'sentry-codex-triage'
/** Test hook (docs/faults.md): the Sentry adapter's per-request time limit in ms instead of its 30 s default. */
export const SENTRY_TIMEOUT_ENV = 'SENTRY_CODEX_TRIAGE_SENTRY_TIMEOUT_MS'

function sentryTimeoutMs(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[SENTRY_TIMEOUT_ENV]
  return raw && /^[1-9]\d*$/.test(raw) ? Number(raw) : undefined
}

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const parsed = readSettings(core)
    if (!parsed.ok) {
      core.setFailed(formatSettingsErrors(parsed.errors))
      return
    }
    for (const warning of parsed.warnings) core.warning(warning)
    const settings = parsed.settings
    // Refused like an invalid input, before anything runs (no model request, no codex install): no outputs and no
    // job summary, which describe a run, and none began; the step's error says where the mode runs instead.
    const platform = checkPlatform({
      mode: settings.mode,
      platform: process.platform,
      arch: process.arch,
      runnerOs: env.RUNNER_OS,
      runnerArch: env.RUNNER_ARCH
    })
    if (platform.kind === 'unsupported') {
      core.setFailed(platform.message)
      return
    }
    const context = readRunContext(readGitHubContext(), env)
    const report = await runWired(settings, context)
    publishOutputs(report)
    await writeJobSummary(report, settings)
    if (report.failure) core.setFailed(report.failure)
  } catch (error) {
    core.setFailed(errorMessage(error))
  }
}

async function runWired(settings: Settings, context: RunContext): Promise<RunReport> {
  const log = createActionsLog()
  const { owner, repo } = context.repository
  const runDir = path.join(context.runnerTemp, 'sentry-codex-triage')
  const octokit = createOctokit({
    token: settings.github.token,
    baseUrl: context.apiUrl,
    log,
    userAgent: USER_AGENT
  })
  // The token of every actions/checkout credential persisted in RUNNER_TEMP (a second checkout step's need not be
  // github-token) is masked, and looked for by the policy's secret scan and the redaction, like the action's own.
  const checkoutTokens = await readCheckoutTokens(context.runnerTemp)
  // The push credential's derived forms (base64 in the extraheader) are secrets too.
  for (const token of [settings.github.token, ...checkoutTokens]) {
    for (const form of tokenForms(token)) core.setSecret(form)
  }
  const secrets = [
    settings.github.token,
    settings.sentry.token,
    settings.agent.openaiApiKey,
    ...checkoutTokens
  ].filter((v): v is string => !!v)
  // The checkout's shared git state and HOME's git files, recorded before the first agent run and checked before every
  // later git command: code from a fix is trusted to have left nothing behind only as far as this check goes.
  const guard = createGitStateGuard({ home: os.homedir(), xdgConfigHome: process.env.XDG_CONFIG_HOME })
  const artifacts = createArtifactSink(log)
  // Every program set pinned at the agent's install, checked once more when the run ends (none without the agent).
  let pinned: PinnedFiles[] = []
  let agentSetup: Promise<{ agent: Agent; tests: TestRunner }> | undefined
  const agentParts = () =>
    (agentSetup ??= wireAgent(settings, runDir, log).then(
      parts => {
        pinned = parts.pinned
        return { agent: parts.agent, tests: createTestRunner({ env: process.env, log, jail: parts.jail }) }
      },
      error => {
        // Without an agent every candidate ends agent-failed with this reason; the summary is still written.
        const reason = `the agent could not be set up: ${errorMessage(error)}`
        log.warning(reason)
        return { agent: unavailableAgent(reason), tests: unavailableTests(reason) }
      }
    ))
  // The mode's own collaborators, as its row of the mode table (domain/modes.ts) names them.
  const ports = await wirePorts(settings.mode, {
    // the fan-out's hand-offs through the run's artifacts; downloads stay outside the run folder (not re-uploaded)
    handoffs: () =>
      createHandoffs({
        sink: artifacts,
        source: createArtifactSource(log),
        runDir,
        downloadDir: path.join(context.runnerTemp, 'sentry-codex-triage-handoffs'),
        retentionDays: settings.artifact.retentionDays
      }),
    writer: () => createGitHubWriter(octokit, { owner, repo }, log),
    lander: () =>
      createGitLander({
        dir: context.workspace,
        worktreesDir: path.join(runDir, 'land'),
        token: settings.github.token,
        author: settings.pr.author,
        log,
        serverUrl: process.env.SENTRY_CODEX_TRIAGE_PUSH_ANY_HOST ? undefined : context.serverUrl,
        guard
      }),
    // the checkout: the agent's worktrees, and the base text of a package.json the policy compares
    repo: () =>
      createGitRepo({
        dir: context.workspace,
        worktreesDir: path.join(runDir, 'worktrees'),
        runnerTemp: context.runnerTemp,
        log,
        guard
      }),
    agent: async () => (await agentParts()).agent,
    tests: async () => (await agentParts()).tests
  })
  return runPipeline(
    settings,
    {
      repository: `${owner}/${repo}`,
      runId: context.runId,
      runUrl: `${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId}`,
      event: context.eventName
    },
    {
      sentry: createSentryApi({
        baseUrl: settings.sentry.baseUrl,
        org: settings.sentry.org,
        token: settings.sentry.token,
        log,
        requestTimeoutMs: sentryTimeoutMs(process.env)
      }),
      github: createGitHubReader(octokit, { owner, repo }, log),
      // used only in the modes that report the ledger (domain/modes.ts reportsLedger)
      ledger: createGitHubLedger(
        createOctokit({
          token: settings.github.token,
          baseUrl: context.apiUrl,
          log,
          userAgent: USER_AGENT,
          readOnly: true
        }),
        { owner, repo },
        log
      ),
      artifacts,
      ports,
      actionSha: actionSha(process.env),
      files: createRunFiles(runDir),
      log,
      clock: { now: () => new Date() },
      secrets,
      integrity: {
        // the git state, then the programs the action installed: a change to either means code from a fix got out
        compromised: async () => guard.compromised() ?? (await pinProblem(pinned))
      }
    }
  )
}

/**
 * Test hook (docs/faults.md): the bubblewrap to jail the test command with when the codex under test (a fake one,
 * through the codex-path hook) bundles none. Pinned like the bundled one.
 */
export const BWRAP_PATH_ENV = 'SENTRY_CODEX_TRIAGE_BWRAP_PATH'

async function hookedBwrap(env: NodeJS.ProcessEnv): Promise<{ path: string; pinned: PinnedFiles } | null> {
  const file = env[BWRAP_PATH_ENV]
  if (!file) return null
  return { path: file, pinned: await pinFiles({ label: 'bubblewrap (test hook)', files: [file] }) }
}

function unavailableTests(reason: string): TestRunner {
  return {
    run: async () => ({ passed: false, exitCode: null, timedOut: false, logTail: reason, durationMs: 0 })
  }
}

/** The action's own commit, when the workflow pinned it by SHA (`uses: owner/repo@<sha>`); null for a tag or branch. */
function actionSha(env: NodeJS.ProcessEnv): string | null {
  const ref = env.GITHUB_ACTION_REF ?? ''
  return /^[0-9a-f]{40}$/.test(ref) ? ref : null
}

function unavailableAgent(reason: string): Agent {
  return {
    run: async () => ({
      kind: 'failed',
      reason,
      usage: { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, model_requests: 0 },
      audit: []
    })
  }
}

/**
 * The agent, for the modes that run codex. Installs (or finds cached) codex and the MCP server, and records the digests
 * of everything a codex start runs (the node that runs the launcher and the MCP server too), checked before each start.
 */
/** What the agent modes run code with: the agent, and the jail of the test command (its bubblewrap is codex's). */
interface AgentParts {
  agent: Agent
  jail: Jail
  /** every program set pinned at install, checked once more when the run ends */
  pinned: PinnedFiles[]
}

async function wireAgent(settings: Settings, runDir: string, log: Log): Promise<AgentParts> {
  return log.group('Set up the agent', async () => {
    const codex = await installCodex({ version: settings.agent.codexVersion, log })
    const bwrap = codex.bwrap ?? (await hookedBwrap(process.env))
    if (!bwrap) {
      throw new Error(
        `the installed codex ${settings.agent.codexVersion} has no bundled bubblewrap (codex-resources/bwrap), which ` +
          `the action needs to jail the test command: use a Linux x64 or arm64 runner and a codex-version that bundles it`
      )
    }
    const jail = createJail({ bwrap: bwrap.path, verify: () => pinProblem([bwrap.pinned]) })
    const mcp = await installSentryMcp({ log })
    const node = await pinFiles({ label: 'node', files: [process.execPath] })
    const sandboxProblem = await checkCodexSandbox({
      codexPath: codex.path,
      env: process.env,
      scratchDir: path.join(runDir, 'sandbox-check')
    })
    if (sandboxProblem) throw new Error(sandboxProblem)
    const agent = createCodexAgent({
      codexPath: codex.path,
      pinned: [codex.pinned, mcp.pinned, node],
      // Under RUNNER_TEMP, not /tmp: the sandbox lets the agent write /tmp, and CODEX_HOME must stay out of its reach.
      codexHome: path.join(runDir, 'codex-home'),
      config: {
        model: settings.agent.model,
        reasoningEffort: settings.agent.reasoningEffort,
        openaiBaseUrl: settings.agent.openaiBaseUrl,
        modelRetries: null,
        sentry: {
          host: settings.sentry.host,
          insecureHttp: settings.sentry.insecureHttp,
          org: settings.sentry.org,
          projects: settings.sentry.projects
        },
        mcp: { nodePath: process.execPath, entry: mcp.entry },
        extraCaCerts: process.env.NODE_EXTRA_CA_CERTS ?? null
      },
      secrets: { modelKey: settings.agent.openaiApiKey ?? '', sentryToken: settings.sentry.token },
      env: process.env,
      log,
      extraArgs: settings.agent.codexArgs
    })
    return { agent, jail, pinned: [codex.pinned, mcp.pinned, node, bwrap.pinned] }
  })
}

function publishOutputs(report: RunReport): void {
  const { summary } = report
  const pullRequests = summary.issues.flatMap(i =>
    i.pull_request ? [{ issue: i.short_id, number: i.pull_request.number, url: i.pull_request.url }] : []
  )
  core.setOutput('summary-file', report.summaryFile ?? '')
  core.setOutput('pull-requests', JSON.stringify(pullRequests))
  core.setOutput('opened', summary.totals.prs_opened)
  core.setOutput('skipped', summary.totals.skipped)
  core.setOutput('failed', summary.totals.failed)
  core.setOutput('input-tokens', summary.usage.input_tokens)
  core.setOutput('output-tokens', summary.usage.output_tokens)
  core.setOutput('cost-usd', summary.usage.cost_usd ?? '')
  for (const [name, value] of Object.entries(historyOutputs(summary.history))) core.setOutput(name, value)
  if (report.matrix) {
    core.setOutput('matrix', JSON.stringify(report.matrix))
    core.setOutput('base-sha', report.plan?.base.sha ?? '')
  }
}

async function writeJobSummary(report: RunReport, settings: Settings): Promise<void> {
  try {
    const page = renderJobSummary(report.summary, { minQuality: settings.selection.minQuality })
    await core.summary.addRaw(page).write()
  } catch (error) {
    core.warning(`Could not write the job summary: ${errorMessage(error)}`)
  }
}
