// Stage 2, work (one issue): worktree from the planned base, the agent's run, the diff the action measures.
// Holds no write credential of any kind: the worktree has none in its config and the agent's shell has none.
import type { Agent, Clock, Log, Repo, RunFiles, SentryApi, WorktreeDiff } from '../ports.js'
import type { IssueSummary, Plan, PlanIssue, SentryFixResult, TokenUsage } from '../schemas.js'
import type { Settings } from '../settings.js'
import type { CandidateOutcome } from '../domain/summary.js'
import { ZERO_USAGE } from '../domain/summary.js'
import { judgeAgentRun } from '../domain/judge.js'
import { buildPrompt, extractDigest } from '../domain/prompt.js'
import { oneLine } from '../domain/text.js'
import { errorMessage } from '../util/errors.js'

export interface WorkDeps {
  sentry: Pick<SentryApi, 'issueEvidence'>
  agent: Agent
  repo: Repo
  files: RunFiles
  log: Log
  clock: Clock
}

/** What the work stage hands to land (and, fanned out, writes as work-<SHORTID>/result.json). */
export interface WorkResult {
  shortId: string
  outcome: CandidateOutcome
  /** the agent's validated answer, when it gave one */
  result: SentryFixResult | null
  /** the change, when the agent made one that is worth landing */
  diff: WorktreeDiff | null
}

export function workDir(shortId: string): string {
  return `work-${shortId}`
}

export async function workIssue(
  planned: PlanIssue,
  plan: Pick<Plan, 'base' | 'analyze'>,
  settings: Settings,
  deps: WorkDeps
): Promise<WorkResult> {
  const shortId = planned.facts.short_id
  const started = deps.clock.now().getTime()
  const seconds = () => Math.round((deps.clock.now().getTime() - started) / 100) / 10
  let usage: TokenUsage = ZERO_USAGE
  const fail = (reason: string): WorkResult => ({
    shortId,
    outcome: { disposition: 'agent-failed', reason, usage, duration_s: seconds() },
    result: null,
    diff: null
  })
  try {
    const evidence = await deps.sentry.issueEvidence(planned.facts.id)
    const seer = settings.agent.seer && plan.analyze.includes(shortId)
    const prompt = buildPrompt({
      issue: planned.facts,
      digest: extractDigest(evidence.issue, evidence.latestEvent),
      seer,
      testCommand: settings.agent.testCommand,
      instructions: settings.agent.instructions
    })
    await using worktree = await deps.repo.addWorktree(plan.base.sha, shortId)
    const outDir = `${deps.files.dir}/${workDir(shortId)}`
    const run = await deps.agent.run({
      shortId,
      worktree: worktree.path,
      prompt,
      seer,
      timeoutMs: settings.agent.issueTimeoutMinutes * 60_000,
      outDir
    })
    usage = { ...run.usage }
    const diff = run.kind === 'completed' ? await deps.repo.diff(worktree) : null
    const verdict = judgeAgentRun(run, diff)
    deps.log.info(`${shortId}: ${verdict.kind}${'reason' in verdict ? ` — ${verdict.reason}` : ''}`)
    if (verdict.kind === 'agent-failed') return fail(verdict.reason)
    const claimed = claimedFields(verdict.result)
    if (verdict.kind === 'no-fix') {
      return {
        shortId,
        outcome: { disposition: 'no-fix', reason: verdict.reason, ...claimed, usage, duration_s: seconds() },
        result: verdict.result,
        diff: null
      }
    }
    await deps.files.writeText(`${workDir(shortId)}/fix.patch`, diff!.patch)
    return {
      shortId,
      outcome: {
        disposition: 'dry-run',
        reason: `fix ready: ${oneLine(verdict.result.summary, 100)} (${diff!.files.length} file(s)); dry-run pushes nothing`,
        ...claimed,
        files_changed: diff!.files.map(f => f.path),
        usage,
        duration_s: seconds()
      },
      result: verdict.result,
      diff
    }
  } catch (error) {
    deps.log.warning(`${shortId}: ${errorMessage(error)}`)
    return fail(errorMessage(error))
  }
}

/** What the agent said about itself, recorded as a claim next to what the action measured. */
function claimedFields(
  result: SentryFixResult | null
): Pick<IssueSummary, 'root_cause' | 'confidence' | 'agent_claimed_tests_passed'> {
  if (!result) return {}
  return {
    root_cause: oneLine(result.root_cause, 1000),
    confidence: result.confidence,
    agent_claimed_tests_passed: result.tests_passed
  }
}
