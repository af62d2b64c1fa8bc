// What the ledger's two searches (github-ledger-graphql.ts, github-ledger-rest.ts) share: the search query, GitHub's
// result limit, the walk over the result pages, and the check of GitHub's answers against the shapes they are read by.
import type { z } from 'zod'
import type { Log } from '../ports.js'
import { describeZodError } from '../domain/zod-errors.js'
import { toGitHubError } from './github-octokit.js'

/** GitHub's issue search serves at most this many results for one query, whatever the page or the API. */
export const SEARCH_RESULT_LIMIT = 1_000
/** the largest page either search serves */
export const PER_PAGE = 100

/** GitHub answered 2xx with a body of another shape: not a transport failure, so never retried or reclassified. */
export class GitHubShapeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'GitHubShapeError'
  }
}

/** A failure of `what` as the ledger reports it: a GitHubShapeError as it is, anything else classified by status. */
export function ledgerFailure(error: unknown, what: string): Error {
  return error instanceof GitHubShapeError ? error : toGitHubError(error, what)
}

/** `body` read as `schema`, or a GitHubShapeError naming `what` was asked and where the shape differs. */
export function parseAnswer<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body)
  if (result.success) return result.data
  throw new GitHubShapeError(
    `GitHub answered ${what} with an unexpected shape: ${describeZodError(result.error)}`
  )
}

/** The search for the PRs labelled `label` in `repo` created on or after the day `since` (YYYY-MM-DD). */
export function ledgerSearchQuery(
  repo: { owner: string; repo: string },
  label: string,
  since: string
): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(since)) throw new Error(`since must be a date (YYYY-MM-DD), got '${since}'`)
  return `repo:${repo.owner}/${repo.repo} is:pr label:${qualifierValue(label)} created:>=${since}`
}

/** A search qualifier's value, quoted when it holds a space or a quote. */
function qualifierValue(value: string): string {
  return /[\s"]/.test(value) ? `"${value.replace(/"/g, '\\"')}"` : value
}

/** The search results as the ledger reports them. */
export interface SearchOutcome<T> {
  pullRequests: T[]
  complete: boolean
}

/** One page of the search results, as one API read it. */
export interface SearchPage<T> {
  pullRequests: T[]
  /** how many matches GitHub counts (it serves at most SEARCH_RESULT_LIMIT) */
  total: number
  /** GitHub said the page is incomplete (REST's incomplete_results) */
  incomplete: boolean
  /** a page follows */
  more: boolean
}

/**
 * Every page of a search: `readPage(page)` (page 1 first) until the last page or GitHub's result limit. A page that
 * fails goes to `onFailure`, which throws, or returns to keep the pages read before it (the outcome incomplete).
 */
export async function searchEveryPage<T>(
  api: 'GraphQL' | 'REST',
  log: Log,
  readPage: (page: number) => Promise<SearchPage<T>>,
  onFailure: (error: unknown, page: number, kept: number) => void
): Promise<SearchOutcome<T>> {
  const pullRequests: T[] = []
  let complete = true
  let total = 0
  let page = 0
  let more = true
  // GitHub serves no page past its result limit; a cursor or `next` link that never ends must not run away either.
  while (more && page < Math.ceil(SEARCH_RESULT_LIMIT / PER_PAGE)) {
    page++
    let read: SearchPage<T>
    try {
      read = await readPage(page)
    } catch (error) {
      onFailure(error, page, pullRequests.length)
      complete = false
      break
    }
    pullRequests.push(...read.pullRequests)
    total = read.total
    if (read.incomplete) complete = false
    more = read.more
  }
  if (total > pullRequests.length) complete = false
  log.debug(
    `${api} search found ${pullRequests.length} of ${total} pull request(s) (${page} page(s)${complete ? '' : ', incomplete'})`
  )
  return { pullRequests, complete }
}
