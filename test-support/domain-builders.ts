// Small builders for pure-unit tests of the domain.
import type { FixPullRequest, FixState, SentryIssue } from '../src/domain/types.js'
import type { Plan, PlanIssue } from '../src/schemas/handoff.js'
import type { SkipDisposition } from '../src/schemas/summary.js'

export function issue(shortId: string, partial: Partial<SentryIssue> = {}): SentryIssue {
  return {
    id: String(1000 + Array.from(shortId).reduce((a, c) => a + c.charCodeAt(0), 0)),
    shortId,
    title: `TypeError in ${shortId}`,
    culprit: 'app/handler.js in handle',
    level: 'error',
    events: 100,
    users: 10,
    firstSeen: '2026-11-01T00:00:00Z',
    lastSeen: '2026-11-26T12:00:00Z',
    permalink: `https://acme.sentry.io/issues/${shortId}/`,
    project: { id: '1', slug: 'api' },
    ...partial
  }
}

export function pr(number: number, partial: Partial<FixPullRequest> = {}): FixPullRequest {
  return {
    number,
    url: `https://github.com/acme/shop/pull/${number}`,
    state: 'open',
    createdAt: '2026-11-20T00:00:00Z',
    closedAt: null,
    mergedAt: null,
    ...partial
  }
}

export function state(branch: string, partial: Partial<FixState> = {}): FixState {
  return { branch, branchExists: false, pullRequests: [], ...partial }
}

/** A planned issue: a candidate, or skipped with `skip` as its disposition. */
export function planIssue(shortId: string, skip?: SkipDisposition): PlanIssue {
  return {
    facts: {
      id: `id-${shortId}`,
      short_id: shortId,
      project: 'api',
      title: 'TypeError',
      culprit: null,
      level: 'error',
      events: 10,
      users: 1,
      first_seen: '2026-11-01T00:00:00Z',
      last_seen: '2026-11-20T00:00:00Z',
      permalink: `https://acme.sentry.io/issues/${shortId}/`
    },
    branch: `fix/sentry-${shortId}`,
    decision: skip
      ? { kind: 'skip', disposition: skip, reason: `skipped: ${skip}`, existing_pull_request: null }
      : { kind: 'candidate', regressed_from: null }
  }
}

/** A plan of `issues` (candidates in their order), created 2026-11-27 10:00 on base `baseSha`. */
export function planOf(
  issues: PlanIssue[],
  options: { baseSha: string; maxPrs: number; matrix: string[] }
): Plan {
  const candidates = issues.filter(i => i.decision.kind === 'candidate').map(i => i.facts.short_id)
  return {
    version: 1,
    created_at: '2026-11-27T10:00:00.000Z',
    repository: 'acme/shop',
    base: { branch: 'main', sha: options.baseSha },
    sentry: {
      host: 'sentry.io',
      org: 'acme',
      projects: ['api'],
      query: 'is:unresolved',
      environment: 'production',
      stats_period: '14d'
    },
    limits: { top: 5, analyze_top: 0, max_prs: options.maxPrs, min_events: 1 },
    issues,
    candidates,
    analyze: [],
    matrix: options.matrix
  }
}
