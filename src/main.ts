// Composition root: reads the settings, wires the real adapters, runs the pipeline, publishes outputs.
import path from 'node:path'
import * as core from '@actions/core'
import { formatSettingsErrors, readSettings, type Settings } from './settings.js'
import { readRunContext, type RunContext } from './run-context.js'
import { IMPLEMENTED_MODES, runPipeline, type RunReport } from './pipeline.js'
import { createSentryApi } from './adapters/sentry-http.js'
import { createGitHubReader, createOctokit } from './adapters/github-octokit.js'
import { createArtifactSink } from './adapters/artifact-upload.js'
import { createActionsLog } from './adapters/actions-log.js'
import { createRunFiles } from './adapters/run-files.js'
import { renderJobSummary } from './domain/report-markdown.js'
import { errorMessage } from './util/errors.js'

export const USER_AGENT = 'sentry-codex-triage'

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const parsed = readSettings(core)
    if (!parsed.ok) {
      core.setFailed(formatSettingsErrors(parsed.errors))
      return
    }
    for (const warning of parsed.warnings) core.warning(warning)
    const settings = parsed.settings
    if (!IMPLEMENTED_MODES.includes(settings.mode)) {
      core.setFailed(
        `Input 'mode' is '${settings.mode}', which this version of sentry-codex-triage does not run yet. ` +
          `Use mode: ${IMPLEMENTED_MODES.join(' or ')}.`
      )
      return
    }
    const context = readRunContext(env)
    const report = await runWired(settings, context)
    publishOutputs(report)
    await writeJobSummary(report)
    if (report.failure) core.setFailed(report.failure)
  } catch (error) {
    core.setFailed(errorMessage(error))
  }
}

async function runWired(settings: Settings, context: RunContext): Promise<RunReport> {
  const log = createActionsLog()
  const { owner, repo } = context.repository
  const octokit = createOctokit({
    token: settings.github.token,
    baseUrl: context.apiUrl,
    log,
    userAgent: USER_AGENT
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
        log
      }),
      github: createGitHubReader(octokit, { owner, repo }, log),
      artifacts: createArtifactSink(log),
      files: createRunFiles(path.join(context.runnerTemp, 'sentry-codex-triage')),
      log,
      clock: { now: () => new Date() }
    }
  )
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
}

async function writeJobSummary(report: RunReport): Promise<void> {
  try {
    await core.summary.addRaw(renderJobSummary(report.summary)).write()
  } catch (error) {
    core.warning(`Could not write the job summary: ${errorMessage(error)}`)
  }
}
