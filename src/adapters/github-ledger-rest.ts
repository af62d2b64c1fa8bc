// The ledger's REST side, the fallback where GraphQL fails: GitHub's issue search (every page, 100 a page) for the
// action's PRs, which gives no head branch and no commits, and the commits listing of one PR. Every answer is validated
// with zod, failures are classified by HTTP status (toGitHubError), and `count` is told of every page.
import type { Octokit } from '@octokit/rest'
import { z } from 'zod'
import type { LedgerCommit, LedgerPullRequest, Log } from '../ports.js'
import { parseLinkHeader } from '../domain/link-header.js'
import type { SearchOutcome } from './github-ledger-common.js'
import { ledgerFailure, PER_PAGE, parseAnswer, searchEveryPage } from './github-ledger-common.js'

const IsoDate = z.iso.datetime({ offset: true })

const wireSearchItem = z.object({
  number: z.number().int().positive(),
  html_url: z.url(),
  state: z.enum(['open', 'closed']),
  created_at: IsoDate,
  closed_at: IsoDate.nullable(),
  body: z.string().nullish(),
  labels: z.array(z.object({ name: z.string().nullish() })),
  /** present on pull requests only */
  pull_request: z.object({ merged_at: IsoDate.nullish() }).optional()
})

const wireSearchPage = z.object({
  total_count: z.number().int().nonnegative(),
  incomplete_results: z.boolean(),
  items: z.array(wireSearchItem)
})

const wireCommits = z.array(
  z.object({
    sha: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/i, 'expected a commit SHA'),
    commit: z.object({ author: z.object({ email: z.string().nullish() }).nullable() })
  })
)

export interface RestLedgerContext {
  octokit: Octokit
  repo: { owner: string; repo: string }
  log: Log
  /** called once per page GitHub answered */
  count: () => void
}

/** The URL of the next page from a `Link` header, or undefined on the last page. */
function nextLink(headers: Record<string, unknown>): string | undefined {
  const link = typeof headers.link === 'string' ? headers.link : undefined
  const next = parseLinkHeader(link).find(entry => entry.attributes.get('rel') === 'next')
  return next === undefined || next.url === '' ? undefined : next.url
}

/** The PRs the issue search `q` finds, every page; `what` says what the search is for, in errors. */
export async function restSearch(
  context: RestLedgerContext,
  q: string,
  what: string
): Promise<SearchOutcome<LedgerPullRequest>> {
  const { octokit } = context
  let next: string | undefined
  const readPage = async (page: number) => {
    const response =
      next === undefined
        ? await octokit.rest.search.issuesAndPullRequests({ q, per_page: PER_PAGE })
        : await octokit.request(`GET ${next}`)
    context.count()
    const data = parseAnswer(wireSearchPage, response.data, `GET /search/issues (page ${page})`)
    next = nextLink(response.headers as Record<string, unknown>)
    return {
      // an issue has no pull_request: `is:pr` should have left it out
      pullRequests: data.items.flatMap(item => (item.pull_request ? [toPullRequest(item)] : [])),
      total: data.total_count,
      incomplete: data.incomplete_results,
      more: next !== undefined
    }
  }
  return searchEveryPage('REST', context.log, readPage, error => {
    throw ledgerFailure(error, what)
  })
}

/** A search result as the ledger reads it: REST's search gives no head branch and no commits. */
function toPullRequest(item: z.infer<typeof wireSearchItem>): LedgerPullRequest {
  return {
    number: item.number,
    url: item.html_url,
    state: item.state,
    createdAt: item.created_at,
    closedAt: item.closed_at,
    mergedAt: item.pull_request?.merged_at ?? null,
    body: item.body ?? null,
    labels: item.labels.flatMap(l => (l.name ? [l.name] : [])),
    headRefName: null,
    commits: null
  }
}

/** The commits of pull request `number`'s branch, oldest first, every page. */
export async function restPullRequestCommits(
  context: RestLedgerContext,
  number: number
): Promise<LedgerCommit[]> {
  const { octokit, repo, log } = context
  const full = `${repo.owner}/${repo.repo}`
  const commits: LedgerCommit[] = []
  let page = 0
  try {
    for await (const response of octokit.paginate.iterator(octokit.rest.pulls.listCommits, {
      ...repo,
      pull_number: number,
      per_page: PER_PAGE
    })) {
      context.count()
      page++
      const data = parseAnswer(
        wireCommits,
        response.data,
        `GET /repos/${full}/pulls/${number}/commits (page ${page})`
      )
      for (const c of data)
        commits.push({ sha: c.sha.toLowerCase(), authorEmail: c.commit.author?.email ?? null })
    }
  } catch (error) {
    throw ledgerFailure(error, `listing the commits of pull request #${number} in ${full}`)
  }
  log.debug(`Pull request #${number}: ${commits.length} commit(s)`)
  return commits
}
