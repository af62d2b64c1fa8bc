// The ledger's GraphQL side: one paginated search (100 a page) that returns each of the action's PRs with its state,
// times, body (the trailer), head branch, labels and the first two commits of its branch, so the whole ledger costs
// ceil(PRs / 100) requests. octokit.graphql posts to <apiUrl>/graphql (and to <server>/api/graphql for a GHES
// baseUrl ending in /api/v3), through the same retry and throttling plugins as REST.
import type { Octokit } from '@octokit/rest'
import { z } from 'zod'
import type { LedgerCommit, LedgerPullRequest, Log } from '../ports.js'
import { cap } from '../domain/text.js'
import type { SearchOutcome } from './github-ledger-common.js'
import { ledgerFailure, PER_PAGE, parseAnswer, searchEveryPage } from './github-ledger-common.js'

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
  let cursor: string | null = null
  const readPage = async (page: number) => {
    context.count()
    const answer = await context.octokit.graphql<unknown>(LEDGER_SEARCH_QUERY, { q, cursor })
    const { search } = parseAnswer(wireSearch, answer, `the GraphQL search (page ${page})`)
    const pullRequests = search.nodes.flatMap((node, i) =>
      // an empty node is not a pull request
      node === null || Object.keys(node).length === 0
        ? []
        : [toPullRequest(parseAnswer(wirePullRequest, node, `the GraphQL search (page ${page}, node ${i})`))]
    )
    cursor = search.pageInfo.hasNextPage ? search.pageInfo.endCursor : null
    return { pullRequests, total: search.issueCount, incomplete: false, more: cursor !== null }
  }
  return searchEveryPage('GraphQL', context.log, readPage, (error, page, kept) => {
    if (page === 1) throw new GraphQLSearchFailed(describeFailure(error, what), { cause: error })
    context.log.warning(
      `GitHub's GraphQL search failed on page ${page} (${describeFailure(error, what)}): the ledger keeps the ` +
        `${kept} pull request(s) of the pages before.`
    )
  })
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
  return ledgerFailure(error, `${what} over GraphQL`).message
}
