// The Sentry REST endpoints: project slugs -> ids, the paginated, filtered, frequency-sorted issue list, and an
// issue's evidence. Requests, timeouts and retries are http-client.ts's (global fetch, so NODE_EXTRA_CA_CERTS reaches
// a self-hosted Sentry behind a private CA); this file says what to ask, checks each response's shape with zod, turns
// it into domain types, and classifies failures by status code into SentryError with messages that name the input
// to fix. The token is scrubbed from every message.
import { z } from 'zod'
import { nextCursor } from '../domain/link-header.js'
import type { SentryIssue, SentryLevel } from '../domain/types.js'
import type { IssueListQuery, Log, SentryApi } from '../ports.js'
import { mapLimit } from '../util/map-limit.js'
import { createHttpClient, type HttpFailure } from './http-client.js'
import { redact } from '../domain/secrets.js'

/** Kept equal to package.json's version by a test. */
export const SENTRY_ADAPTER_VERSION = '0.1.0'
export const DEFAULT_USER_AGENT = `sentry-codex-triage/${SENTRY_ADAPTER_VERSION}`

export type SentryErrorKind =
  | 'auth'
  | 'not-found'
  | 'rate-limit'
  | 'server'
  | 'network'
  | 'invalid-response'
  /** Sentry refused the request itself (400), e.g. a search query it cannot parse */
  | 'bad-request'

export class SentryError extends Error {
  readonly kind: SentryErrorKind
  readonly status?: number

  constructor(message: string, options: { kind: SentryErrorKind; status?: number; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'SentryError'
    this.kind = options.kind
    if (options.status !== undefined) this.status = options.status
  }
}

export interface SentryApiOptions {
  /** https://host or http://127.0.0.1:PORT, without /api/0 */
  baseUrl: string
  org: string
  token: string
  log: Log
  sleep?: (ms: number) => Promise<void>
  /** ms since epoch; used to honour X-Sentry-Rate-Limit-Reset */
  now?: () => number
  /** per request, body included (default 30 s) */
  requestTimeoutMs?: number
  /** retries after the first attempt for 429, 5xx, network errors and timeouts (default 4) */
  maxRetries?: number
  /** pages of issues followed at most (default 20) */
  maxPages?: number
  userAgent?: string
}

/** up to this many projects are looked up one by one; more are found in the organization's project list */
const PROJECT_LOOKUPS_MAX = 3
const PROJECT_CONCURRENCY = 4
const KNOWN_LEVELS: ReadonlySet<string> = new Set(['fatal', 'error', 'warning', 'info', 'debug', 'sample'])

// ------------------------------------------------------------------------------------------------- wire schemas

const wireId = z.union([z.string().min(1), z.number().int()]).transform(String)
const wireCount = z
  .union([z.string().regex(/^\d+$/, 'expected a count of digits'), z.number().int().nonnegative()])
  .transform(Number)

const wireProject = z.object({ id: wireId, slug: z.string() })

const wireIssue = z.object({
  id: wireId,
  shortId: z.string(),
  title: z.string(),
  culprit: z.string().nullish(),
  level: z.string().nullish(),
  count: wireCount,
  userCount: wireCount,
  firstSeen: z.string().nullish(),
  lastSeen: z.string().nullish(),
  permalink: z.string(),
  project: wireProject
})

const wireIssueList = z.array(wireIssue)

function toIssue(wire: z.infer<typeof wireIssue>): SentryIssue {
  const level = wire.level ?? ''
  return {
    id: wire.id,
    shortId: wire.shortId,
    title: wire.title,
    culprit: wire.culprit ?? null,
    level: (KNOWN_LEVELS.has(level) ? level : 'unknown') as SentryLevel,
    events: wire.count,
    users: wire.userCount,
    firstSeen: wire.firstSeen ?? wire.lastSeen ?? '',
    lastSeen: wire.lastSeen ?? wire.firstSeen ?? '',
    permalink: wire.permalink,
    project: { id: wire.project.id, slug: wire.project.slug }
  }
}

// ------------------------------------------------------------------------------------------------------ adapter

export function createSentryApi(options: SentryApiOptions): SentryApi {
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const host = new URL(baseUrl).host
  const { org, token, log } = options
  const maxPages = options.maxPages ?? 20
  const http = createHttpClient({
    baseUrl,
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
      'User-Agent': options.userAgent ?? DEFAULT_USER_AGENT
    },
    log,
    service: 'Sentry',
    sleep: options.sleep,
    now: options.now,
    requestTimeoutMs: options.requestTimeoutMs,
    maxRetries: options.maxRetries,
    rateLimitResetHeader: 'x-sentry-rate-limit-reset'
  })
  const orgPath = `/api/0/organizations/${encodeURIComponent(org)}`

