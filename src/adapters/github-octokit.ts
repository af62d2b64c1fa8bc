// The GitHub REST adapter: the action's one Octokit (@actions/github's getOctokit, with retry for 5xx and network
// failures and throttling for primary and secondary rate limits), the read side of the GitHub port, and the
// classification of GitHub's failures by HTTP status.
import { getOctokit } from '@actions/github'
import { defaults as toolkitDefaults } from '@actions/github/lib/utils'
import type { Octokit } from '@octokit/rest'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import { cap } from '../domain/text.js'
import type { FixPullRequest } from '../domain/types.js'
import type { GitHubReader, Log } from '../ports.js'
import { errorMessage } from '../util/errors.js'

type OctokitPlugin = NonNullable<Parameters<typeof getOctokit>[2]>

export interface OctokitOptions {
  token: string
  /** API root, always explicit: https://api.github.com, https://HOST/api/v3 on GHES, a local fake in tests */
  baseUrl: string
  log: Log
  userAgent?: string
  /** retries after a 5xx, a network failure or a rate limit (default 3) */
  retries?: number
  /** give up instead of waiting when a rate limit asks for a longer wait than this (default 300 s) */
  maxRateLimitWaitSeconds?: number
  /** per-request time limit; a request that takes longer fails as a network error and is retried (default 30 s) */
  timeoutMs?: number
  /**
   * A client that only reads (the fix-quality ledger): it refuses every request but GET, HEAD and a GraphQL query,
   * and its GraphQL queries are not spaced 1 s apart. The throttling plugin spaces every /graphql request like a
   * write, because a GraphQL mutation may create content; a query creates none, and GitHub's 1-second advice is for
   * content-creating requests. Rate limits (primary and secondary) are still waited out and retried.
   */
  readOnly?: boolean
}

/** A Bottleneck group that runs each job at once: the write spacing of a client that sends no write. */
const UNSPACED = {
  key: () => ({
    schedule: <T>(_options: unknown, job: (...args: unknown[]) => T | Promise<T>, ...args: unknown[]) =>
      Promise.resolve(job(...args))
  })
}

/** Refuses a request a read-only client must not send: anything but GET, HEAD or a GraphQL query. */
function readOnlyGuard(): OctokitPlugin {
  return octokit => {
    octokit.hook.before('request', options => {
      const method = options.method.toUpperCase()
      if (method === 'GET' || method === 'HEAD') return
      const query = (options as { query?: unknown }).query
      const isQuery =
        options.url === '/graphql' &&
        typeof query === 'string' &&
        !/^\s*(mutation|subscription)\b/.test(query.replace(/#[^\n]*/g, ''))
      if (!isQuery) throw new Error(`a read-only GitHub client refused ${method} ${options.url}`)
    })
  }
}

/** Every 4xx: the retry plugin leaves them alone (the throttling plugin handles 403/429 rate limits itself). */
const DO_NOT_RETRY = Array.from({ length: 100 }, (_, i) => 400 + i)

/**
 * @actions/github's own fetch, with a time limit per attempt (Octokit calls fetch once per attempt, retries included).
 * It is wrapped, not replaced: it goes through HTTPS_PROXY unless NO_PROXY or a loopback address says otherwise
 * (decided for GITHUB_API_URL when the bundle loads), which Node's global fetch does not do.
 */
function timedToolkitFetch(timeoutMs: number): typeof fetch {
  const toolkitFetch: typeof fetch = toolkitDefaults.request?.fetch ?? fetch
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout
    return toolkitFetch(input, { ...init, signal })
  }
}

/** A debug line per attempt, as @octokit/rest's request log wrote. Before the retry plugins, so it sees each attempt. */
function logEachAttempt(log: Log): OctokitPlugin {
  return octokit => {
    octokit.hook.wrap('request', async (request, options) => {
      const { method, url } = octokit.request.endpoint.parse(options)
      const what = `${method} ${url.replace(options.baseUrl, '')}`
      const started = Date.now()
      try {
        const response = await request(options)
        log.debug(`${what} - ${response.status} in ${Date.now() - started} ms`)
        return response
      } catch (error) {
        log.debug(`${what} - failed in ${Date.now() - started} ms: ${cap(errorMessage(error), 200)}`)
        throw error
      }
    })
  }
}

/**
 * The action's one Octokit. Typed as @octokit/rest's, which the GitHub adapters take: getOctokit's client has the same
 * `rest`, `paginate`, `request` and `graphql`, and lacks only the legacy top-level namespaces (`octokit.repos`, ...),
 * which nothing here uses.
 */
export function createOctokit(options: OctokitOptions): Octokit {
  const { log } = options
  const retries = options.retries ?? 3
  const maxWait = options.maxRateLimitWaitSeconds ?? 300
  const timeoutMs = options.timeoutMs ?? 30_000

  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      request: { method: string; url: string },
      _octokit: unknown,
      retryCount: number
    ): boolean => {
      const what = `${request.method} ${request.url}`
      if (retryCount >= retries) {
        log.warning(`GitHub ${kind} on ${what}: giving up after ${retryCount} retries.`)
        return false
      }
      if (retryAfter > maxWait) {
        log.warning(
          `GitHub ${kind} on ${what}: it asks to wait ${retryAfter} s, more than ${maxWait} s; giving up.`
        )
        return false
      }
      log.warning(
        `GitHub ${kind} on ${what}: waiting ${retryAfter} s before retry ${retryCount + 1} of ${retries}.`
      )
      return true
    }

  const octokit = getOctokit(
    options.token,
    {
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      userAgent: options.userAgent ?? 'sentry-codex-triage',
      // Octokit passes request options as extra arguments: only the message string is forwarded, never an object.
      log: {
        debug: (message: string) => options.log.debug(String(message)),
        info: (message: string) => options.log.debug(String(message)),
        warn: (message: string) => options.log.warning(String(message)),
        error: (message: string) => options.log.debug(String(message))
      },
      request: { ...toolkitDefaults.request, fetch: timedToolkitFetch(timeoutMs) },
      retry: { retries, doNotRetry: DO_NOT_RETRY },
      throttle: {
        onRateLimit: onLimit('rate limit'),
        onSecondaryRateLimit: onLimit('secondary rate limit'),
        // the plugin calls only key(id).schedule(options, job) on it: the rest of Bottleneck's Group is not needed
        ...(options.readOnly ? { write: UNSPACED as never } : {})
      }
    },
    ...(options.readOnly ? [readOnlyGuard()] : []),
    logEachAttempt(log),
    retry,
    throttling
  )
  return octokit as Octokit
}

