// The ledger's GraphQL side: one paginated search (100 a page) that returns each of the action's PRs with its state,
// times, body (the trailer), head branch, labels and the first two commits of its branch, so the whole ledger costs
// ceil(PRs / 100) requests. octokit.graphql posts to <apiUrl>/graphql (and to <server>/api/graphql for a GHES
// baseUrl ending in /api/v3), through the same retry and throttling plugins as REST.
import type { Octokit } from '@octokit/rest'
import { z } from 'zod'
import type { LedgerCommit, LedgerPullRequest, Log } from '../ports.js'
import { cap } from '../domain/text.js'
import { toGitHubError } from './github-octokit.js'
import {
  GitHubShapeError,
  PER_PAGE,
  SEARCH_RESULT_LIMIT,
  parseAnswer,
  type SearchOutcome
} from './github-ledger-common.js'

/** Two commits tell "only the action's commit" (one, the trailer's) from a branch a person added to. */
export const FIRST_COMMITS = 2

export const LEDGER_SEARCH_QUERY = `query LedgerPullRequests($q: String!, $cursor: String) {
  search(type: ISSUE, query: $q, first: ${PER_PAGE}, after: $cursor) {
    issueCount
    pageInfo { hasNextPage endCursor }
    nodes {
      ... on PullRequest {
        number
        url
        state
        createdAt
        mergedAt
        closedAt
        body
        headRefName
        labels(first: 100) { nodes { name } }
        commits(first: ${FIRST_COMMITS}) { totalCount nodes { commit { oid author { email } } } }
      }
    }
  }
}`

const IsoDate = z.iso.datetime({ offset: true })

const wirePullRequest = z.object({
  number: z.number().int().positive(),
  url: z.url(),
  state: z.enum(['OPEN', 'CLOSED', 'MERGED']),
  createdAt: IsoDate,
  mergedAt: IsoDate.nullable(),
  closedAt: IsoDate.nullable(),
  /** GitHub gives '' for an empty body */
  body: z.string(),
  headRefName: z.string(),
  labels: z.object({ nodes: z.array(z.object({ name: z.string() }).nullable()) }).nullable(),
  commits: z.object({
    totalCount: z.number().int().nonnegative(),
    nodes: z.array(
      z
        .object({
          commit: z.object({
            oid: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/i, 'expected a commit SHA'),
            author: z.object({ email: z.string().nullable() }).nullable()
          })
        })
        .nullable()
    )
  })
})

const wireSearch = z.object({
  search: z.object({
    issueCount: z.number().int().nonnegative(),
    pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
    /** an issue (not a PullRequest) comes as {}: the inline fragment selects nothing on it */
    nodes: z.array(z.record(z.string(), z.unknown()).nullable())
  })
})

export interface GraphQLLedgerContext {
  octokit: Octokit
  log: Log
  /** called once per request sent */
  count: () => void
}

/**
 * The PRs the search `q` finds, every page. A failure of the first page throws (the caller falls back to REST); a
 * failure of a later page keeps the pages read, with a warning, and answers incomplete.
 */
export async function graphqlSearch(
  context: GraphQLLedgerContext,
  q: string,
  what: string
): Promise<SearchOutcome<LedgerPullRequest>> {
  const { octokit, log } = context
  const pullRequests: LedgerPullRequest[] = []
  let complete = true
  let total = 0
  let cursor: string | null = null
  let page = 0
  do {
    page++
    let data: z.infer<typeof wireSearch>
    try {
      context.count()
      const answer = await octokit.graphql<unknown>(LEDGER_SEARCH_QUERY, { q, cursor })
      data = parseAnswer(wireSearch, answer, `the GraphQL search (page ${page})`)
      for (const [i, node] of data.search.nodes.entries()) {
        if (node === null || Object.keys(node).length === 0) continue // not a pull request
        pullRequests.push(
          toPullRequest(parseAnswer(wirePullRequest, node, `the GraphQL search (page ${page}, node ${i})`))
        )
      }
    } catch (error) {
      if (page === 1) throw new GraphQLSearchFailed(describeFailure(error, what), { cause: error })
      log.warning(
        `GitHub's GraphQL search failed on page ${page} (${describeFailure(error, what)}): the ledger keeps the ` +
          `${pullRequests.length} pull request(s) of the pages before.`
      )
      complete = false
      break
    }
    total = data.search.issueCount
    cursor = data.search.pageInfo.hasNextPage ? data.search.pageInfo.endCursor : null
    // GitHub serves no page past its result limit; a cursor that never ends must not run away either.
  } while (cursor !== null && page < Math.ceil(SEARCH_RESULT_LIMIT / PER_PAGE))
  if (total > pullRequests.length) complete = false
  log.debug(
    `GraphQL search found ${pullRequests.length} of ${total} pull request(s) (${page} page(s)${complete ? '' : ', incomplete'})`
  )
  return { pullRequests, complete }
}

/** The GraphQL search could not be read at all: the reason says why, in words a person can act on. */
export class GraphQLSearchFailed extends Error {
  constructor(reason: string, options: { cause: unknown }) {
    super(reason, options)
    this.name = 'GraphQLSearchFailed'
  }
}

function toPullRequest(pr: z.infer<typeof wirePullRequest>): LedgerPullRequest {
  const first = pr.commits.nodes.flatMap((n): LedgerCommit[] =>
    n ? [{ sha: n.commit.oid.toLowerCase(), authorEmail: n.commit.author?.email ?? null }] : []
  )
  return {
    number: pr.number,
    url: pr.url,
    state: pr.state === 'OPEN' ? 'open' : 'closed',
    createdAt: pr.createdAt,
    closedAt: pr.closedAt,
    mergedAt: pr.mergedAt,
    body: pr.body === '' ? null : pr.body,
    labels: (pr.labels?.nodes ?? []).flatMap(l => (l ? [l.name] : [])),
    headRefName: pr.headRefName,
    commits: { total: pr.commits.totalCount, first }
  }
}

/**
 * Why a GraphQL request failed. GitHub answers most GraphQL failures with HTTP 200 and an `errors` list (Octokit
 * throws them as a GraphqlResponseError): its messages are quoted; an HTTP failure is classified by status.
 */
function describeFailure(error: unknown, what: string): string {
  if (error instanceof GitHubShapeError) return error.message
  // a GraphqlResponseError holds them; plugin-retry rethrows GitHub's query timeout as a 500 with the answer
  const thrown = error as { errors?: unknown; response?: { data?: { errors?: unknown } } } | null
  const errors = typeof error === 'object' ? (thrown?.errors ?? thrown?.response?.data?.errors) : undefined
  if (Array.isArray(errors)) {
    const messages = errors.map(e =>
      typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string'
        ? (e as { message: string }).message
        : 'an error without a message'
    )
    const shown = [...new Set(messages)].slice(0, 3).join('; ')
    return `GitHub's GraphQL API answered with ${errors.length} error(s) while ${what}: ${cap(shown, 300)}`
  }
  return toGitHubError(error, `${what} over GraphQL`).message
}
