// Plain data the pure decisions work on. Adapters translate the wire formats of Sentry and GitHub into these.

/**
 * The action's modes, the values of the `mode` input. Here rather than in settings.ts so that pure decisions
 * (platform.ts) can name a mode without importing the settings module.
 */
export const MODES = ['fix', 'triage', 'dry-run', 'plan', 'work', 'land'] as const
export type Mode = (typeof MODES)[number]

export type SentryLevel = 'fatal' | 'error' | 'warning' | 'info' | 'debug' | 'sample' | 'unknown'

/** One Sentry issue as the action sees it: numbers are numbers, dates are ISO strings. */
export interface SentryIssue {
  id: string
  shortId: string
  title: string
  culprit: string | null
  level: SentryLevel
  /** events in the stats period (Sentry's `count`, a string on the wire) */
  events: number
  users: number
  firstSeen: string
  lastSeen: string
  permalink: string
  project: { id: string; slug: string }
}

/** A pull request whose head is one of the action's fix branches. */
export interface FixPullRequest {
  number: number
  url: string
  state: 'open' | 'closed'
  createdAt: string
  closedAt: string | null
  mergedAt: string | null
}

/** What GitHub holds for one issue's fix branch. */
export interface FixState {
  branch: string
  branchExists: boolean
  /** every PR whose head is the branch, newest first */
  pullRequests: FixPullRequest[]
}
