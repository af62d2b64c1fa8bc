// Pure: what an agent run amounts to. The agent's words are evidence, never authority: the diff the action measured
// decides whether there is a fix, and a final message that is not the schema's JSON is a failure.
import { SentryFixResult } from '../schemas/agent-result.js'
import type { AgentOutcome, WorktreeDiff } from '../ports.js'
import { oneLine } from './text.js'
import { describeZodError } from './zod-errors.js'

export type FinalMessage = { ok: true; result: SentryFixResult } | { ok: false; reason: string }

/** Parses the agent's last message as the sentry-fix.json object (codex does not enforce --output-schema). */
export function parseFinalMessage(text: string): FinalMessage {
  const trimmed = text.trim()
  // Models sometimes wrap JSON in a code fence; accept exactly that, nothing looser.
  const fenced = /^```(?:json)?\s*\n([\s\S]*)\n```$/.exec(trimmed)
  let json: unknown
  try {
    json = JSON.parse(fenced ? fenced[1]! : trimmed)
  } catch {
    return { ok: false, reason: `the agent's final answer is not JSON: "${oneLine(trimmed, 80)}"` }
  }
  const parsed = SentryFixResult.safeParse(json)
  if (!parsed.success) {
    return {
      ok: false,
      reason: `the agent's final answer does not match sentry-fix.json (${describeZodError(parsed.error)})`
    }
  }
  return { ok: true, result: parsed.data }
}

export type AgentVerdict =
  | { kind: 'agent-failed'; reason: string }
  | { kind: 'no-fix'; reason: string; result: SentryFixResult | null }
  | { kind: 'fixed'; result: SentryFixResult }

export function judgeAgentRun(outcome: AgentOutcome, diff: Pick<WorktreeDiff, 'files'> | null): AgentVerdict {
  if (outcome.kind === 'failed') return { kind: 'agent-failed', reason: outcome.reason }
  const final = parseFinalMessage(outcome.finalMessage)
  if (!final.ok) return { kind: 'agent-failed', reason: final.reason }
  const changed = diff?.files.length ?? 0
  if (final.result.status === 'no-fix') {
    const reason = `the agent found no confident fix: ${oneLine(final.result.root_cause || final.result.notes, 200)}`
    return {
      kind: 'no-fix',
      reason: changed > 0 ? `${reason} (its ${changed} changed file(s) are discarded)` : reason,
      result: final.result
    }
  }
  if (changed === 0) {
    return { kind: 'no-fix', reason: 'the agent reported a fix but changed no file', result: final.result }
  }
  return { kind: 'fixed', result: final.result }
}