  /** Never let the token into a message, whatever a server echoes back. */
  const scrub = (text: string): string => redact(text, [token])
  const fail = (message: string, kind: SentryErrorKind, status?: number, cause?: unknown): SentryError =>
    new SentryError(scrub(message), { kind, status, cause })

  /** The validated body and headers, or a SentryError classified by status code; a 404 throws notFound(). */
  async function getJson<T>(
    path: string,
    params: URLSearchParams,
    schema: z.ZodType<T>,
    notFound: () => SentryError
  ): Promise<{ body: T; headers: Headers }> {
    const result = await http.getJson(path, params, schema)
    if (result.ok) return result
    throw toSentryError(result.failure, notFound)
  }

  function toSentryError(failure: HttpFailure, notFound: () => SentryError): SentryError {
    const what = failure.what
    switch (failure.kind) {
      case 'network': {
        const advice = failure.tls
          ? ': for a self-hosted Sentry with a private CA, set NODE_EXTRA_CA_CERTS to the CA bundle (PEM) on the runner'
          : ': check sentry-host and that the runner can reach it'
        const tries = failure.permanent ? '' : ` (after ${failure.attempts} attempts)`
        return fail(
          `Could not reach Sentry at ${host} for ${what}${tries}: ${failure.text}${advice}`,
          'network',
          undefined,
          failure.cause
        )
      }
      case 'not-json':
        return fail(
          `Sentry answered ${what} with a body that is not valid JSON (status ${failure.status}, ` +
            `${failure.contentType ?? 'no content type'}, ${failure.bytes} bytes): ${failure.detail}`,
          'invalid-response',
          failure.status,
          failure.cause
        )
      case 'shape':
        return fail(
          `Sentry answered ${what} with an unexpected shape: ${failure.problems}`,
          'invalid-response'
        )
      case 'status':
        break
    }
    const { status, label, body: text } = failure
    if (status === 401 || status === 403) {
      return fail(
        `Sentry rejected sentry-token (${label}) for ${what}: check that the token is valid and has org:read, ` +
          `project:read and event:read${serverDetail(text)}`,
        'auth',
        status
      )
    }
    if (status === 404) return notFound()
    if (status === 429 || status >= 500) {
      // The client retried these already; it only hands them back once the retries are spent.
      return fail(
        `Sentry answered ${label} for ${what} ${failure.attempts} times in a row; giving up${serverDetail(text)}`,
        status === 429 ? 'rate-limit' : 'server',
        status
      )
    }
    return fail(
      `Sentry refused ${what} (${label})${serverDetail(text)}: check sentry-query, sentry-environment and stats-period`,
      'bad-request',
      status
    )
  }

  async function resolveProject(slug: string): Promise<{ id: string; slug: string }> {
    const path = `/api/0/projects/${encodeURIComponent(org)}/${encodeURIComponent(slug)}/`
    const { body: project } = await getJson(path, new URLSearchParams(), wireProject, () =>
      fail(
        `Sentry project '${slug}' was not found in organization '${org}': check sentry-project (slugs, not names) ` +
          'and that the token can see it',
        'not-found',
        404
      )
    )
    return { id: project.id, slug }
  }

