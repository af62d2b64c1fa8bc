// What a candidate that no stage reached is reported as. Pure: the mode and the plan decide.
import type { Plan } from '../schemas/handoff.js'
import type { CandidateOutcome } from './summary.js'
import type { Mode } from './types.js'

/** Candidates that no stage reached: triage-only in triage mode, cap-reached otherwise. */
export function unreachedOutcome(
  plan: Pick<Plan, 'matrix' | 'limits' | 'candidates'>,
  run: { mode: Mode; maxPrs: number }
): (shortId: string) => CandidateOutcome {
  return shortId => {
    switch (run.mode) {
      case 'plan':
        return plan.matrix.includes(shortId)
          ? {
              disposition: 'triage-only',
              reason: `planned: a work job works it (${plan.matrix.indexOf(shortId) < plan.limits.max_prs ? 'primary' : 'spare'}); the land job's summary has its outcome`
            }
          : {
              disposition: 'cap-reached',
              reason: `not worked: beyond max-prs ${plan.limits.max_prs} + spare-candidates ${plan.matrix.length - Math.min(plan.matrix.length, plan.limits.max_prs)}`
            }
      case 'land':
        return {
          disposition: 'cap-reached',
          reason: `not worked: beyond max-prs ${plan.limits.max_prs} + the plan's spare candidates`
        }
      case 'triage': {
        const position = plan.candidates.indexOf(shortId) + 1
        return {
          disposition: 'triage-only',
          reason: `eligible for a fix (candidate ${position} of ${plan.candidates.length}); triage mode runs no agent`
        }
      }
      case 'dry-run':
      case 'fix':
      case 'work':
        return {
          disposition: 'cap-reached',
          reason: `not worked: max-prs ${run.maxPrs} fix(es) were ready before this issue's turn`
        }
    }
  }
}
