// The one landing loop of every mode that works candidates (fix, dry-run, land): in plan order until max-prs PRs are
// open, spares back-filling a candidate that ended without one. The cap is enforced here, in code, never by a prompt.
import type { Log } from '../ports.js'
import type { PlanIssue } from '../schemas/handoff.js'
import type { CandidateOutcome } from '../domain/summary.js'
import type { ReadyFix } from '../domain/handoff.js'
import { workUntil } from '../util/work-until.js'

/** What working a candidate gave: an outcome that is final, or a fix that is ready to land. */
export type Worked =
  { kind: 'final'; outcome: CandidateOutcome } | { kind: 'ready'; outcome: CandidateOutcome; fix: ReadyFix }

export interface LandLoopSteps {
  /** works the candidate: in process (fix, dry-run), or by reading its work job's hand-off (land) */
  work(planned: PlanIssue): Promise<Worked>
  /** lands a ready fix (fix, land) or records it (dry-run); a `pr-opened` or `dry-run` outcome counts toward the cap */
  land(planned: PlanIssue, ready: Extract<Worked, { kind: 'ready' }>): Promise<CandidateOutcome>
  /**
   * Whether a candidate the cap left unstarted is still worked to report what it held (land: its work job already
   * ran, reading the hand-off costs nothing), instead of being left to the caller's fallback (fix: the agent never ran).
   */
  reportUnstarted: boolean
}

/** Outcomes that fill a PR slot: a PR opened, or in dry-run the fix that would have been its PR. */
const COUNTS = new Set<CandidateOutcome['disposition']>(['pr-opened', 'dry-run'])

export async function landInPlanOrder(
  candidates: readonly PlanIssue[],
  options: { maxPrs: number; concurrency: number },
  steps: LandLoopSteps,
  log: Log
): Promise<Map<string, CandidateOutcome>> {
  const outcomeOf = async (planned: PlanIssue): Promise<CandidateOutcome> => {
    const worked = await steps.work(planned)
    const outcome = worked.kind === 'ready' ? await steps.land(planned, worked) : worked.outcome
    log.info(`${planned.facts.short_id}: ${outcome.disposition} — ${outcome.reason}`)
    return outcome
  }
  const started = await workUntil(
    candidates,
    { goal: options.maxPrs, concurrency: options.concurrency },
    planned => log.group(`Issue ${planned.facts.short_id}`, () => outcomeOf(planned)),
    outcome => COUNTS.has(outcome.disposition)
  )
  const outcomes = new Map<string, CandidateOutcome>()
  for (const [index, planned] of candidates.entries()) {
    const outcome = started.get(index)
    if (outcome) outcomes.set(planned.facts.short_id, outcome)
    else if (steps.reportUnstarted) {
      const outcome = await log.group(
        `Issue ${planned.facts.short_id}`,
        async (): Promise<CandidateOutcome> => {
          const worked = await steps.work(planned)
          return worked.kind === 'ready'
            ? {
                ...worked.outcome,
                disposition: 'cap-reached',
                reason: `a fix was ready, but max-prs ${options.maxPrs} pull request(s) were open before its turn`
              }
            : worked.outcome
        }
      )
      log.info(`${planned.facts.short_id}: ${outcome.disposition} — ${outcome.reason}`)
      outcomes.set(planned.facts.short_id, outcome)
    }
  }
  return outcomes
}
