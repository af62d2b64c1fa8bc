// The GitHub side of the fix-quality ledger, over the action's one Octokit (createOctokit: retries and rate limits are
// the plugins' job). It finds the action's PRs with GitHub's search (label + creation date, so the repository's other
// PRs are never listed): over GraphQL, each PR with its first commits, ceil(PRs / 100) requests in all. Where the
// GraphQL search fails (an error, a token it refuses, a GHES whose schema lacks a field), a warning, then the REST
// issue search, and the ledger lists a merged PR's commits with one more request each. Every request is counted for
// the ledger's cost report, the failed GraphQL one included.
import type { Octokit } from '@octokit/rest'
import type { LedgerSource, Log } from '../ports.js'
import { ledgerSearchQuery } from './github-ledger-common.js'
import { GraphQLSearchFailed, graphqlSearch } from './github-ledger-graphql.js'
import { restPullRequestCommits, restSearch, type RestLedgerContext } from './github-ledger-rest.js'

export function createGitHubLedger(
  octokit: Octokit,
  repo: { owner: string; repo: string },
  log: Log
): LedgerSource {
  const full = `${repo.owner}/${repo.repo}`
  let requests = 0
  const count = (): void => {
    requests++
  }
  const rest: RestLedgerContext = { octokit, repo, log, count }

  return {
    requests: () => requests,

    async actionPullRequests({ label, since }) {
      const q = ledgerSearchQuery(repo, label, since)
      const what = `searching ${full} for the action's pull requests (label ${label}, created since ${since})`
      try {
        return await graphqlSearch({ octokit, log, count }, q, what)
      } catch (error) {
        if (!(error instanceof GraphQLSearchFailed)) throw error
        log.warning(
          `${error.message}. The fix-quality ledger falls back to GitHub's REST search, with one more request per ` +
            'merged pull request for its commits.'
        )
      }
      return restSearch(rest, q, what)
    },

    pullRequestCommits: number => restPullRequestCommits(rest, number)
  }
}
