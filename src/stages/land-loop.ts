// The one landing loop of every mode that works candidates (fix, dry-run, land): in plan order until max-prs PRs are
// open, spares back-filling a candidate that ended without one. The cap is enforced here, in code, never by a prompt.
// Two ways to land: each fix as it comes, with candidates worked concurrently (fix, dry-run: the agent is the slow
// part), or in batches (land: the work jobs did the slow part; the free PR slots' fixes go out in one push).
import type { Log } from '../ports.js'
import type { PlanIssue } from '../schemas/handoff.js'
import type { CandidateOutcome } from '../domain/summary.js'
import type { ReadyFix } from '../domain/handoff.js'
import { workUntil } from '../util/work-until.js'

/** What working a candidate gave: an outcome that is final, or a fix that is ready to land. */
export type Worked =
  { kind: 'final'; outcome: CandidateOutcome } | { kind: 'ready'; outcome: CandidateOutcome; fix: ReadyFix }

export type Ready = Extract<Worked, { kind: 'ready' }>

export type LandingStrategy =
  /** lands (fix) or records (dry-run) each ready fix as it comes, `concurrency` candidates worked at once */
  | { kind: 'each'; concurrency: number; land(planned: PlanIssue, ready: Ready): Promise<CandidateOutcome> }
  /** works candidates one by one until the free slots are filled, then lands those fixes together; again until full */
  | { kind: 'batch'; landAll(batch: { planned: PlanIssue; ready: Ready }[]): Promise<CandidateOutcome[]> }

export interface LandLoopSteps {
  /** works the candidate: in process (fix, dry-run), or by reading its work job's hand-off (land) */
  work(planned: PlanIssue): Promise<Worked>
  /** a `pr-opened` or `dry-run` outcome fills a slot */
  landing: LandingStrategy
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
  options: { maxPrs: number },
  steps: LandLoopSteps,
  log: Log
): Promise<Map<string, CandidateOutcome>> {
  const outcomes = new Map<string, CandidateOutcome>()
  const record = (planned: PlanIssue, outcome: CandidateOutcome): void => {
    log.info(`${planned.facts.short_id}: ${outcome.disposition} — ${outcome.reason}`)
    outcomes.set(planned.facts.short_id, outcome)
  }
  const workOne = (planned: PlanIssue) =>
    log.group(`Issue ${planned.facts.short_id}`, () => steps.work(planned))

  const started = new Set<number>()
  const { landing } = steps
  if (landing.kind === 'each') {
    const results = await workUntil(
      candidates,
      { goal: options.maxPrs, concurrency: landing.concurrency },
      (planned, index) => {
        started.add(index)
        return log.group(`Issue ${planned.facts.short_id}`, async (): Promise<CandidateOutcome> => {
          const worked = await steps.work(planned)
          return worked.kind === 'ready' ? landing.land(planned, worked) : worked.outcome
        })
      },
      outcome => COUNTS.has(outcome.disposition)
    )
    for (const [index, outcome] of results) record(candidates[index]!, outcome)
  } else {
    let filled = 0
    let next = 0
    while (filled < options.maxPrs && next < candidates.length) {
      const batch: { planned: PlanIssue; ready: Ready }[] = []
      while (batch.length < options.maxPrs - filled && next < candidates.length) {
        started.add(next)
        const planned = candidates[next++]!
        const worked = await workOne(planned)
        if (worked.kind === 'ready') batch.push({ planned, ready: worked })
        else record(planned, worked.outcome)
      }
      if (batch.length === 0) break
      const landed = await log.group(`Land ${batch.length} fix(es)`, () => landing.landAll(batch))
      for (const [i, { planned }] of batch.entries()) {
        const outcome = landed[i]!
        record(planned, outcome)
        if (COUNTS.has(outcome.disposition)) filled++
      }
    }
  }

  if (steps.reportUnstarted) {
    for (const [index, planned] of candidates.entries()) {
      if (started.has(index)) continue
      const worked = await workOne(planned)
      record(
        planned,
        worked.kind === 'ready'
          ? {
              ...worked.outcome,
              disposition: 'cap-reached',
              reason: `a fix was ready, but max-prs ${options.maxPrs} pull request(s) were open before its turn`
            }
          : worked.outcome
      )
    }
  }
  // in plan order, whatever order they finished in
  return new Map(
    candidates.flatMap(p =>
      outcomes.has(p.facts.short_id) ? [[p.facts.short_id, outcomes.get(p.facts.short_id)!]] : []
    )
  )
}
