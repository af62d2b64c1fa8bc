// Stage 2, work (one issue): worktree from the planned base, the agent's run, the policy gate, the action's own test
// run with further attempts, and the measured diff. Holds no write credential of any kind: the worktree has none in
// its config, the agent's shell has none, and the test command runs with a scrubbed environment.
import type { Agent, AgentOutcome, Clock, Log, Repo, RunFiles, SentryApi, TestRunner } from '../ports.js'
import type { SentryFixResult } from '../schemas/agent-result.js'
import type { Plan, PlanIssue } from '../schemas/handoff.js'
import type { IssueSummary, MeasuredTests, TokenUsage } from '../schemas/summary.js'
import type { Settings } from '../settings/settings.js'
import { ZERO_USAGE, addUsage, type CandidateOutcome } from '../domain/summary.js'
import { judgeAgentRun } from '../domain/judge.js'
import { redact } from '../domain/secrets.js'
import { buildPrompt, extractDigest } from '../domain/prompt.js'
import { buildFollowUpPrompt, buildReproductionPrompt } from '../domain/prompt-followup.js'
import { nextAgentRun } from '../domain/token-budget.js'
import { reproduce } from './reproduce.js'
import { addAgentTimings, createPhaseTimer, issuePhases, type IssuePhase } from '../domain/phases.js'
import { cap, oneLine } from '../domain/text.js'
import { errorMessage, RunCompromised } from '../util/errors.js'
import { gateFix, policyReason } from './gate.js'
import { workDir, type ReadyFix, type WorkResult } from '../domain/handoff.js'

export interface WorkDeps {
  sentry: Pick<SentryApi, 'issueEvidence'>
  agent: Agent
  repo: Repo
  tests: TestRunner
  files: RunFiles
  log: Log
  clock: Clock
  /** the action's own secret values: the policy gate refuses a diff that adds any of them */
  secrets: string[]
}

export type { MeasuredTests }

const LOG_TAIL_IN_SUMMARY = 2_000

