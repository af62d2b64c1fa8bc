// A small JSON-over-HTTP GET client with retries; it knows no service. Global fetch (Node's), so NODE_EXTRA_CA_CERTS
// reaches a server behind a private CA. Each request has a timeout (body included); 429 waits for the rate-limit reset
// header or Retry-After, 5xx, network errors and timeouts back off exponentially with jitter. TLS trust failures are
// not retried. A response is JSON-parsed and validated with zod; anything else comes back as a typed failure for the
// caller to turn into its own error and message (this module throws nothing of its own).
import { STATUS_CODES } from 'node:http'
import type { z } from 'zod'
import type { Log } from '../ports.js'
import { describeZodError } from '../domain/zod-errors.js'

export interface HttpClientOptions {
  /** https://host or http://127.0.0.1:PORT; request paths are appended to it */
  baseUrl: string
  /** sent with every request (authorization, accept, user agent) */
  headers: Record<string, string>
  log: Log
  /** names the server in log lines: `<service>: GET ...` */
  service: string
  sleep?: (ms: number) => Promise<void>
  /** ms since epoch; used to honour the rate-limit reset header and a dated Retry-After */
  now?: () => number
  /** per request, body included (default 30 s) */
  requestTimeoutMs?: number
  /** retries after the first attempt for 429, 5xx, network errors and timeouts (default 4) */
  maxRetries?: number
  /** a header holding epoch seconds when a 429's limit resets, read before Retry-After (e.g. x-sentry-rate-limit-reset) */
  rateLimitResetHeader?: string
}

/** Why a request gave no usable body; `what` is `GET <path>`. */
export type HttpFailure =
  /** below HTTP: refused, reset, timed out, TLS; `permanent` when a retry cannot help (TLS trust) */
  | {
      kind: 'network'
      what: string
      text: string
      permanent: boolean
      tls: boolean
      attempts: number
      cause: unknown
    }
  /** a status other than 2xx; for 429 and 5xx only after every retry was spent */
  | { kind: 'status'; what: string; status: number; label: string; body: string; attempts: number }
  /** 2xx with a body that is not JSON */
  | {
      kind: 'not-json'
      what: string
      status: number
      contentType: string | null
      bytes: number
      detail: string
      cause: unknown
    }
  /** 2xx JSON of another shape than the schema; `problems` names the first three */
  | { kind: 'shape'; what: string; problems: string }

export type HttpResult<T> = { ok: true; body: T; headers: Headers } | { ok: false; failure: HttpFailure }

export interface HttpClient {
  /** GET path?params, retried as the header says, its JSON body validated against schema. */
  getJson<T>(path: string, params: URLSearchParams, schema: z.ZodType<T>): Promise<HttpResult<T>>
}

const BACKOFF_BASE_MS = 1_000
const BACKOFF_MAX_MS = 60_000
const RATE_LIMIT_WAIT_MAX_MS = 120_000

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const { headers, log, service } = options
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms)))
  const now = options.now ?? Date.now
  const timeoutMs = options.requestTimeoutMs ?? 30_000
  const maxRetries = options.maxRetries ?? 4
  const resetHeader = options.rateLimitResetHeader

  async function getJson<T>(
    path: string,
    params: URLSearchParams,
    schema: z.ZodType<T>
  ): Promise<HttpResult<T>> {
    const qs = params.toString()
    const target = `${path}${qs ? `?${qs}` : ''}`
    const what = `GET ${path}`
    for (let attempt = 0; ; attempt++) {
      log.debug(`${service}: GET ${target}`)
      let response: Response
      let text: string
      try {
        response = await fetch(`${baseUrl}${target}`, { headers, signal: AbortSignal.timeout(timeoutMs) })
        text = await response.text()
      } catch (error) {
        const problem = describeNetworkError(error, timeoutMs)
        if (problem.permanent || attempt >= maxRetries) {
          return {
            ok: false,
            failure: { kind: 'network', what, ...problem, attempts: attempt + 1, cause: error }
          }
        }
        const wait = backoff(attempt)
        log.warning(
          `${service}: ${what} failed (${problem.text}); retrying in ${seconds(wait)} (retry ${attempt + 1} of ${maxRetries})`
        )
        await sleep(wait)
        continue
      }

      const status = response.status
      if (response.ok) {
        let body: unknown
        try {
          body = JSON.parse(text) as unknown
        } catch (error) {
          const contentType = response.headers.get('content-type')
          const failure: HttpFailure = {
            kind: 'not-json',
            what,
            status,
            contentType,
            bytes: text.length,
            detail: errorText(error),
            cause: error
          }
          return { ok: false, failure }
        }
        const result = schema.safeParse(body)
        if (result.success) return { ok: true, body: result.data, headers: response.headers }
        return {
          ok: false,
          failure: { kind: 'shape', what, problems: describeZodError(result.error, { root: '(response)' }) }
        }
      }
      // The standard reason phrase, not the server's (HTTP/2 and some proxies send none).
      const label = `${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''}`
      if ((status === 429 || status >= 500) && attempt < maxRetries) {
        const wait =
          status === 429
            ? (rateLimitWait(response.headers) ?? backoff(attempt))
            : (retryAfter(response.headers) ?? backoff(attempt))
        log.warning(
          `${service}: ${what} answered ${label}; retrying in ${seconds(wait)} (retry ${attempt + 1} of ${maxRetries})`
        )
        await sleep(wait)
        continue
      }
      return {
        ok: false,
        failure: { kind: 'status', what, status, label, body: text, attempts: attempt + 1 }
      }
    }
  }

  function backoff(attempt: number): number {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt)
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2))
  }

  /** The reset header (epoch seconds) first, then Retry-After; capped at 120 s. */
  function rateLimitWait(h: Headers): number | undefined {
    const rawReset = resetHeader === undefined ? null : h.get(resetHeader)
    const reset = Number(rawReset ?? '')
    if (rawReset && Number.isFinite(reset)) {
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

  return { getJson }
}

// ------------------------------------------------------------------------------------------------------ helpers

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

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`
}

function errorText(error: unknown): string {
  const message =
    typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined
  return typeof message === 'string' ? message : String(error)
}
