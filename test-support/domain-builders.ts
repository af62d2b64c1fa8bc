// Small builders for pure-unit tests of the domain.
import type { FixPullRequest, FixState, SentryIssue } from '../src/domain/types.js'

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