  async function listOrgProjects(slugs: string[]): Promise<{ id: string; slug: string }[]> {
    const path = `${orgPath}/projects/`
    const params = new URLSearchParams({ per_page: '100', limit: '100' })
    const found = new Map<string, string>()
    const wanted = new Set(slugs)
    const followed = new Set<string>()
    for (let page = 1; page <= maxPages * 5; page++) {
      const { body: projects, headers: responseHeaders } = await getJson(
        path,
        params,
        z.array(wireProject),
        () =>
          fail(
            `Sentry organization '${org}' was not found at ${host}: check sentry-org (the organization slug) and sentry-host`,
            'not-found',
            404
          )
      )
      for (const project of projects) {
        if (wanted.has(project.slug)) found.set(project.slug, project.id)
      }
      const next = nextCursor(responseHeaders.get('link'))
      if (found.size === wanted.size || next === undefined || followed.has(next)) break
      followed.add(next)
      params.set('cursor', next)
    }
    const missing = slugs.find(slug => !found.has(slug))
    if (missing !== undefined) {
      throw fail(
        `Sentry project '${missing}' was not found in organization '${org}': check sentry-project (slugs, not names) ` +
          'and that the token can see it',
        'not-found',
        404
      )
    }
    return slugs.map(slug => ({ id: found.get(slug)!, slug }))
  }

  async function issueJson(path: string): Promise<unknown> {
    const { body } = await getJson(path, new URLSearchParams(), z.unknown(), () =>
      fail(`Sentry has no ${path} (the issue may have been deleted or merged)`, 'not-found', 404)
    )
    return body
  }

  return {
    async issueEvidence(issueId) {
      const path = `${orgPath}/issues/${encodeURIComponent(issueId)}/`
      const [issue, latestEvent] = await Promise.all([issueJson(path), issueJson(`${path}events/latest/`)])
      return { issue, latestEvent }
    },

    async resolveProjects(slugs) {
      const unique = [...new Set(slugs)]
      // A few projects: one look-up each (a 404 names the project). Many: walk the organization's project list,
      // a page of 100 per request, and stop as soon as every slug is known.
      if (unique.length <= PROJECT_LOOKUPS_MAX) return mapLimit(unique, PROJECT_CONCURRENCY, resolveProject)
      return listOrgProjects(unique)
    },

    async *issuePages(query: IssueListQuery): AsyncGenerator<SentryIssue[]> {
      const path = `${orgPath}/issues/`
      const params = new URLSearchParams()
      for (const id of query.projectIds) params.append('project', id)
      params.set('query', query.query)
      if (query.environment.trim() !== '') params.set('environment', query.environment)
      params.set('statsPeriod', query.statsPeriod)
      params.set('sort', 'freq')
      params.set('limit', String(Math.max(1, Math.min(100, Math.floor(query.limit)))))
      const notFound = (): SentryError =>
        fail(
          `Sentry organization '${org}' was not found at ${host}: check sentry-org (the organization slug) and ` +
            'sentry-host',
          'not-found',
          404
        )
      const followed = new Set<string>()
      for (let page = 1; ; page++) {
        const { body, headers: responseHeaders } = await getJson(path, params, wireIssueList, notFound)
        yield body.map(toIssue)
        const next = nextCursor(responseHeaders.get('link'))
        if (next === undefined) return
        if (followed.has(next)) {
          log.warning(
            `Sentry: the issue list's next cursor '${next}' was already followed (a pagination loop); stopping after ${page} pages`
          )
          return
        }
        if (page >= maxPages) {
          log.warning(`Sentry: stopped listing issues after ${maxPages} pages; more issues exist beyond them`)
          return
        }
        followed.add(next)
        params.set('cursor', next)
      }
    }
  }
}

// ------------------------------------------------------------------------------------------------------ helpers

function serverDetail(text: string): string {
  try {
    const body = JSON.parse(text) as { detail?: unknown }
    if (typeof body.detail === 'string' && body.detail.trim() !== '') {
      const clean = Array.from(body.detail, ch => (ch.charCodeAt(0) < 0x20 || ch === '\u007f' ? ' ' : ch))
        .join('')
        .replace(/ {2,}/g, ' ')
        .trim()
      return ` (Sentry said: ${clean.length > 200 ? `${clean.slice(0, 200)}…` : clean})`
    }
  } catch {
    // not JSON: an HTML error page from a proxy, say nothing about it
  }
  return ''
}
