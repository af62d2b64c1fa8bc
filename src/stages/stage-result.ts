import type { Plan, PlanIssue } from '../schemas/handoff.js'
import type { CandidateOutcome } from '../domain/summary.js'

/** What a mode's stages give the orchestrator to summarise. */
export interface StageResult {
  plan: Plan
  /** what happened to the candidates this stage decided */
  outcomes: Map<string, CandidateOutcome>
  /** the issues this stage reports (all of the plan's, or the one a work job worked) */
  reported: PlanIssue[]
}