export async function workIssue(
  planned: PlanIssue,
  plan: Pick<Plan, 'base' | 'analyze'>,
  settings: Settings,
  deps: WorkDeps
): Promise<WorkResult> {
  const shortId = planned.facts.short_id
  const started = deps.clock.now().getTime()
  const deadline = started + settings.agent.issueTimeoutMinutes * 60_000
  const seconds = () => Math.round((deps.clock.now().getTime() - started) / 100) / 10
  const phases = createPhaseTimer<IssuePhase>(() => deps.clock.now().getTime())
  let usage: TokenUsage = ZERO_USAGE
  let claimed: Pick<IssueSummary, 'root_cause' | 'confidence' | 'agent_claimed_tests_passed'> = {}
  let tests: MeasuredTests | null = null
  const withPhases = (outcome: CandidateOutcome): CandidateOutcome => {
    const measured = issuePhases(phases)
    return measured ? { ...outcome, phases: measured } : outcome
  }
  const end = (
    outcome: Pick<IssueSummary, 'disposition' | 'reason'> & Partial<IssueSummary>,
    ready: ReadyFix | null = null
  ): WorkResult => ({
    shortId,
    outcome: withPhases({
      ...claimed,
      ...(tests ? { tests } : {}),
      ...outcome,
      usage,
      duration_s: seconds()
    }),
    ready
  })
  try {
    const evidence = await deps.sentry.issueEvidence(planned.facts.id)
    const seer = settings.agent.seer && plan.analyze.includes(shortId)
    const firstPrompt = buildPrompt({
      issue: planned.facts,
      digest: extractDigest(evidence.issue, evidence.latestEvent),
      seer,
      testCommand: settings.agent.testCommand,
      instructions: settings.agent.instructions,
      branchPrefix: settings.pr.branchPrefix
    })
    await using worktree = await phases.time('worktree', () => deps.repo.addWorktree(plan.base.sha, shortId))
    let prompt = firstPrompt
    let testLog = ''
    for (let agentRun = 1; ; agentRun++) {
      const remaining = deadline - deps.clock.now().getTime()
      if (remaining <= 0)
        return end({
          disposition: 'agent-failed',
          reason: `the time budget of ${settings.agent.issueTimeoutMinutes} min was spent`
        })
      const tokens = nextAgentRun(settings.budget.maxTokensPerIssue, usage)
      if (tokens.kind === 'stop') return end({ disposition: 'agent-failed', reason: tokens.reason })
      const run: AgentOutcome = await deps.agent.run({
        shortId,
        worktree: worktree.path,
        prompt,
        seer,
        timeoutMs: remaining,
        maxTokens: tokens.maxTokens,
        outDir: `${deps.files.dir}/${workDir(shortId)}${agentRun === 1 ? '' : `/attempt-${agentRun}`}`
      })
      usage = addUsage(usage, run.usage)
      if (run.timings) addAgentTimings(phases, run.timings)
      const diff = run.kind === 'completed' ? await deps.repo.diff(worktree) : null
      const verdict = judgeAgentRun(run, diff)
      deps.log.info(
        `${shortId}: agent run ${agentRun}: ${verdict.kind}${'reason' in verdict ? ` — ${verdict.reason}` : ''}`
      )
      if (verdict.kind === 'agent-failed') return end({ disposition: 'agent-failed', reason: verdict.reason })
      // The model's words go to the summary, the artifact, the commit and the PR: no credential may ride along.
      const answer = redactAnswer(verdict.result, deps.secrets)
      claimed = claimedFields(answer)
      if (verdict.kind === 'no-fix') {
        return end({ disposition: 'no-fix', reason: redact(verdict.reason, deps.secrets) })
      }

      const fix = diff!
      const files_changed = fix.files.map(f => f.path)
      const policy = await phases.time('policy', () =>
        gateFix(fix, settings, {
          secrets: deps.secrets,
          baseFiles: paths => deps.repo.filesAt(plan.base.sha, paths)
        })
      )
      if (policy.kind === 'rejected') {
        deps.log.info(`${shortId}: policy-rejected — ${policy.reasons.join('; ')}`)
        return end({
          disposition: 'policy-rejected',
          reason: policyReason(policy),
          files_changed
        })
      }

      const command = settings.agent.testCommand
      if (command === null)
        return ready(end, shortId, { result: answer!, diff: fix, tests: null, reproduction: null }, deps)
      const left = deadline - deps.clock.now().getTime()
      const measured = await phases.time('tests', () =>
        deps.tests.run({ command, cwd: worktree.path, timeoutMs: Math.max(1_000, left) })
      )
      const attempts: number = (tests?.attempts ?? 0) + 1
      testLog += `### attempt ${attempts}: ${measured.passed ? 'passed' : measured.timedOut ? 'timed out' : `failed (exit code ${measured.exitCode})`}\n${measured.logTail}\n`
      await deps.files.writeText(`${workDir(shortId)}/tests.log`, testLog)
      tests = {
        command,
        passed: measured.passed,
        attempts,
        ...(measured.passed
          ? {}
          : { log_tail: cap(measured.logTail.slice(-LOG_TAIL_IN_SUMMARY), LOG_TAIL_IN_SUMMARY) })
      }
      deps.log.info(`${shortId}: the action's test run ${attempts}: ${measured.passed ? 'passed' : 'failed'}`)
      if (measured.passed) {
        const reproduction = await reproduce(
          {
            shortId,
            baseSha: plan.base.sha,
            fixed: worktree,
            fix,
            command,
            testPaths: settings.agent.testPaths,
            timeoutMs: Math.max(1_000, deadline - deps.clock.now().getTime())
          },
          { ...deps, phases }
        )
        const proof = { reproduced: reproduction.reproduced, reproduction }
        deps.log.info(`${shortId}: reproduction: ${reproduction.reason}`)
        if (reproduction.reproduced === true || !settings.agent.requireReproduction) {
          return ready(end, shortId, { result: answer!, diff: fix, tests, reproduction }, deps)
        }
        if (attempts > settings.agent.fixAttempts) {
          return end({
            disposition: 'not-reproduced',
            reason: `require-reproduction: ${reproduction.reason}, after ${attempts} attempt(s) (fix-attempts ${settings.agent.fixAttempts}); nothing is landed`,
            files_changed,
            ...proof
          })
        }
        prompt = buildReproductionPrompt(firstPrompt, {
          reason: reproduction.reason,
          hadTest: reproduction.test_files.length > 0,
          testPaths: settings.agent.testPaths,
          attempt: attempts,
          remaining: settings.agent.fixAttempts - attempts + 1
        })
        continue
      }
      if (attempts > settings.agent.fixAttempts) {
        return end({
          disposition: 'tests-failed',
          reason: `\`${oneLine(command, 80)}\` failed after ${attempts} attempt(s) (fix-attempts ${settings.agent.fixAttempts})`,
          files_changed
        })
      }
      prompt = buildFollowUpPrompt(firstPrompt, {
        command,
        attempt: attempts,
        remaining: settings.agent.fixAttempts - attempts + 1,
        logTail: measured.logTail,
        timedOut: measured.timedOut
      })
    }
  } catch (error) {
    if (error instanceof RunCompromised) {
      deps.log.warning(`${shortId}: ${error.message}`)
      return end({ disposition: 'policy-rejected', reason: error.message })
    }
    deps.log.warning(`${shortId}: ${errorMessage(error)}`)
    return end({ disposition: 'agent-failed', reason: errorMessage(error) })
  }
}

async function ready(
  end: (o: Pick<IssueSummary, 'disposition' | 'reason'> & Partial<IssueSummary>, r: ReadyFix) => WorkResult,
  shortId: string,
  fix: ReadyFix,
  deps: WorkDeps
): Promise<WorkResult> {
  await deps.files.writeText(`${workDir(shortId)}/fix.patch`, fix.diff.patch)
  return end(
    {
      disposition: 'fix-ready',
      reason: `fix ready: ${oneLine(fix.result.summary, 100)} (${fix.diff.files.length} file(s))`,
      files_changed: fix.diff.files.map(f => f.path),
      ...(fix.reproduction ? { reproduced: fix.reproduction.reproduced, reproduction: fix.reproduction } : {})
    },
    fix
  )
}

function redactAnswer(result: SentryFixResult | null, secrets: string[]): SentryFixResult | null {
  if (!result) return null
  const r = (text: string) => redact(text, secrets)
  return {
    ...result,
    summary: r(result.summary),
    root_cause: r(result.root_cause),
    notes: r(result.notes),
    files_changed: result.files_changed.map(r),
    tests_run: result.tests_run === null ? null : r(result.tests_run)
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