// ---------------------------------------------------------------------------------------------------------------

export type GitHubErrorKind = 'auth' | 'not-found' | 'rate-limit' | 'server' | 'network' | 'validation'

export class GitHubError extends Error {
  readonly kind: GitHubErrorKind
  readonly status?: number

  constructor(message: string, options: { kind: GitHubErrorKind; status?: number }) {
    super(message)
    this.name = 'GitHubError'
    this.kind = options.kind
    if (options.status !== undefined) this.status = options.status
  }
}

interface ResponseLike {
  status?: number
  headers?: Record<string, string | number | undefined>
  data?: unknown
}

/**
 * Turns anything an Octokit call threw into a GitHubError, classified by HTTP status (and rate-limit headers), never
 * by message text. `what` says what the action was doing ("listing fix branches"). The token is never in the message:
 * only GitHub's own `message` field is quoted.
 */
export function toGitHubError(error: unknown, what: string): GitHubError {
  if (error instanceof GitHubError) return error
  const status = numberField(error, 'status')
  const response = objectField(error, 'response') as ResponseLike | undefined
  if (status === undefined || response === undefined || status === 0) {
    return new GitHubError(`Could not reach GitHub while ${what}: ${cap(errorMessage(error), 300)}`, {
      kind: 'network'
    })
  }
  const detail = serverDetail(response.data)
  const headers = response.headers ?? {}
  const said = detail ? `: ${detail}` : ''
  if (status === 401) {
    return new GitHubError(
      `GitHub rejected github-token (401) while ${what}${said}. The token is invalid or expired: check the github-token input.`,
      { kind: 'auth', status }
    )
  }
  const rateLimited =
    status === 429 ||
    (status === 403 && (String(headers['x-ratelimit-remaining']) === '0' || 'retry-after' in headers))
  if (rateLimited) {
    return new GitHubError(
      `GitHub rate limit (${status}) while ${what}${said}. Retries were used up; run again later or use a token with a higher limit.`,
      { kind: 'rate-limit', status }
    )
  }
  if (status === 403) {
    return new GitHubError(
      `GitHub refused github-token (403) while ${what}${said}. The token lacks a permission: the job needs ` +
        '`permissions: contents: read` and `pull-requests: read` (and `contents: write`, `pull-requests: write` to push ' +
        'fixes and open pull requests).',
      { kind: 'auth', status }
    )
  }
  if (status === 404) {
    return new GitHubError(
      `GitHub: repository or ref not found (404) while ${what}${said}. Check the repository and base-branch; a private ` +
        'repository also answers 404 to a token that cannot read it.',
      { kind: 'not-found', status }
    )
  }
  if (status >= 500) {
    return new GitHubError(`GitHub server error (${status}) while ${what}${said}; retries were used up.`, {
      kind: 'server',
      status
    })
  }
  return new GitHubError(
    `GitHub refused the request (${status}) while ${what}${said}${validationErrors(response.data)}`,
    {
      kind: 'validation',
      status
    }
  )
}

