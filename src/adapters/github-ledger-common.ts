// What the ledger's two searches (github-ledger-graphql.ts, github-ledger-rest.ts) share: the search query, GitHub's
// result limit, and the check of GitHub's answers against the shapes they are read by.
import type { z } from 'zod'
import { describeZodError } from '../domain/zod-errors.js'

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
