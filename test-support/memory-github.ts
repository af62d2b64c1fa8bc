// The GitHubReader port in memory, over the GitHubWorld the HTTP fake serves (sandbox/fake-github.ts), for pipeline
// tests that need GitHub's answers but not its wire. It answers as the Octokit adapter (src/adapters/github-octokit.ts)
// answers against that fake: the same branch and pull request filters and order, and a GitHubError of the adapter's
// kind and wording where the adapter would throw one. A fault is a response as the HTTP fake would send it
// (githubFaults), turned into the error the adapter makes of it once its retries are spent.
import { GitHubError, toGitHubError } from '../src/adapters/github-octokit.js'
import type { FixPullRequest } from '../src/domain/types.js'
import type { GitHubReader } from '../src/ports.js'
import type { FakeResponse } from './sandbox/http-fake.js'
import type { GitHubWorld } from './sandbox/fake-github.js'

export interface MemoryGitHubFault {
  method: keyof GitHubReader
  /** how many calls of that method get this response; the fault is removed when used up (default 1) */
  times?: number
  response: FakeResponse
}

export interface MemoryGitHub extends GitHubReader {
  /** every call, in order: 'defaultBranch', 'branchSha main', 'listBranches fix/sentry-', 'pullRequests fix/sentry-X' */
  calls: string[]
  /** consumed in order, before the world is read */
  faults: MemoryGitHubFault[]
}

export function memoryGitHub(world: GitHubWorld, options: { htmlOrigin?: string } = {}): MemoryGitHub {
  const { owner, repo } = world
  const full = `${owner}/${repo}`
  const htmlOrigin = options.htmlOrigin ?? 'https://github.com'
  const calls: string[] = []
  const faults: MemoryGitHubFault[] = []

  /** Throws the adapter's error for a fault on this method, if one is pending. */
  function faultFor(method: keyof GitHubReader, what: string): void {
    const fault = faults.find(f => f.method === method)
    if (!fault) return
    fault.times = (fault.times ?? 1) - 1
    if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1)
    throw toGitHubError(requestError(fault.response), what)
  }

  /** branch name -> sha, sorted by name as GitHub lists refs */
  function branches(): [string, string][] {
    const entries = world.branches instanceof Map ? [...world.branches] : Object.entries(world.branches)
    return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  }

  /** GitHub answers 409 for the refs of a repository without any */
  const emptyRepository = (what: string): GitHubError =>
    toGitHubError(requestError({ status: 409, body: { message: 'Git Repository is empty.' } }), what)

  return {
    calls,
    faults,

    async defaultBranch() {
      calls.push('defaultBranch')
      faultFor('defaultBranch', `reading repository ${full}`)
      return world.defaultBranch
    },

    async branchSha(branch) {
      calls.push(`branchSha ${branch}`)
      const what = `reading branch '${branch}' of ${full}`
      faultFor('branchSha', what)
      const all = branches()
      if (all.length === 0) throw emptyRepository(what)
      const sha = all.find(([name]) => name === branch)?.[1]
      if (sha === undefined) {
        throw new GitHubError(
          `Branch '${branch}' not found in ${full} (404). If it is the base branch, check the base-branch input: it ` +
            'must name an existing branch (leave it empty for the default branch).',
          { kind: 'not-found', status: 404 }
        )
      }
      return sha
    },

    async listBranches(prefix) {
      calls.push(`listBranches ${prefix}`)
      const what = `listing branches starting with '${prefix}' in ${full}`
      faultFor('listBranches', what)
      // Octokit's paginate reads GitHub's 409 for a repository without refs as an empty list
      return branches()
        .map(([name]) => name)
        .filter(name => name.startsWith(prefix))
    },

    async pullRequestsForBranch(branch) {
      calls.push(`pullRequests ${branch}`)
      faultFor('pullRequestsForBranch', `listing pull requests from ${owner}:${branch}`)
      return world.pulls
        .filter(p => p.head.ref === branch && (p.head.owner ?? owner).toLowerCase() === owner.toLowerCase())
        .map((p): FixPullRequest => ({
          number: p.number,
          url: `${htmlOrigin}/${full}/pull/${p.number}`,
          state: p.state,
          createdAt: p.created_at,
          closedAt: p.closed_at,
          mergedAt: p.merged_at
        }))
        .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.number - a.number)
    }
  }
}

/** What Octokit throws for an HTTP error answer: a RequestError with the status and the response. */
function requestError(response: FakeResponse): Error & { status: number; response: object } {
  const data = response.raw !== undefined ? String(response.raw) : response.body
  return Object.assign(new Error(`HttpError ${response.status}`), {
    status: response.status,
    // Octokit hands headers over with lower-case names
    response: {
      status: response.status,
      headers: Object.fromEntries(
        Object.entries(response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])
      ),
      data
    }
  })
}
