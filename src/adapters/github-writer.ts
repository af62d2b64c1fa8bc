// The write side of the GitHub port: open a fix pull request, then label it and ask for reviews.
// Retries after a 5xx or a network failure, and waits on primary and secondary rate limits, are the Octokit plugins'
// job (see createOctokit); this adapter sees only what is left once they gave up. Failures are classified by HTTP
// status and GitHub's structured `errors[]` fields, never by message text, and no message ever carries the token.
import type { Octokit } from '@octokit/rest'
import type { GitHubWriter, Log, OpenPullRequestOutcome } from '../ports.js'
import { toGitHubError } from './github-octokit.js'

export function createGitHubWriter(
  octokit: Octokit,
  repo: { owner: string; repo: string },
  log: Log
): GitHubWriter {
  const full = `${repo.owner}/${repo.repo}`

  /**
   * After a 422 that names an existing pull request: looks for an open PR from `branch`, so that another 422 of the same
   * shape (GitHub also answers `custom` for "No commits between ...") is not taken for a duplicate. Resolves null when
   * the look-up itself fails: the 422's fields are then trusted.
   */
  async function openPullFrom(branch: string): Promise<{ number: number; url: string } | null | undefined> {
    try {
      const { data } = await octokit.rest.pulls.list({
        ...repo,
        head: `${repo.owner}:${branch}`,
        state: 'open',
        per_page: 10
      })
      const pull = data.find(p => p.head.ref === branch)
      return pull ? { number: pull.number, url: pull.html_url } : undefined
    } catch (error) {
      log.debug(
        `Could not list open pull requests from ${branch}: ${toGitHubError(error, 'listing').message}`
      )
      return null
    }
  }

  async function addLabels(number: number, labels: string[]): Promise<void> {
    if (labels.length === 0) return
    try {
      // GitHub creates a label the repository does not have yet (with a default colour)
      await octokit.rest.issues.addLabels({ ...repo, issue_number: number, labels })
      log.debug(`Labelled #${number}: ${labels.join(', ')}`)
    } catch (error) {
      const reason = toGitHubError(error, `labelling pull request #${number} in ${full}`).message
      log.warning(`Pull request #${number} was opened without its labels (${labels.join(', ')}). ${reason}`)
    }
  }

  async function requestReviews(number: number, users: string[], teams: string[]): Promise<void> {
    if (users.length === 0 && teams.length === 0) return
    const who = [...users, ...teams.map(t => `team ${t}`)].join(', ')
    try {
      await octokit.rest.pulls.requestReviewers({
        ...repo,
        pull_number: number,
        ...(users.length > 0 ? { reviewers: users } : {}),
        ...(teams.length > 0 ? { team_reviewers: teams } : {})
      })
      log.debug(`Review requested on #${number} from ${who}`)
    } catch (error) {
      const reason = toGitHubError(error, `requesting reviews on pull request #${number} in ${full}`).message
      log.warning(
        `Pull request #${number} was opened, but no review could be requested from ${who}. ${reason} ` +
          'Reviewers must be collaborators of the repository (teams: slugs of teams with access), and not the ' +
          "pull request's author."
      )
    }
  }

  return {
    async openPullRequest(options): Promise<OpenPullRequestOutcome> {
      const { branch, base } = options
      let opened: { number: number; url: string }
      try {
        const { data } = await octokit.rest.pulls.create({
          ...repo,
          head: branch,
          base,
          title: options.title,
          body: options.body,
          draft: options.draft
        })
        opened = { number: data.number, url: data.html_url }
      } catch (error) {
        const github = toGitHubError(error, `opening a pull request from ${branch} into ${base} in ${full}`)
        if (isPullRequestExists(error)) {
          const existing = await openPullFrom(branch)
          if (existing === undefined) return { kind: 'failed', reason: github.message }
          log.info(
            existing === null
              ? `A pull request from ${branch} already exists in ${full}.`
              : `Pull request #${existing.number} from ${branch} already exists: ${existing.url}`
          )
          return { kind: 'exists' }
        }
        return { kind: 'failed', reason: github.message }
      }
      log.info(`Opened pull request #${opened.number}${options.draft ? ' (draft)' : ''}: ${opened.url}`)

      await addLabels(opened.number, unique(options.labels))
      await requestReviews(opened.number, unique(options.reviewers), unique(options.teamReviewers))
      return { kind: 'opened', ...opened }
    }
  }
}

/**
 * GitHub's answer to a second PR from the same head into the same base: 422 with
 * `errors: [{ resource: 'PullRequest', code: 'custom', message: 'A pull request already exists for o:b.' }]`
 * (`already_exists` accepted too). Recognised by status and fields only.
 */
export function isPullRequestExists(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { status, response } = error as { status?: unknown; response?: { data?: unknown } }
  if (status !== 422 || typeof response !== 'object' || response === null) return false
  const data = response.data
  const errors = typeof data === 'object' && data !== null ? (data as { errors?: unknown }).errors : undefined
  if (!Array.isArray(errors)) return false
  return errors.some(e => {
    if (typeof e !== 'object' || e === null) return false
    const { resource, code } = e as { resource?: unknown; code?: unknown }
    return resource === 'PullRequest' && (code === 'custom' || code === 'already_exists')
  })
}

function unique(values: string[]): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (const raw of values) {
    const value = raw.trim()
    if (value === '' || seen.has(value.toLowerCase())) continue
    seen.add(value.toLowerCase())
    out.push(value)
  }
  return out
}
