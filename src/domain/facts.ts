import type { IssueFacts } from '../schemas/summary.js'
import type { SentryIssue } from './types.js'

/** The domain issue as the plan and the summary carry it (snake_case, as the published schema says). */
export function toIssueFacts(issue: SentryIssue): IssueFacts {
  return {
    id: issue.id,
    short_id: issue.shortId,
    project: issue.project.slug,
    title: issue.title,
    culprit: issue.culprit,
    level: issue.level,
    events: issue.events,
    users: issue.users,
    first_seen: issue.firstSeen,
    last_seen: issue.lastSeen,
    permalink: issue.permalink
  }
}
