// The GitHub side of the fix-quality ledger, over the action's one Octokit (createOctokit: retries and rate limits are
// the plugins' job). It finds the action's PRs with GitHub's issue search (label + creation date, so the repository's
// other PRs are never listed) and lists the commits of a PR's branch. Responses are validated with zod, failures are
// classified by HTTP status (toGitHubError), and every request is counted for the ledger's cost report.
import type { Octokit } from '@octokit/rest'
import { z } from 'zod'
import type { LedgerCommit, LedgerPullRequest, LedgerSource, Log } from '../ports.js'
import { parseLinkHeader } from '../domain/link-header.js'
import { describeZodError } from '../domain/zod-errors.js'
import { toGitHubError } from './github-octokit.js'

/** GitHub's issue search serves at most this many results for one query, whatever the page. */
export const SEARCH_RESULT_LIMIT = 1_000
const PER_PAGE = 100

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

/** GitHub answered 2xx with a body of another shape: not a transport failure, so never retried or reclassified. */
export class GitHubShapeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'GitHubShapeError'
  }
}

/** A search qualifier's value, quoted when it holds a space or a quote. */
function qualifierValue(value: string): string {
  return /[\s"]/.test(value) ? `"${value.replace(/"/g, '\\"')}"` : value
}

/** The URL of the next page from a `Link` header, or undefined on the last page. */
function nextLink(headers: Record<string, unknown>): string | undefined {
  const link = typeof headers.link === 'string' ? headers.link : undefined
  const next = parseLinkHeader(link).find(entry => entry.attributes.get('rel') === 'next')
  return next === undefined || next.url === '' ? undefined : next.url
}

export function createGitHubLedger(
  octokit: Octokit,
  repo: { owner: string; repo: string },
  log: Log
): LedgerSource {
  const full = `${repo.owner}/${repo.repo}`
  let requests = 0

  function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
    const result = schema.safeParse(body)
    if (result.success) return result.data
    throw new GitHubShapeError(
      `GitHub answered ${what} with an unexpected shape: ${describeZodError(result.error)}`
    )
  }

  return {
    requests: () => requests,

    async actionPullRequests({ label, since }) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(since))
        throw new Error(`since must be a date (YYYY-MM-DD), got '${since}'`)
      const q = `repo:${full} is:pr label:${qualifierValue(label)} created:>=${since}`
      const what = `searching ${full} for the action's pull requests (label ${label}, created since ${since})`
      const pullRequests: LedgerPullRequest[] = []
      let complete = true
      let total = 0
      let next: string | undefined
      let page = 0
      try {
        do {
          const response =
            next === undefined
              ? await octokit.rest.search.issuesAndPullRequests({ q, per_page: PER_PAGE })
              : await octokit.request(`GET ${next}`)
          requests++
          page++
          const data = parse(wireSearchPage, response.data, `GET /search/issues (page ${page})`)
          total = data.total_count
          if (data.incomplete_results) complete = false
          for (const item of data.items) {
            if (!item.pull_request) continue // an issue: `is:pr` should have left it out
            pullRequests.push({
              number: item.number,
              url: item.html_url,
              state: item.state,
              createdAt: item.created_at,
              closedAt: item.closed_at,
              mergedAt: item.pull_request.merged_at ?? null,
              body: item.body ?? null,
              labels: item.labels.flatMap(l => (l.name ? [l.name] : []))
            })
          }
          next = nextLink(response.headers as Record<string, unknown>)
          // GitHub serves no page past its result limit; a loop of `next` links must not run away either.
        } while (next !== undefined && page < Math.ceil(SEARCH_RESULT_LIMIT / PER_PAGE))
      } catch (error) {
        if (error instanceof GitHubShapeError) throw error
        throw toGitHubError(error, what)
      }
      if (total > pullRequests.length) complete = false
      log.debug(
        `Search found ${pullRequests.length} of ${total} pull request(s) labelled ${label} in ${full} ` +
          `(${page} page(s)${complete ? '' : ', incomplete'})`
      )
      return { pullRequests, complete }
    },

    async pullRequestCommits(number) {
      const commits: LedgerCommit[] = []
      let page = 0
      try {
        for await (const response of octokit.paginate.iterator(octokit.rest.pulls.listCommits, {
          ...repo,
          pull_number: number,
          per_page: PER_PAGE
        })) {
          requests++
          page++
          const data = parse(
            wireCommits,
            response.data,
            `GET /repos/${full}/pulls/${number}/commits (page ${page})`
          )
          for (const c of data)
            commits.push({ sha: c.sha.toLowerCase(), authorEmail: c.commit.author?.email ?? null })
        }
      } catch (error) {
        if (error instanceof GitHubShapeError) throw error
        throw toGitHubError(error, `listing the commits of pull request #${number} in ${full}`)
      }
      log.debug(`Pull request #${number}: ${commits.length} commit(s)`)
      return commits
    }
  }
}
