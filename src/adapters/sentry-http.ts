// The Sentry REST adapter: project slugs -> ids, and the paginated, filtered, frequency-sorted issue list.
// Global fetch (Node's), so NODE_EXTRA_CA_CERTS reaches a self-hosted Sentry behind a private CA. Every response is
// validated with zod and turned into domain types; errors are classified by status code into SentryError.
import { STATUS_CODES } from 'node:http'
import { z } from 'zod'
import type { SentryIssue, SentryLevel } from '../domain/types.js'
import type { IssueListQuery, Log, SentryApi } from '../ports.js'
import { mapLimit } from '../util/map-limit.js'

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

const BACKOFF_BASE_MS = 1_000
const BACKOFF_MAX_MS = 60_000
const RATE_LIMIT_WAIT_MAX_MS = 120_000
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
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms)))
  const now = options.now ?? Date.now
  const timeoutMs = options.requestTimeoutMs ?? 30_000
  const maxRetries = options.maxRetries ?? 4
  const maxPages = options.maxPages ?? 20
  const headers = {
    Authorization: `Bearer ${token}`,
    Accept: 'application/json',
    'User-Agent': options.userAgent ?? DEFAULT_USER_AGENT
  }
  const orgPath = `/api/0/organizations/${encodeURIComponent(org)}`

  /** Never let the token into a message, whatever a server echoes back. */
  const scrub = (text: string): string => (token.length >= 8 ? text.split(token).join('***') : text)
  const fail = (message: string, kind: SentryErrorKind, status?: number, cause?: unknown): SentryError =>
    new SentryError(scrub(message), { kind, status, cause })

  async function getJson(
    path: string,
    params: URLSearchParams,
    notFound: () => SentryError
  ): Promise<{ body: unknown; headers: Headers }> {
    const qs = params.toString()
    const target = `${path}${qs ? `?${qs}` : ''}`
    const what = `GET ${path}`
    for (let attempt = 0; ; attempt++) {
      log.debug(`Sentry: GET ${target}`)
      let response: Response
      let text: string
      try {
        response = await fetch(`${baseUrl}${target}`, { headers, signal: AbortSignal.timeout(timeoutMs) })
        text = await response.text()
      } catch (error) {
        const problem = describeNetworkError(error, timeoutMs)
        if (problem.permanent || attempt >= maxRetries) {
          const advice = problem.tls
            ? ': for a self-hosted Sentry with a private CA, set NODE_EXTRA_CA_CERTS to the CA bundle (PEM) on the runner'
            : ': check sentry-host and that the runner can reach it'
          const tries = problem.permanent ? '' : ` (after ${attempt + 1} attempts)`
          throw fail(
            `Could not reach Sentry at ${host} for ${what}${tries}: ${problem.text}${advice}`,
            'network',
            undefined,
            error
          )
        }
        const wait = backoff(attempt)
        log.warning(
          `Sentry: ${what} failed (${problem.text}); retrying in ${seconds(wait)} (retry ${attempt + 1} of ${maxRetries})`
        )
        await sleep(wait)
        continue
      }

      const status = response.status
      if (response.ok) {
        try {
          return { body: JSON.parse(text) as unknown, headers: response.headers }
        } catch (error) {
          throw fail(
            `Sentry answered ${what} with a body that is not valid JSON (status ${status}, ` +
              `${response.headers.get('content-type') ?? 'no content type'}, ${text.length} bytes): ${errorText(error)}`,
            'invalid-response',
            status,
            error
          )
        }
      }
      // The standard reason phrase, not the server's (HTTP/2 and some proxies send none).
      const label = `${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''}`
      if (status === 401 || status === 403) {
        throw fail(
          `Sentry rejected sentry-token (${label}) for ${what}: check that the token is valid and has org:read, ` +
            `project:read and event:read${serverDetail(text)}`,
          'auth',
          status
        )
      }
      if (status === 404) throw notFound()
      if (status === 429 || status >= 500) {
        const kind = status === 429 ? 'rate-limit' : 'server'
        if (attempt >= maxRetries) {
          throw fail(
            `Sentry answered ${label} for ${what} ${attempt + 1} times in a row; giving up${serverDetail(text)}`,
            kind,
            status
          )
        }
        const wait =
          status === 429
            ? (rateLimitWait(response.headers) ?? backoff(attempt))
            : (retryAfter(response.headers) ?? backoff(attempt))
        log.warning(
          `Sentry: ${what} answered ${label}; retrying in ${seconds(wait)} (retry ${attempt + 1} of ${maxRetries})`
        )
        await sleep(wait)
        continue
      }
      throw fail(
        `Sentry refused ${what} (${label})${serverDetail(text)}: check sentry-query, sentry-environment and stats-period`,
        'bad-request',
        status
      )
    }
  }

  function backoff(attempt: number): number {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt)
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2))
  }

  /** X-Sentry-Rate-Limit-Reset (epoch seconds) first, then Retry-After; capped at 120 s. */
  function rateLimitWait(h: Headers): number | undefined {
    const reset = Number(h.get('x-sentry-rate-limit-reset') ?? '')
    if (h.get('x-sentry-rate-limit-reset') && Number.isFinite(reset)) {
      const wait = reset * 1000 - now()
      if (wait > 0) return Math.min(wait, RATE_LIMIT_WAIT_MAX_MS)
    }
    return retryAfter(h)
  }

  function retryAfter(h: Headers): number | undefined {
    const raw = h.get('retry-after')
    if (!raw) return undefined
    const wait = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) * 1000 : Date.parse(raw) - now()
    if (!Number.isFinite(wait) || wait <= 0) return undefined
    return Math.min(wait, RATE_LIMIT_WAIT_MAX_MS)
  }

  function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
    const result = schema.safeParse(body)
    if (result.success) return result.data
    const problems = result.error.issues.slice(0, 3).map(issue => `${pathText(issue.path)}: ${issue.message}`)
    const more = result.error.issues.length > 3 ? ` (and ${result.error.issues.length - 3} more)` : ''
    throw fail(
      `Sentry answered ${what} with an unexpected shape: ${problems.join('; ')}${more}`,
      'invalid-response'
    )
  }

  async function resolveProject(slug: string): Promise<{ id: string; slug: string }> {
    const path = `/api/0/projects/${encodeURIComponent(org)}/${encodeURIComponent(slug)}/`
    const { body } = await getJson(path, new URLSearchParams(), () =>
      fail(
        `Sentry project '${slug}' was not found in organization '${org}': check sentry-project (slugs, not names) ` +
          'and that the token can see it',
        'not-found',
        404
      )
    )
    const project = parse(wireProject, body, `GET ${path}`)
    return { id: project.id, slug }
  }

  async function listOrgProjects(slugs: string[]): Promise<{ id: string; slug: string }[]> {
    const path = `${orgPath}/projects/`
    const params = new URLSearchParams({ per_page: '100', limit: '100' })
    const found = new Map<string, string>()
    const wanted = new Set(slugs)
    const followed = new Set<string>()
    for (let page = 1; page <= maxPages * 5; page++) {
      const { body, headers: responseHeaders } = await getJson(path, params, () =>
        fail(
          `Sentry organization '${org}' was not found at ${host}: check sentry-org (the organization slug) and sentry-host`,
          'not-found',
          404
        )
      )
      for (const project of parse(z.array(wireProject), body, `GET ${path}`)) {
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
    const { body } = await getJson(path, new URLSearchParams(), () =>
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
        const { body, headers: responseHeaders } = await getJson(path, params, notFound)
        yield parse(wireIssueList, body, `GET ${path}`).map(toIssue)
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

/**
 * The cursor of rel="next" when its results="true". Only the cursor is taken: the next request goes to the same
 * base URL (a self-hosted Sentry behind a proxy may advertise an internal host; the token never follows a link).
 */
export function nextCursor(link: string | null): string | undefined {
  if (!link) return undefined
  for (const match of link.matchAll(/<([^>]*)>([^<]*)/g)) {
    const url = match[1] ?? ''
    const attributes = new Map<string, string>()
    for (const attr of (match[2] ?? '').matchAll(/;\s*([a-zA-Z_]+)\s*=\s*"([^"]*)"/g)) {
      attributes.set((attr[1] ?? '').toLowerCase(), attr[2] ?? '')
    }
    if (attributes.get('rel') !== 'next') continue
    if (attributes.get('results') !== 'true') return undefined
    const cursor = attributes.get('cursor') ?? cursorFromUrl(url)
    return cursor || undefined
  }
  return undefined
}

function cursorFromUrl(url: string): string | undefined {
  try {
    return new URL(url).searchParams.get('cursor') ?? undefined
  } catch {
    return undefined
  }
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER'
])

/** What went wrong below HTTP, whether a retry can help, and whether it is about TLS trust. */
function describeNetworkError(
  error: unknown,
  timeoutMs: number
): { text: string; permanent: boolean; tls: boolean } {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { text: `no complete answer within ${seconds(timeoutMs)}`, permanent: false, tls: false }
  }
  // Duck-typed: fetch's errors may come from another realm (a test VM), where instanceof Error is false.
  const rawCause =
    typeof error === 'object' && error !== null ? (error as { cause?: unknown }).cause : undefined
  const cause =
    typeof rawCause === 'object' && rawCause !== null
      ? (rawCause as { code?: unknown; message?: unknown })
      : undefined
  const code = typeof cause?.code === 'string' ? cause.code : undefined
  const detail = typeof cause?.message === 'string' && cause.message !== '' ? cause.message : errorText(error)
  const tls = code !== undefined && TLS_CODES.has(code)
  return { text: code && !detail.includes(code) ? `${code}: ${detail}` : detail, permanent: tls, tls }
}

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

function pathText(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(response)'
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('')
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`
}

function errorText(error: unknown): string {
  const message =
    typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined
  return typeof message === 'string' ? message : String(error)
}