function numberField(value: unknown, key: string): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const field = (value as Record<string, unknown>)[key]
  return typeof field === 'number' ? field : undefined
}

function objectField(value: unknown, key: string): object | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const field = (value as Record<string, unknown>)[key]
  return typeof field === 'object' && field !== null ? field : undefined
}

function serverDetail(data: unknown): string {
  if (typeof data === 'string') {
    return cap(
      data
        .replace(/<[^>]*>/g, ' ')
        .replace(/&[a-z]+;/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
      200
    )
  }
  const message =
    typeof data === 'object' && data !== null ? (data as Record<string, unknown>).message : undefined
  return typeof message === 'string' ? cap(message, 300) : ''
}

function validationErrors(data: unknown): string {
  const errors =
    typeof data === 'object' && data !== null ? (data as Record<string, unknown>).errors : undefined
  if (!Array.isArray(errors) || errors.length === 0) return ''
  const parts = errors.slice(0, 5).map(e => {
    const r = typeof e === 'object' && e !== null ? (e as Record<string, unknown>) : {}
    return typeof r.message === 'string'
      ? r.message
      : [r.resource, r.field, r.code].filter(x => typeof x === 'string').join(' ')
  })
  return ` (${cap(parts.join('; '), 300)})`
}

// ---------------------------------------------------------------------------------------------------------------

export function createGitHubReader(
  octokit: Octokit,
  repo: { owner: string; repo: string },
  log: Log
): GitHubReader {
  const { owner } = repo
  const full = `${repo.owner}/${repo.repo}`

  return {
    async defaultBranch() {
      try {
        const { data } = await octokit.rest.repos.get({ ...repo })
        return data.default_branch
      } catch (error) {
        throw toGitHubError(error, `reading repository ${full}`)
      }
    },

    async branchSha(branch) {
      try {
        const { data } = await octokit.rest.git.getRef({ ...repo, ref: `heads/${branch}` })
        return data.object.sha
      } catch (error) {
        if (numberField(error, 'status') === 404 && objectField(error, 'response') !== undefined) {
          throw new GitHubError(
            `Branch '${branch}' not found in ${full} (404). If it is the base branch, check the base-branch input: it ` +
              'must name an existing branch (leave it empty for the default branch).',
            { kind: 'not-found', status: 404 }
          )
        }
        throw toGitHubError(error, `reading branch '${branch}' of ${full}`)
      }
    },

    async listBranches(prefix) {
      try {
        const refs = await octokit.paginate(octokit.rest.git.listMatchingRefs, {
          ...repo,
          ref: `heads/${prefix}`,
          per_page: 100
        })
        const names = refs
          .map(r => r.ref)
          .filter(ref => ref.startsWith(`refs/heads/${prefix}`))
          .map(ref => ref.slice('refs/heads/'.length))
        log.debug(`${names.length} branch(es) starting with '${prefix}' in ${full}`)
        return names
      } catch (error) {
        throw toGitHubError(error, `listing branches starting with '${prefix}' in ${full}`)
      }
    },

    async pullRequestsForBranch(branch) {
      try {
        const pulls = await octokit.paginate(octokit.rest.pulls.list, {
          ...repo,
          head: `${owner}:${branch}`,
          state: 'all',
          per_page: 100
        })
        const mine = pulls
          // GitHub drops a malformed head filter silently; never trust a PR from another branch
          .filter(
            p => p.head.ref === branch && p.head.label.split(':')[0]?.toLowerCase() === owner.toLowerCase()
          )
          .map((p): FixPullRequest => ({
            number: p.number,
            url: p.html_url,
            state: p.state === 'open' ? 'open' : 'closed',
            createdAt: p.created_at,
            closedAt: p.closed_at ?? null,
            mergedAt: p.merged_at ?? null
          }))
          .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.number - a.number)
        log.debug(`${mine.length} pull request(s) from ${owner}:${branch}`)
        return mine
      } catch (error) {
        throw toGitHubError(error, `listing pull requests from ${owner}:${branch}`)
      }
    }
  }
}
