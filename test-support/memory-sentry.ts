// The SentryApi port in memory, over the SentryWorld the HTTP fake serves (sandbox/fake-sentry.ts), for pipeline tests
// that need Sentry's answers but not its wire. It keeps the port's contract as the HTTP adapter (src/adapters/
// sentry-http.ts) keeps it against that fake: the same filters, order and page sizes, pages produced only when the
// caller asks for the next one, evidence JSON from the fake's own builders, and a SentryError of the adapter's kind,
// status and wording where the adapter would throw one. What only the wire shows (auth, retries, rate limits,
// malformed answers, the 20-page cap) stays with the adapter's own tests; __tests__/adapters/memory-ports.test.ts
// holds the two to the same answers.
import { SentryError, type SentryErrorKind } from '../src/adapters/sentry-http.js'
import type { SentryIssue } from '../src/domain/types.js'
import type { IssueListQuery, SentryApi } from '../src/ports.js'
import {
  findWorldIssue,
  issueDetailJson,
  issueOrder,
  latestEventJson,
  matchesSearch,
  parseSearch,
  statsPeriodMs,
  worldProject,
  type SentryWorld,
  type SentryWorldIssue
} from './sandbox/fake-sentry.js'

export interface MemorySentryOptions {
  /** the organisation the adapter is configured with (default the world's); another one holds nothing */
  org?: string
  /** the adapter's base URL: permalinks point under it (default https://sentry.io); never contacted */
  baseUrl?: string
  /** Sentry's own maximum page size (default 100), to force pagination with small worlds */
  pageSize?: number
  /** the clock of the statsPeriod window, ms since epoch (default Date.now) */
  now?: () => number
}

export interface MemorySentry extends SentryApi {
  /** every request the adapter would have made, in order: 'projects api,web', 'issues page 1', 'evidence 7001' */
  calls: string[]
}

const MAX_LIMIT = 100
/** the adapter looks up this many slugs one by one, more in the organization's project list */
const PROJECT_LOOKUPS_MAX = 3

export function memorySentry(world: SentryWorld, options: MemorySentryOptions = {}): MemorySentry {
  const org = options.org ?? world.org
  const baseUrl = (options.baseUrl ?? 'https://sentry.io').replace(/\/+$/, '')
  const host = new URL(baseUrl).host
  const now = options.now ?? Date.now
  const orgPath = `/api/0/organizations/${encodeURIComponent(org)}`
  const calls: string[] = []

  const fail = (message: string, kind: SentryErrorKind, status: number): SentryError =>
    new SentryError(message, { kind, status })
  const projectNotFound = (slug: string): SentryError =>
    fail(
      `Sentry project '${slug}' was not found in organization '${org}': check sentry-project (slugs, not names) ` +
        'and that the token can see it',
      'not-found',
      404
    )
  const orgNotFound = (): SentryError =>
    fail(
      `Sentry organization '${org}' was not found at ${host}: check sentry-org (the organization slug) and ` +
        'sentry-host',
      'not-found',
      404
    )
  /** a status the adapter does not retry, worded as the adapter words it */
  const refused = (path: string, status: 400 | 403, detail: string): SentryError =>
    status === 403
      ? fail(
          `Sentry rejected sentry-token (403 Forbidden) for GET ${path}: check that the token is valid and has ` +
            `org:read, project:read and event:read (Sentry said: ${detail})`,
          'auth',
          403
        )
      : fail(
          `Sentry refused GET ${path} (400 Bad Request) (Sentry said: ${detail}): check sentry-query, ` +
            'sentry-environment and stats-period',
          'bad-request',
          400
        )

  const sameOrg = (): boolean => org === world.org

  /** Every issue the list would hold for this query, in Sentry's order (GET .../issues/ over all pages). */
  function matching(query: IssueListQuery): SentryWorldIssue[] {
    const path = `${orgPath}/issues/`
    if (!sameOrg()) throw orgNotFound()
    const ids = query.projectIds.filter(id => id !== '')
    let slugs: Set<string>
    if (ids.length === 0 || ids.includes('-1')) {
      slugs = new Set(world.projects.map(p => p.slug))
    } else {
      slugs = new Set()
      for (const id of ids) {
        if (!/^\d+$/.test(id)) throw refused(path, 400, 'Invalid project parameter. Values must be numbers.')
        const project = world.projects.find(p => p.id === id)
        if (!project) throw refused(path, 403, 'You do not have permission to perform this action.')
        slugs.add(project.slug)
      }
    }
    const period = statsPeriodMs(query.statsPeriod || '14d')
    if (typeof period === 'string') throw refused(path, 400, period)
    const start = now() - period
    const terms = parseSearch(query.query)
    if (typeof terms === 'string') throw refused(path, 400, terms)
    const environment = query.environment.trim() === '' ? '' : query.environment
    return world.issues
      .filter(
        issue =>
          slugs.has(issue.project) &&
          (environment === '' || issue.environments.includes(environment)) &&
          Date.parse(issue.lastSeen) >= start &&
          matchesSearch(issue, terms)
      )
      .sort(issueOrder('freq'))
  }

  function toIssue(issue: SentryWorldIssue): SentryIssue {
    const project = worldProject(world, issue.project)
    return {
      id: issue.id,
      shortId: issue.shortId,
      title: issue.title,
      culprit: issue.culprit,
      level: issue.level,
      events: issue.count,
      users: issue.userCount,
      firstSeen: issue.firstSeen,
      lastSeen: issue.lastSeen,
      permalink: `${baseUrl}/organizations/${world.org}/issues/${issue.id}/`,
      project: { id: project.id, slug: project.slug }
    }
  }

  return {
    calls,

    async resolveProjects(slugs) {
      const unique = [...new Set(slugs)]
      calls.push(`projects ${unique.join(',')}`)
      // more than three slugs are looked up in the organization's project list, which names the organization
      if (unique.length > PROJECT_LOOKUPS_MAX && !sameOrg()) throw orgNotFound()
      return unique.map(slug => {
        const project = sameOrg() ? world.projects.find(p => p.slug === slug) : undefined
        if (!project) throw projectNotFound(slug)
        return { id: project.id, slug }
      })
    },

    // A generator: nothing runs before the caller asks for a page, and each page is cut from the world as it is then
    // (as the adapter asks the fake for each page with the next cursor).
    async *issuePages(query) {
      const limit = Math.min(
        Math.max(1, Math.min(MAX_LIMIT, Math.floor(query.limit))),
        options.pageSize ?? MAX_LIMIT
      )
      for (let page = 1, offset = 0; ; page++, offset += limit) {
        calls.push(`issues page ${page}`)
        const all = matching(query)
        yield all.slice(offset, offset + limit).map(toIssue)
        if (offset + limit >= all.length) return
      }
    },

    async issueEvidence(issueId) {
      calls.push(`evidence ${issueId}`)
      const issue = sameOrg() ? findWorldIssue(world, issueId) : undefined
      if (!issue) {
        const path = `${orgPath}/issues/${encodeURIComponent(issueId)}/`
        throw fail(`Sentry has no ${path} (the issue may have been deleted or merged)`, 'not-found', 404)
      }
      return { issue: issueDetailJson(world, issue, baseUrl), latestEvent: latestEventJson(world, issue) }
    }
  }
}
