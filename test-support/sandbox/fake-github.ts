// A local fake of the parts of GitHub's REST API the action uses, on 127.0.0.1, built on http-fake.ts.
// It follows GitHub's documented shapes, status codes and headers (api version 2022-11-28): token auth with 401/403,
// rate-limit headers on every answer, `Link` pagination, percent-encoded refs, 404/409/422 bodies as GitHub sends them.
// Branches come from an in-memory map or, with `bareRepo`, from a real bare git repository read with ASYNC git
// (a synchronous child talking to a server in this same process would deadlock it). GET /search/issues searches the
// world's pull requests (the fake has no issues) by the qualifiers the action uses; any other term is refused with a
// 422 naming it, so a test never silently relies on a qualifier the fake ignores. POST /graphql answers GraphQL
// queries over the part of GitHub's schema the ledger reads (search, PullRequest, its labels and commits), validated
// and executed by fake-graphql.ts with GitHub's error shapes; `graphqlFailure` makes it fail as GitHub can.
import { createHash } from 'node:crypto'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { FieldError, answerGraphQL, type Schema, type TypeDef } from './fake-graphql.js'
import { startFakeServer, type FakeResponse, type RecordedRequest } from './http-fake.js'

const execFileAsync = promisify(execFile)

// ---------------------------------------------------------------------------------------------------------------
// The world the fake serves

export interface WorldLabel {
  name: string
  /** six hex digits, no `#` (default ededed) */
  color?: string
  description?: string | null
}

export interface WorldCommit {
  sha: string
  message: string
  author: { name: string; email: string; date: string }
  /** GitHub login of the author, null when the email maps to no account */
  login: string | null
  parents: string[]
}

export interface WorldPull {
  number: number
  /** `owner` is the head repository's owner: the world's owner unless the PR comes from a fork */
  head: { ref: string; sha: string; owner?: string }
  /** `sha` defaults to the base branch's current commit */
  base: { ref: string; sha?: string }
  state: 'open' | 'closed'
  title: string
  body: string | null
  created_at: string
  updated_at: string
  closed_at: string | null
  merged_at: string | null
  merge_commit_sha: string | null
  /** label names */
  labels: string[]
  user: { login: string }
  draft: boolean
  requested_reviewers: string[]
  requested_teams: string[]
  /** what GET /pulls/{n}/commits answers; default: the bare repo's base..head, else one commit at head.sha */
  commits?: WorldCommit[]
}

export interface GitHubWorld {
  owner: string
  repo: string
  defaultBranch: string
  /** branch name -> commit sha; ignored when the fake reads a bare repository */
  branches: Map<string, string> | Record<string, string>
  pulls: WorldPull[]
  /** the repository's labels */
  labels: WorldLabel[]
  /** default false */
  private?: boolean
  /** when set, reviewers may only be requested from these logins (GitHub's collaborator rule) */
  collaborators?: string[]
  /** login that authors pull requests created through the API (default github-actions[bot]) */
  actor?: string
}

export interface GitHubFault {
  match: (req: RecordedRequest) => boolean
  /** how many matching requests get this response; the fault is removed when used up */
  times: number
  response: FakeResponse
}

/**
 * How POST /graphql fails, for the callers' fallbacks: 'not-accessible' answers as GitHub answers a token that may not
 * read through GraphQL (HTTP 200, a FORBIDDEN error, data null); `missingFields` ('PullRequest.headRefName') serves a
 * schema without those fields, as an older GitHub Enterprise Server does (HTTP 200, undefinedField errors).
 */
export type GraphQLFailure = 'not-accessible' | { missingFields: string[] }

export interface FakeGitHubOptions {
  /** tokens the fake accepts; without this option any token may read and write */
  tokens?: { write?: string[]; read?: string[] }
  latencyMs?: number
  /** path of a bare git repository whose refs are the repository's branches (read live, so tests may push) */
  bareRepo?: string
  /** web origin used in html_url fields (default https://github.com); never contacted */
  htmlOrigin?: string
  /** POST /graphql fails this way (default: it answers) */
  graphqlFailure?: GraphQLFailure | null
}

export interface FakeGitHub {
  /** the API root; pass it as Octokit's baseUrl */
  url: string
  requests: RecordedRequest[]
  /** every recorded request that is not a GET, a HEAD or a GraphQL query, refused ones included */
  writes(): RecordedRequest[]
  /** the token a request carried, null when it had none */
  tokenOf(req: RecordedRequest): string | null
  /** consumed in order before normal handling (and before authentication) */
  faults: GitHubFault[]
  /** how POST /graphql fails from now on; null: it answers */
  graphqlFailure: GraphQLFailure | null
  world: GitHubWorld
  close(): Promise<void>
}

// ---------------------------------------------------------------------------------------------------------------
// Builders

/** The body of a POST /graphql request as the fake read it: the query document and its variables. */
export function graphqlRequest(
  req: RecordedRequest
): { query: string; variables: Record<string, unknown> } | null {
  if (req.method !== 'POST' || req.path !== '/graphql') return null
  try {
    const body = JSON.parse(req.body) as { query?: unknown; variables?: unknown }
    const variables =
      typeof body.variables === 'object' && body.variables !== null
        ? (body.variables as Record<string, unknown>)
        : {}
    return typeof body.query === 'string' ? { query: body.query, variables } : null
  } catch {
    return null
  }
}

/** A deterministic 40-hex commit sha. */
export function fakeSha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex')
}

export interface PullSpec extends Partial<Omit<WorldPull, 'head' | 'base' | 'user'>> {
  number: number
  /** head branch name, or ref plus sha (and owner for a fork) */
  head: string | { ref: string; sha?: string; owner?: string }
  /** base branch name (default main) */
  base?: string | { ref: string; sha?: string }
  /** author login (default github-actions[bot]) */
  user?: string
}

/**
 * A pull request with consistent defaults: created one hour per number after 2026-01-01, closed when merged_at or
 * closed_at is given, merge_commit_sha set when merged.
 */
export function makePull(spec: PullSpec): WorldPull {
  const head = typeof spec.head === 'string' ? { ref: spec.head } : spec.head
  const base = typeof spec.base === 'string' ? { ref: spec.base } : (spec.base ?? { ref: 'main' })
  const created = spec.created_at ?? isoSeconds(new Date(Date.UTC(2026, 0, 1) + spec.number * 3_600_000))
  const merged = spec.merged_at ?? null
  const closed = spec.closed_at ?? merged
  const state = spec.state ?? (closed !== null ? 'closed' : 'open')
  return {
    number: spec.number,
    head: { ref: head.ref, sha: head.sha ?? fakeSha(`head:${spec.number}:${head.ref}`), owner: head.owner },
    base: { ref: base.ref, sha: base.sha },
    state,
    title: spec.title ?? `fix: resolve ${head.ref}`,
    body: spec.body ?? null,
    created_at: created,
    updated_at: spec.updated_at ?? closed ?? created,
    closed_at: state === 'closed' ? (closed ?? created) : null,
    merged_at: merged,
    merge_commit_sha: spec.merge_commit_sha ?? (merged !== null ? fakeSha(`merge:${spec.number}`) : null),
    labels: spec.labels ?? [],
    user: { login: spec.user ?? 'github-actions[bot]' },
    draft: spec.draft ?? false,
    requested_reviewers: spec.requested_reviewers ?? [],
    requested_teams: spec.requested_teams ?? [],
    ...(spec.commits ? { commits: spec.commits } : {})
  }
}

/** A world with defaults: acme/shop, branch main, no pulls, no labels. */
export function makeWorld(partial: Partial<GitHubWorld> = {}): GitHubWorld {
  return {
    owner: 'acme',
    repo: 'shop',
    defaultBranch: 'main',
    branches: { main: fakeSha('main') },
    pulls: [],
    labels: [],
    ...partial
  }
}

const DOCS = 'https://docs.github.com/rest'

/** Ready-made responses for `fake.faults`, as GitHub sends them. */
export const githubFaults = {
  /** a 502 from GitHub's front end (an HTML page, not JSON) */
  badGateway(): FakeResponse {
    return {
      status: 502,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      raw: '<!DOCTYPE html><html><head><title>Unicorn! &middot; GitHub</title></head><body>No server is currently available to service your request.</body></html>'
    }
  },
  /** a 403 secondary rate limit with retry-after */
  secondaryRateLimit(retryAfterSeconds = 1): FakeResponse {
    return {
      status: 403,
      headers: { 'retry-after': String(retryAfterSeconds) },
      body: {
        message:
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0400:3A5C:1B2D3E:4F5A6B:6746A1C2.',
        documentation_url:
          'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        status: '403'
      }
    }
  },
  /** a primary rate limit: remaining 0, reset soon (403 as for a token, or 429) */
  primaryRateLimit(options: { status?: 403 | 429; resetInSeconds?: number } = {}): FakeResponse {
    const status = options.status ?? 403
    const reset = Math.ceil(Date.now() / 1000) + (options.resetInSeconds ?? 1)
    return {
      status,
      headers: {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': '5000',
        'x-ratelimit-reset': String(reset)
      },
      body: {
        message: 'API rate limit exceeded for installation ID 4242.',
        documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-primary-rate-limits`,
        status: String(status)
      }
    }
  },
  badCredentials(): FakeResponse {
    return { status: 401, body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' } }
  },
  notAccessible(): FakeResponse {
    return {
      status: 403,
      body: { message: 'Resource not accessible by integration', documentation_url: DOCS, status: '403' }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The server

type Role = 'write' | 'read' | 'anonymous'

interface Ctx {
  req: RecordedRequest
  role: Role
  match: RegExpMatchArray
}

interface Route {
  method: string
  pattern: RegExp
  /** GitHub's documentation page for the endpoint (documentation_url in errors) */
  doc: string
  write?: boolean
  /** not under /repos/{owner}/{repo} (search): the handler decides what the caller may see */
  global?: boolean
  handle: (ctx: Ctx) => Promise<FakeResponse> | FakeResponse
}

interface Ref {
  ref: string
  sha: string
  type: 'commit' | 'tag'
}

export async function startFakeGitHub(
  world: GitHubWorld,
  options: FakeGitHubOptions = {}
): Promise<FakeGitHub> {
  const faults: GitHubFault[] = []
  let graphqlFailure = options.graphqlFailure ?? null
  const htmlOrigin = options.htmlOrigin ?? 'https://github.com'
  const resetAt = Math.floor(Date.now() / 1000) + 3600
  const used = new Map<string, number>()
  let requestSeq = 0
  let apiUrl = ''

  const repoApi = (): string => `${apiUrl}/repos/${world.owner}/${world.repo}`
  const repoHtml = (): string => `${htmlOrigin}/${world.owner}/${world.repo}`

  // ----- git data -----
  async function git(args: string[]): Promise<string> {
    const { stdout } = await execFileAsync('git', ['--git-dir', options.bareRepo as string, ...args], {
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
      maxBuffer: 64 * 1024 * 1024
    })
    return stdout
  }

  async function readRefs(): Promise<Ref[]> {
    if (options.bareRepo !== undefined) {
      const out = await git([
        'for-each-ref',
        '--format=%(refname) %(objectname) %(objecttype)',
        'refs/heads',
        'refs/tags'
      ])
      return out
        .split('\n')
        .filter(line => line.length > 0)
        .map(line => {
          const [ref, sha, type] = line.split(' ') as [string, string, string]
          return { ref, sha, type: type === 'tag' ? 'tag' : 'commit' }
        })
    }
    const entries = world.branches instanceof Map ? [...world.branches] : Object.entries(world.branches)
    return entries
      .map(([name, sha]): Ref => ({ ref: `refs/heads/${name}`, sha, type: 'commit' }))
      .sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
  }

  async function branchSha(name: string): Promise<string | undefined> {
    return (await readRefs()).find(r => r.ref === `refs/heads/${name}`)?.sha
  }

  async function commitOf(sha: string, fallback: Partial<WorldCommit> = {}): Promise<WorldCommit> {
    if (options.bareRepo !== undefined) {
      try {
        const out = await git(['show', '-s', '--format=%P%x00%an%x00%ae%x00%aI%x00%B', sha])
        const [parents = '', name = '', email = '', date = '', ...message] = out.split('\0')
        return {
          sha,
          message: message.join('\0').replace(/\n+$/, ''),
          author: { name, email, date },
          login: null,
          parents: parents.trim().split(' ').filter(Boolean)
        }
      } catch {
        // not in the repository (a deleted branch's commit): fall through to a synthetic commit
      }
    }
    return {
      sha,
      message: fallback.message ?? `commit ${sha.slice(0, 7)}`,
      author: fallback.author ?? {
        name: 'github-actions[bot]',
        email: 'bot@example.com',
        date: isoSeconds(new Date())
      },
      login: fallback.login ?? null,
      parents: fallback.parents ?? []
    }
  }

  async function pullCommits(pull: WorldPull): Promise<WorldCommit[]> {
    if (pull.commits) return pull.commits
    if (options.bareRepo !== undefined) {
      try {
        const base = pull.base.sha ?? (await branchSha(pull.base.ref))
        if (base !== undefined) {
          const out = await git(['rev-list', '--reverse', `${base}..${pull.head.sha}`])
          const shas = out.split('\n').filter(Boolean)
          if (shas.length > 0) return Promise.all(shas.map(sha => commitOf(sha)))
        }
      } catch {
        // head no longer in the repository
      }
    }
    return [
      await commitOf(pull.head.sha, {
        message: pull.title,
        login: pull.user.login,
        author: { name: pull.user.login, email: 'bot@example.com', date: pull.created_at }
      })
    ]
  }

  // ----- JSON shapes -----
  function userJson(login: string): Record<string, unknown> {
    const id = numericId(`user:${login}`)
    return {
      login,
      id,
      node_id: nodeId('U', id),
      avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
      url: `${apiUrl}/users/${encodeURIComponent(login)}`,
      html_url: `${htmlOrigin}/${login.replace(/\[bot\]$/, '')}`,
      type: login.endsWith('[bot]') ? 'Bot' : 'User',
      site_admin: false
    }
  }

  function repoJson(owner = world.owner): Record<string, unknown> {
    const fork = owner.toLowerCase() !== world.owner.toLowerCase()
    const id = numericId(`repo:${owner}/${world.repo}`)
    const api = `${apiUrl}/repos/${owner}/${world.repo}`
    return {
      id,
      node_id: nodeId('R', id),
      name: world.repo,
      full_name: `${owner}/${world.repo}`,
      private: world.private ?? false,
      visibility: world.private ? 'private' : 'public',
      owner: userJson(owner),
      html_url: `${htmlOrigin}/${owner}/${world.repo}`,
      description: null,
      fork,
      url: api,
      pulls_url: `${api}/pulls{/number}`,
      git_refs_url: `${api}/git/refs{/sha}`,
      clone_url: `${htmlOrigin}/${owner}/${world.repo}.git`,
      default_branch: world.defaultBranch,
      archived: false,
      disabled: false,
      has_issues: true,
      created_at: '2024-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
      pushed_at: '2026-01-01T00:00:00Z'
    }
  }

  function labelJson(label: WorldLabel): Record<string, unknown> {
    const id = numericId(`label:${label.name}`)
    return {
      id,
      node_id: nodeId('LA', id),
      url: `${repoApi()}/labels/${encodeURIComponent(label.name)}`,
      name: label.name,
      color: label.color ?? 'ededed',
      default: false,
      description: label.description ?? null
    }
  }

  function labelNamed(name: string): WorldLabel {
    return world.labels.find(l => l.name.toLowerCase() === name.toLowerCase()) ?? { name }
  }

  function refJson(ref: Ref): Record<string, unknown> {
    const kind = ref.type === 'tag' ? 'tags' : 'commits'
    return {
      ref: ref.ref,
      node_id: nodeId('REF', numericId(ref.ref)),
      url: `${repoApi()}/git/${ref.ref}`,
      object: { sha: ref.sha, type: ref.type, url: `${repoApi()}/git/${kind}/${ref.sha}` }
    }
  }

  function commitJson(c: WorldCommit): Record<string, unknown> {
    const signature = { name: c.author.name, email: c.author.email, date: c.author.date }
    return {
      sha: c.sha,
      node_id: nodeId('C', numericId(c.sha)),
      commit: {
        author: signature,
        committer: signature,
        message: c.message,
        tree: { sha: fakeSha(`tree:${c.sha}`), url: `${repoApi()}/git/trees/${fakeSha(`tree:${c.sha}`)}` },
        url: `${repoApi()}/git/commits/${c.sha}`,
        comment_count: 0,
        verification: {
          verified: false,
          reason: 'unsigned',
          signature: null,
          payload: null,
          verified_at: null
        }
      },
      url: `${repoApi()}/commits/${c.sha}`,
      html_url: `${repoHtml()}/commit/${c.sha}`,
      comments_url: `${repoApi()}/commits/${c.sha}/comments`,
      author: c.login === null ? null : userJson(c.login),
      committer: c.login === null ? null : userJson(c.login),
      parents: c.parents.map(sha => ({
        sha,
        url: `${repoApi()}/commits/${sha}`,
        html_url: `${repoHtml()}/commit/${sha}`
      }))
    }
  }

  async function pullJson(pull: WorldPull, full: boolean): Promise<Record<string, unknown>> {
    const id = numericId(`pull:${pull.number}`)
    const api = `${repoApi()}/pulls/${pull.number}`
    const issueApi = `${repoApi()}/issues/${pull.number}`
    const headOwner = pull.head.owner ?? world.owner
    const baseSha = pull.base.sha ?? (await branchSha(pull.base.ref)) ?? fakeSha(`base:${pull.base.ref}`)
    const json: Record<string, unknown> = {
      url: api,
      id,
      node_id: nodeId('PR', id),
      html_url: `${repoHtml()}/pull/${pull.number}`,
      diff_url: `${repoHtml()}/pull/${pull.number}.diff`,
      patch_url: `${repoHtml()}/pull/${pull.number}.patch`,
      issue_url: issueApi,
      commits_url: `${api}/commits`,
      review_comments_url: `${api}/comments`,
      review_comment_url: `${repoApi()}/pulls/comments{/number}`,
      comments_url: `${issueApi}/comments`,
      statuses_url: `${repoApi()}/statuses/${pull.head.sha}`,
      number: pull.number,
      state: pull.state,
      locked: false,
      title: pull.title,
      user: userJson(pull.user.login),
      body: pull.body,
      labels: pull.labels.map(name => labelJson(labelNamed(name))),
      milestone: null,
      active_lock_reason: null,
      created_at: pull.created_at,
      updated_at: pull.updated_at,
      closed_at: pull.closed_at,
      merged_at: pull.merged_at,
      merge_commit_sha: pull.merge_commit_sha,
      assignee: null,
      assignees: [],
      requested_reviewers: pull.requested_reviewers.map(userJson),
      requested_teams: pull.requested_teams.map(slug => ({
        id: numericId(`team:${slug}`),
        slug,
        name: slug,
        url: `${apiUrl}/orgs/${world.owner}/teams/${slug}`
      })),
      head: {
        label: `${headOwner}:${pull.head.ref}`,
        ref: pull.head.ref,
        sha: pull.head.sha,
        user: userJson(headOwner),
        repo: repoJson(headOwner)
      },
      base: {
        label: `${world.owner}:${pull.base.ref}`,
        ref: pull.base.ref,
        sha: baseSha,
        user: userJson(world.owner),
        repo: repoJson()
      },
      _links: {
        self: { href: api },
        html: { href: `${repoHtml()}/pull/${pull.number}` },
        issue: { href: issueApi },
        comments: { href: `${issueApi}/comments` },
        commits: { href: `${api}/commits` },
        statuses: { href: `${repoApi()}/statuses/${pull.head.sha}` }
      },
      author_association: pull.user.login.endsWith('[bot]') ? 'NONE' : 'MEMBER',
      auto_merge: null,
      draft: pull.draft
    }
    if (full) {
      const commits = await pullCommits(pull)
      Object.assign(json, {
        merged: pull.merged_at !== null,
        mergeable: pull.state === 'open' ? true : null,
        rebaseable: pull.state === 'open' ? true : null,
        mergeable_state: pull.state === 'open' ? 'clean' : 'unknown',
        merged_by: pull.merged_at !== null ? userJson(world.owner) : null,
        comments: 0,
        review_comments: 0,
        maintainer_can_modify: false,
        commits: commits.length,
        additions: 0,
        deletions: 0,
        changed_files: 0
      })
    }
    return json
  }

  /** A pull request as an item of GET /search/issues (GitHub's issue-search-result-item). */
  function searchItemJson(pull: WorldPull): Record<string, unknown> {
    const id = numericId(`issue:${pull.number}`)
    const issueApi = `${repoApi()}/issues/${pull.number}`
    return {
      url: issueApi,
      repository_url: repoApi(),
      labels_url: `${issueApi}/labels{/name}`,
      comments_url: `${issueApi}/comments`,
      events_url: `${issueApi}/events`,
      html_url: `${repoHtml()}/pull/${pull.number}`,
      id,
      node_id: nodeId('PR', id),
      number: pull.number,
      title: pull.title,
      user: userJson(pull.user.login),
      labels: pull.labels.map(name => labelJson(labelNamed(name))),
      state: pull.state,
      locked: false,
      assignee: null,
      assignees: [],
      milestone: null,
      comments: 0,
      created_at: pull.created_at,
      updated_at: pull.updated_at,
      closed_at: pull.closed_at,
      author_association: pull.user.login.endsWith('[bot]') ? 'NONE' : 'MEMBER',
      active_lock_reason: null,
      draft: pull.draft,
      pull_request: {
        url: `${repoApi()}/pulls/${pull.number}`,
        html_url: `${repoHtml()}/pull/${pull.number}`,
        diff_url: `${repoHtml()}/pull/${pull.number}.diff`,
        patch_url: `${repoHtml()}/pull/${pull.number}.patch`,
        merged_at: pull.merged_at
      },
      body: pull.body,
      timeline_url: `${issueApi}/timeline`,
      performed_via_github_app: null,
      state_reason: null,
      score: 1
    }
  }

  function searchIssues(req: RecordedRequest, role: Role): FakeResponse {
    const doc = `${DOCS}/search/search#search-issues-and-pull-requests`
    const q = req.query.get('q')
    if (q === null || q.trim() === '') {
      return validationFailed(doc, [{ resource: 'Search', field: 'q', code: 'missing' }])
    }
    const query = parseSearchQuery(q)
    if ('unsupported' in query) {
      return validationFailed(doc, [
        {
          message: `The fake GitHub does not support the search term '${query.unsupported}'.`,
          resource: 'Search',
          field: 'q',
          code: 'invalid'
        }
      ])
    }
    const full = `${world.owner}/${world.repo}`.toLowerCase()
    if (query.repos.some(r => r.toLowerCase() !== full) || (role === 'anonymous' && world.private)) {
      return validationFailed(doc, [
        {
          message:
            'The listed users and repositories cannot be searched either because the resources do not exist or you do not have permission to view them.',
          resource: 'Search',
          field: 'q',
          code: 'invalid'
        }
      ])
    }
    const matched = world.pulls.filter(pull => query.filters.every(f => f(pull)))
    const sort = req.query.get('sort')
    const key = (p: WorldPull): string => (sort === 'updated' ? p.updated_at : p.created_at)
    const asc = req.query.get('order') === 'asc'
    matched.sort((a, b) => {
      const c = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.number - b.number
      return asc ? c : -c
    })
    const perPage = Math.min(100, Math.max(1, Number(req.query.get('per_page') ?? '30') || 30))
    const pageNo = Math.max(1, Number(req.query.get('page') ?? '1') || 1)
    if ((pageNo - 1) * perPage >= SEARCH_RESULT_LIMIT) {
      return error(422, 'Only the first 1000 search results are available', `${DOCS}/search/search`)
    }
    const { page, headers } = paginate(req, matched.slice(0, SEARCH_RESULT_LIMIT))
    return {
      status: 200,
      headers,
      body: { total_count: matched.length, incomplete_results: false, items: page.map(searchItemJson) }
    }
  }

  // ----- GraphQL -----
  /** The part of GitHub's GraphQL schema the fake serves, without the fields `graphqlFailure` takes away. */
  function graphqlSchema(): Schema {
    const scalar: TypeDef = { kind: 'scalar', accepts: v => typeof v === 'string' }
    const page = { first: 'Int', after: 'String', last: 'Int', before: 'String' }
    const types: Record<string, TypeDef> = {
      Query: {
        kind: 'object',
        fields: {
          search: {
            type: 'SearchResultItemConnection!',
            args: { query: 'String!', type: 'SearchType!', ...page },
            resolve: (_, args) => graphqlSearch(args)
          }
        }
      },
      SearchType: { kind: 'enum', values: ['DISCUSSION', 'ISSUE', 'ISSUE_ADVANCED', 'REPOSITORY', 'USER'] },
      SearchResultItemConnection: {
        kind: 'object',
        fields: {
          issueCount: { type: 'Int!' },
          pageInfo: { type: 'PageInfo!' },
          nodes: { type: '[SearchResultItem]' }
        }
      },
      PageInfo: {
        kind: 'object',
        fields: {
          hasNextPage: { type: 'Boolean!' },
          hasPreviousPage: { type: 'Boolean!' },
          startCursor: { type: 'String' },
          endCursor: { type: 'String' }
        }
      },
      // the world holds pull requests only: an issue is never returned
      SearchResultItem: { kind: 'union', types: ['Issue', 'PullRequest'], resolveType: () => 'PullRequest' },
      Issue: {
        kind: 'object',
        fields: { number: { type: 'Int!' }, title: { type: 'String!' }, url: { type: 'URI!' } }
      },
      PullRequest: {
        kind: 'object',
        fields: {
          number: { type: 'Int!' },
          title: { type: 'String!' },
          url: { type: 'URI!', resolve: p => `${repoHtml()}/pull/${(p as WorldPull).number}` },
          state: {
            type: 'PullRequestState!',
            resolve: p =>
              (p as WorldPull).merged_at !== null ? 'MERGED' : (p as WorldPull).state.toUpperCase()
          },
          createdAt: { type: 'DateTime!', resolve: p => (p as WorldPull).created_at },
          updatedAt: { type: 'DateTime!', resolve: p => (p as WorldPull).updated_at },
          mergedAt: { type: 'DateTime', resolve: p => (p as WorldPull).merged_at },
          closedAt: { type: 'DateTime', resolve: p => (p as WorldPull).closed_at },
          merged: { type: 'Boolean!', resolve: p => (p as WorldPull).merged_at !== null },
          isDraft: { type: 'Boolean!', resolve: p => (p as WorldPull).draft },
          // GitHub gives '' for an empty body
          body: { type: 'String!', resolve: p => (p as WorldPull).body ?? '' },
          headRefName: { type: 'String!', resolve: p => (p as WorldPull).head.ref },
          headRefOid: { type: 'GitObjectID!', resolve: p => (p as WorldPull).head.sha },
          baseRefName: { type: 'String!', resolve: p => (p as WorldPull).base.ref },
          labels: {
            type: 'LabelConnection',
            args: page,
            resolve: (p, args) => connection((p as WorldPull).labels.map(labelNamed), args, 'labels')
          },
          commits: {
            type: 'PullRequestCommitConnection!',
            args: page,
            resolve: async (p, args) =>
              connection(
                (await pullCommits(p as WorldPull)).map(commit => ({ commit })),
                args,
                'commits'
              )
          }
        }
      },
      PullRequestState: { kind: 'enum', values: ['CLOSED', 'MERGED', 'OPEN'] },
      LabelConnection: {
        kind: 'object',
        fields: { totalCount: { type: 'Int!' }, nodes: { type: '[Label]' }, pageInfo: { type: 'PageInfo!' } }
      },
      Label: {
        kind: 'object',
        fields: {
          name: { type: 'String!' },
          color: { type: 'String!', resolve: l => (l as WorldLabel).color ?? 'ededed' },
          description: { type: 'String', resolve: l => (l as WorldLabel).description ?? null }
        }
      },
      PullRequestCommitConnection: {
        kind: 'object',
        fields: {
          totalCount: { type: 'Int!' },
          nodes: { type: '[PullRequestCommit]' },
          pageInfo: { type: 'PageInfo!' }
        }
      },
      PullRequestCommit: { kind: 'object', fields: { commit: { type: 'Commit!' } } },
      Commit: {
        kind: 'object',
        fields: {
          oid: { type: 'GitObjectID!', resolve: c => (c as WorldCommit).sha },
          message: { type: 'String!' },
          authoredDate: { type: 'DateTime!', resolve: c => (c as WorldCommit).author.date },
          author: { type: 'GitActor', resolve: c => (c as WorldCommit).author }
        }
      },
      GitActor: {
        kind: 'object',
        fields: { name: { type: 'String' }, email: { type: 'String' }, date: { type: 'GitTimestamp' } }
      },
      DateTime: scalar,
      GitTimestamp: scalar,
      URI: scalar,
      GitObjectID: scalar
    }
    if (graphqlFailure !== null && graphqlFailure !== 'not-accessible') {
      for (const missing of graphqlFailure.missingFields) {
        const [typeName = '', field = ''] = missing.split('.')
        const type = types[typeName]
        if (type?.kind === 'object') delete type.fields[field]
      }
    }
    return { query: 'Query', types }
  }

  /** Query.search over the world's pull requests, with the issue search's qualifiers, newest first. */
  function graphqlSearch(args: Record<string, unknown>): unknown {
    if (graphqlFailure === 'not-accessible') {
      throw new FieldError('Resource not accessible by integration', {
        type: 'FORBIDDEN',
        extensions: { saml_failure: false }
      })
    }
    if (args.type !== 'ISSUE')
      throw new FieldError(`The fake GitHub searches type ISSUE only, not ${String(args.type)}.`)
    const query = parseSearchQuery(String(args.query))
    if ('unsupported' in query) {
      throw new FieldError(`The fake GitHub does not support the search term '${query.unsupported}'.`)
    }
    const full = `${world.owner}/${world.repo}`.toLowerCase()
    if (query.repos.some(r => r.toLowerCase() !== full)) {
      throw new FieldError(
        'The listed users and repositories cannot be searched either because the resources do not exist or you do not have permission to view them.',
        { type: 'INVALID' }
      )
    }
    const matched = world.pulls
      .filter(pull => query.filters.every(f => f(pull)))
      .sort((a, b) =>
        a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : b.number - a.number
      )
    const served = connection(matched.slice(0, SEARCH_RESULT_LIMIT), args, 'search')
    return { issueCount: matched.length, pageInfo: served.pageInfo, nodes: served.nodes }
  }

  async function graphql(req: RecordedRequest, role: Role): Promise<FakeResponse> {
    const doc = 'https://docs.github.com/graphql/guides/forming-calls-with-graphql'
    if (role === 'anonymous') {
      return {
        status: 401,
        body: {
          message: 'This endpoint requires you to be authenticated.',
          documentation_url: `${doc}#authenticating-with-graphql`
        }
      }
    }
    const parsed = parseBody(req)
    if (!parsed.ok) return error(400, 'Problems parsing JSON', doc)
    return { status: 200, body: await answerGraphQL(graphqlSchema(), record(parsed.value)) }
  }

  // ----- helpers for answers -----
  const error = (
    status: number,
    message: string,
    doc: string,
    extra: Record<string, unknown> = {}
  ): FakeResponse => ({
    status,
    body: { message, ...extra, documentation_url: doc, status: String(status) }
  })
  const notFound = (doc: string): FakeResponse => error(404, 'Not Found', doc)
  const validationFailed = (doc: string, errors: Record<string, unknown>[]): FakeResponse =>
    error(422, 'Validation Failed', doc, { errors })

  function parseBody(req: RecordedRequest): { ok: true; value: unknown } | { ok: false } {
    if (req.body.trim() === '') return { ok: true, value: {} }
    try {
      return { ok: true, value: JSON.parse(req.body) as unknown }
    } catch {
      return { ok: false }
    }
  }

  function record(value: unknown): Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {}
  }

  function paginate<T>(req: RecordedRequest, items: T[]): { page: T[]; headers: Record<string, string> } {
    const perPageRaw = Number(req.query.get('per_page') ?? '30')
    const perPage = Number.isInteger(perPageRaw) && perPageRaw >= 1 ? Math.min(perPageRaw, 100) : 30
    const pageRaw = Number(req.query.get('page') ?? '1')
    const page = Number.isInteger(pageRaw) && pageRaw >= 1 ? pageRaw : 1
    const last = Math.max(1, Math.ceil(items.length / perPage))
    const slice = items.slice((page - 1) * perPage, page * perPage)
    const link = (p: number, rel: string): string => {
      const query = new URLSearchParams(req.query)
      query.set('page', String(p))
      const path = req.path.split('/').map(encodeURIComponent).join('/')
      return `<${apiUrl.replace(/\/$/, '')}${path}?${query.toString()}>; rel="${rel}"`
    }
    const links: string[] = []
    if (page > 1) links.push(link(Math.min(page - 1, last), 'prev'))
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'))
    if (page > 1) links.push(link(1, 'first'))
    return { page: slice, headers: links.length > 0 ? { link: links.join(', ') } : {} }
  }

  async function listJson<T>(
    req: RecordedRequest,
    items: T[],
    toJson: (t: T) => unknown
  ): Promise<FakeResponse> {
    const { page, headers } = paginate(req, items)
    return { status: 200, headers, body: await Promise.all(page.map(toJson)) }
  }

  function findPull(n: string | undefined): WorldPull | undefined {
    return world.pulls.find(p => String(p.number) === n)
  }

  const now = (): string => isoSeconds(new Date())

  // ----- routes -----
  const R = '^/repos/([^/]+)/([^/]+)'
  const routes: Route[] = [
    {
      method: 'POST',
      pattern: /^\/graphql$/,
      doc: 'https://docs.github.com/graphql',
      global: true,
      handle: ({ req, role }) => graphql(req, role)
    },
    {
      method: 'GET',
      pattern: /^\/search\/issues$/,
      doc: `${DOCS}/search/search#search-issues-and-pull-requests`,
      global: true,
      handle: ({ req, role }) => searchIssues(req, role)
    },
    {
      method: 'GET',
      pattern: new RegExp(`${R}$`),
      doc: `${DOCS}/repos/repos#get-a-repository`,
      handle: () => ({
        status: 200,
        body: { ...repoJson(), permissions: { admin: false, push: true, pull: true } }
      })
    },
    {
      method: 'GET',
      pattern: new RegExp(`${R}/branches/(.+)$`),
      doc: `${DOCS}/branches/branches#get-a-branch`,
      handle: async ({ match }) => {
        const name = match[3] as string
        const sha = await branchSha(name)
        if (sha === undefined) return error(404, 'Branch not found', `${DOCS}/branches/branches#get-a-branch`)
        const commit = commitJson(await commitOf(sha))
        return {
          status: 200,
          body: {
            name,
            commit,
            _links: { self: `${repoApi()}/branches/${name}`, html: `${repoHtml()}/tree/${name}` },
            protected: false,
            protection: {
              enabled: false,
              required_status_checks: { enforcement_level: 'off', contexts: [], checks: [] }
            },
            protection_url: `${repoApi()}/branches/${name}/protection`
          }
        }
      }
    },
    {
      method: 'GET',
      pattern: new RegExp(`${R}/git/ref/(.+)$`),
      doc: `${DOCS}/git/refs#get-a-reference`,
      handle: async ({ match }) => {
        const refs = await readRefs()
        if (refs.length === 0)
          return error(409, 'Git Repository is empty.', `${DOCS}/git/refs#get-a-reference`)
        const ref = refs.find(r => r.ref === `refs/${match[3] as string}`)
        return ref ? { status: 200, body: refJson(ref) } : notFound(`${DOCS}/git/refs#get-a-reference`)
      }
    },
    {
      method: 'GET',
      pattern: new RegExp(`${R}/git/matching-refs/(.*)$`),
      doc: `${DOCS}/git/refs#list-matching-references`,
      handle: async ({ req, match }) => {
        const refs = await readRefs()
        if (refs.length === 0)
          return error(409, 'Git Repository is empty.', `${DOCS}/git/refs#list-matching-references`)
        const prefix = `refs/${match[3] as string}`
        return listJson(
          req,
          refs.filter(r => r.ref.startsWith(prefix)),
          refJson
        )
      }
    },
    {
      method: 'GET',
      pattern: new RegExp(`${R}/pulls$`),
      doc: `${DOCS}/pulls/pulls#list-pull-requests`,
      handle: async ({ req }) => {
        const doc = `${DOCS}/pulls/pulls#list-pull-requests`
        const state = req.query.get('state') ?? 'open'
        if (!['open', 'closed', 'all'].includes(state)) {
          return validationFailed(doc, [{ resource: 'Issue', field: 'state', code: 'invalid' }])
        }
        let pulls = world.pulls.filter(p => state === 'all' || p.state === state)
        const head = req.query.get('head')
        // GitHub ignores a head filter without the `owner:` part (it then lists every pull request)
        if (head !== null && head.includes(':')) {
          const [owner, ...rest] = head.split(':')
          const ref = rest.join(':')
          pulls = pulls.filter(
            p =>
              p.head.ref === ref &&
              (p.head.owner ?? world.owner).toLowerCase() === (owner as string).toLowerCase()
          )
        }
        const base = req.query.get('base')
        if (base !== null) pulls = pulls.filter(p => p.base.ref === base)
        const sort = req.query.get('sort') ?? 'created'
        const direction = req.query.get('direction') ?? (sort === 'created' ? 'desc' : 'asc')
        const key = (p: WorldPull): string =>
          sort === 'updated' || sort === 'popularity' ? p.updated_at : p.created_at
        pulls = [...pulls].sort((a, b) => {
          const c = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.number - b.number
          return direction === 'asc' ? c : -c
        })
        return listJson(req, pulls, p => pullJson(p, false))
      }
    },
    {
      method: 'POST',
      pattern: new RegExp(`${R}/pulls$`),
      doc: `${DOCS}/pulls/pulls#create-a-pull-request`,
      write: true,
      handle: async ({ req }) => {
        const doc = `${DOCS}/pulls/pulls#create-a-pull-request`
        const parsed = parseBody(req)
        if (!parsed.ok) return error(400, 'Problems parsing JSON', doc)
        const body = record(parsed.value)
        for (const field of ['head', 'base', 'title'] as const) {
          if (typeof body[field] !== 'string' || body[field] === '') {
            return validationFailed(doc, [{ resource: 'PullRequest', field, code: 'missing_field' }])
          }
        }
        const headInput = body.head as string
        const [headOwner, headRef] = headInput.includes(':')
          ? [headInput.slice(0, headInput.indexOf(':')), headInput.slice(headInput.indexOf(':') + 1)]
          : [world.owner, headInput]
        const baseRef = body.base as string
        const headSha =
          headOwner.toLowerCase() === world.owner.toLowerCase() ? await branchSha(headRef) : undefined
        if (headSha === undefined) {
          return validationFailed(doc, [{ resource: 'PullRequest', field: 'head', code: 'invalid' }])
        }
        const baseSha = await branchSha(baseRef)
        if (baseSha === undefined) {
          return validationFailed(doc, [{ resource: 'PullRequest', field: 'base', code: 'invalid' }])
        }
        if (world.pulls.some(p => p.state === 'open' && p.head.ref === headRef && p.base.ref === baseRef)) {
          return validationFailed(doc, [
            {
              resource: 'PullRequest',
              code: 'custom',
              message: `A pull request already exists for ${world.owner}:${headRef}.`
            }
          ])
        }
        if (headSha === baseSha) {
          return validationFailed(doc, [
            {
              resource: 'PullRequest',
              code: 'custom',
              message: `No commits between ${baseRef} and ${headRef}`
            }
          ])
        }
        const number = world.pulls.reduce((max, p) => Math.max(max, p.number), 0) + 1
        const created = now()
        const pull: WorldPull = {
          number,
          head: { ref: headRef, sha: headSha },
          base: { ref: baseRef, sha: baseSha },
          state: 'open',
          title: body.title as string,
          body: typeof body.body === 'string' ? body.body : null,
          created_at: created,
          updated_at: created,
          closed_at: null,
          merged_at: null,
          merge_commit_sha: null,
          labels: [],
          user: { login: world.actor ?? 'github-actions[bot]' },
          draft: body.draft === true,
          requested_reviewers: [],
          requested_teams: []
        }
        world.pulls.push(pull)
        return {
          status: 201,
          headers: { location: `${repoApi()}/pulls/${number}` },
          body: await pullJson(pull, true)
        }
      }
    },
    {
      method: 'GET',
      pattern: new RegExp(`${R}/pulls/(\\d+)$`),
      doc: `${DOCS}/pulls/pulls#get-a-pull-request`,
      handle: async ({ match }) => {
        const pull = findPull(match[3])
        return pull
          ? { status: 200, body: await pullJson(pull, true) }
          : notFound(`${DOCS}/pulls/pulls#get-a-pull-request`)
      }
    },
    {
      method: 'GET',
      pattern: new RegExp(`${R}/pulls/(\\d+)/commits$`),
      doc: `${DOCS}/pulls/pulls#list-commits-on-a-pull-request`,
      handle: async ({ req, match }) => {
        const pull = findPull(match[3])
        if (!pull) return notFound(`${DOCS}/pulls/pulls#list-commits-on-a-pull-request`)
        // GitHub lists at most 250 commits of a pull request
        return listJson(req, (await pullCommits(pull)).slice(0, 250), commitJson)
      }
    },
    {
      method: 'POST',
      pattern: new RegExp(`${R}/pulls/(\\d+)/requested_reviewers$`),
      doc: `${DOCS}/pulls/review-requests#request-reviewers-for-a-pull-request`,
      write: true,
      handle: async ({ req, match }) => {
        const doc = `${DOCS}/pulls/review-requests#request-reviewers-for-a-pull-request`
        const pull = findPull(match[3])
        if (!pull) return notFound(doc)
        const parsed = parseBody(req)
        if (!parsed.ok) return error(400, 'Problems parsing JSON', doc)
        const body = record(parsed.value)
        const reviewers = stringArray(body.reviewers)
        const teams = stringArray(body.team_reviewers)
        if (reviewers.some(r => r.toLowerCase() === pull.user.login.toLowerCase())) {
          return error(422, 'Review cannot be requested from pull request author.', doc)
        }
        const collaborators = world.collaborators?.map(c => c.toLowerCase())
        if (collaborators && reviewers.some(r => !collaborators.includes(r.toLowerCase()))) {
          return error(
            422,
            `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${world.owner}/${world.repo} repository.`,
            doc
          )
        }
        for (const r of reviewers) if (!pull.requested_reviewers.includes(r)) pull.requested_reviewers.push(r)
        for (const t of teams) if (!pull.requested_teams.includes(t)) pull.requested_teams.push(t)
        pull.updated_at = now()
        return { status: 201, body: await pullJson(pull, false) }
      }
    },
    {
      method: 'POST',
      pattern: new RegExp(`${R}/issues/(\\d+)/labels$`),
      doc: `${DOCS}/issues/labels#add-labels-to-an-issue`,
      write: true,
      handle: ({ req, match }) => {
        const doc = `${DOCS}/issues/labels#add-labels-to-an-issue`
        const pull = findPull(match[3])
        if (!pull) return notFound(doc)
        const parsed = parseBody(req)
        if (!parsed.ok) return error(400, 'Problems parsing JSON', doc)
        // accepted forms: ["a"], {"labels": ["a"]}, {"labels": [{"name": "a"}]}
        const raw = Array.isArray(parsed.value) ? parsed.value : record(parsed.value).labels
        if (!Array.isArray(raw)) {
          return validationFailed(doc, [{ resource: 'Label', field: 'labels', code: 'missing_field' }])
        }
        const names = raw.map(item => (typeof item === 'string' ? item : String(record(item).name ?? '')))
        if (names.some(name => name.trim() === '')) {
          return validationFailed(doc, [{ resource: 'Label', field: 'name', code: 'invalid' }])
        }
        for (const name of names) {
          // GitHub creates a label that does not exist yet
          const label = world.labels.find(l => l.name.toLowerCase() === name.toLowerCase())
          if (!label) world.labels.push({ name, color: 'ededed', description: null })
          const canonical = label?.name ?? name
          if (!pull.labels.some(l => l.toLowerCase() === canonical.toLowerCase())) pull.labels.push(canonical)
        }
        pull.updated_at = now()
        return { status: 200, body: pull.labels.map(name => labelJson(labelNamed(name))) }
      }
    },
    {
      method: 'GET',
      pattern: new RegExp(`${R}/labels$`),
      doc: `${DOCS}/issues/labels#list-labels-for-a-repository`,
      handle: ({ req }) => listJson(req, world.labels, labelJson)
    },
    {
      method: 'POST',
      pattern: new RegExp(`${R}/labels$`),
      doc: `${DOCS}/issues/labels#create-a-label`,
      write: true,
      handle: ({ req }) => {
        const doc = `${DOCS}/issues/labels#create-a-label`
        const parsed = parseBody(req)
        if (!parsed.ok) return error(400, 'Problems parsing JSON', doc)
        const body = record(parsed.value)
        if (typeof body.name !== 'string' || body.name.trim() === '') {
          return validationFailed(doc, [{ resource: 'Label', field: 'name', code: 'missing_field' }])
        }
        if (
          body.color !== undefined &&
          (typeof body.color !== 'string' || !/^[0-9a-fA-F]{6}$/.test(body.color))
        ) {
          return validationFailed(doc, [{ resource: 'Label', field: 'color', code: 'invalid' }])
        }
        const name = body.name
        if (world.labels.some(l => l.name.toLowerCase() === name.toLowerCase())) {
          return validationFailed(doc, [{ resource: 'Label', code: 'already_exists', field: 'name' }])
        }
        const label: WorldLabel = {
          name,
          color: typeof body.color === 'string' ? body.color.toLowerCase() : 'ededed',
          description: typeof body.description === 'string' ? body.description : null
        }
        world.labels.push(label)
        return {
          status: 201,
          headers: { location: `${repoApi()}/labels/${encodeURIComponent(name)}` },
          body: labelJson(label)
        }
      }
    }
  ]

  // ----- dispatch -----
  function tokenOf(req: RecordedRequest): string | null {
    const header = req.headers.authorization
    if (typeof header !== 'string') return null
    const m = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header)
    return m ? (m[1] as string) : null
  }

  function roleOf(token: string | null): Role | 'unknown' {
    if (token === null) return 'anonymous'
    if (!options.tokens) return 'write'
    if (options.tokens.write?.includes(token)) return 'write'
    if (options.tokens.read?.includes(token)) return 'read'
    return 'unknown'
  }

  function rateHeaders(
    token: string | null,
    resource: 'core' | 'search' | 'graphql'
  ): Record<string, string> {
    const key = `${resource}:${token ?? 'anonymous'}`
    const count = (used.get(key) ?? 0) + 1
    used.set(key, count)
    // search has its own, much smaller, per-minute budget
    const limit = resource === 'search' ? (token === null ? 10 : 30) : token === null ? 60 : 5000
    return {
      'content-type': 'application/json; charset=utf-8',
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - count)),
      'x-ratelimit-reset': String(resetAt),
      'x-ratelimit-used': String(count),
      'x-ratelimit-resource': resource,
      'x-github-api-version-selected': '2022-11-28',
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': `FAKE:${(++requestSeq).toString(16).toUpperCase().padStart(6, '0')}`
    }
  }

  async function handle(req: RecordedRequest): Promise<FakeResponse> {
    const token = tokenOf(req)
    const resource = req.path.startsWith('/search/') ? 'search' : req.path === '/graphql' ? 'graphql' : 'core'
    const common = rateHeaders(token, resource)
    const answer = (response: FakeResponse): FakeResponse => ({
      ...response,
      headers: { ...common, ...response.headers }
    })

    const fault = faults.find(f => f.times > 0 && f.match(req))
    if (fault) {
      fault.times -= 1
      if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1)
      return answer(fault.response)
    }

    const role = roleOf(token)
    if (role === 'unknown') return answer(githubFaults.badCredentials())

    for (const route of routes) {
      if (route.method !== req.method) continue
      const match = route.pattern.exec(req.path)
      if (!match) continue
      if (route.global) return answer(await route.handle({ req, role, match }))
      const sameRepo =
        (match[1] as string).toLowerCase() === world.owner.toLowerCase() &&
        (match[2] as string).toLowerCase() === world.repo.toLowerCase()
      if (!sameRepo || (role === 'anonymous' && world.private)) return answer(notFound(route.doc))
      if (route.write && role === 'anonymous') return answer(error(401, 'Requires authentication', route.doc))
      if (route.write && role === 'read')
        return answer(error(403, 'Resource not accessible by integration', route.doc))
      return answer(await route.handle({ req, role, match }))
    }
    return answer(notFound(DOCS))
  }

  const server = await startFakeServer(
    handle,
    options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}
  )
  apiUrl = server.url
  return {
    url: server.url,
    requests: server.requests,
    // a GraphQL query is a read (POST is only its transport); a mutation is a write
    writes: () =>
      server.requests.filter(r => r.method !== 'GET' && r.method !== 'HEAD' && !isGraphQLQuery(r)),
    tokenOf,
    faults,
    get graphqlFailure() {
      return graphqlFailure
    },
    set graphqlFailure(failure: GraphQLFailure | null) {
      graphqlFailure = failure
    },
    world,
    close: () => server.close()
  }
}

// ---------------------------------------------------------------------------------------------------------------

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function numericId(seed: string): number {
  return parseInt(fakeSha(seed).slice(0, 8), 16) % 900_000_000
}

function nodeId(prefix: string, id: number): string {
  return `${prefix}_kw${Buffer.from(String(id)).toString('base64url')}`
}

/**
 * One page of a GraphQL connection, forward (first/after) as GitHub pages it: at most 100 a page, `first` required,
 * opaque cursors (base64 of `cursor:<position>`).
 */
function connection<T>(
  items: T[],
  args: Record<string, unknown>,
  name: string
): { totalCount: number; nodes: T[]; pageInfo: Record<string, unknown> } {
  if (args.last !== undefined || args.before !== undefined) {
    throw new FieldError(`The fake GitHub pages the \`${name}\` connection forward only (first and after).`)
  }
  const first = args.first
  if (typeof first !== 'number') {
    throw new FieldError(
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`,
      { type: 'MISSING_PAGINATION_BOUNDARIES' }
    )
  }
  if (first > 100 || first < 0) {
    throw new FieldError(
      `Requesting ${first} records on the \`${name}\` connection exceeds the \`first\` limit of 100 records.`,
      { type: 'EXCESSIVE_PAGINATION' }
    )
  }
  let start = 0
  if (typeof args.after === 'string') {
    const m = /^cursor:(\d+)$/.exec(Buffer.from(args.after, 'base64').toString('utf8'))
    if (!m) {
      throw new FieldError(`\`${args.after}\` does not appear to be a valid cursor.`, {
        type: 'INVALID_CURSOR_ARGUMENTS'
      })
    }
    start = Number(m[1])
  }
  const nodes = items.slice(start, start + first)
  const cursor = (position: number): string => Buffer.from(`cursor:${position}`).toString('base64')
  return {
    totalCount: items.length,
    nodes,
    pageInfo: {
      hasNextPage: start + nodes.length < items.length,
      hasPreviousPage: start > 0,
      startCursor: nodes.length > 0 ? cursor(start + 1) : null,
      endCursor: nodes.length > 0 ? cursor(start + nodes.length) : null
    }
  }
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

// ---------------------------------------------------------------------------------------------------------------
// Search queries

/** GitHub's issue search serves at most this many results of one query. */
const SEARCH_RESULT_LIMIT = 1_000

type PullFilter = (pull: WorldPull) => boolean

/**
 * The qualifiers of a search query the fake understands: repo:, is:/type:/state: (pr, issue, open, closed, merged,
 * unmerged), label: (a comma list is an OR, as on GitHub) and created: (>=, >, <=, <, a day, or a range a..b, with dates
 * or ISO times in UTC). Anything else, free text included, is unsupported.
 */
export function parseSearchQuery(
  q: string
): { repos: string[]; filters: PullFilter[] } | { unsupported: string } {
  const repos: string[] = []
  const filters: PullFilter[] = []
  for (const term of q.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []) {
    const m = /^([a-z]+):(.+)$/.exec(term)
    if (!m) return { unsupported: term }
    const [, qualifier, raw] = m as unknown as [string, string, string]
    const value = raw.replace(/"/g, '')
    if (qualifier === 'repo') {
      repos.push(value)
    } else if (qualifier === 'is' || qualifier === 'type' || qualifier === 'state') {
      const filter = stateFilter(qualifier, value.toLowerCase())
      if (!filter) return { unsupported: term }
      filters.push(filter)
    } else if (qualifier === 'label') {
      const names = value.split(',').map(n => n.toLowerCase())
      filters.push(pull => pull.labels.some(l => names.includes(l.toLowerCase())))
    } else if (qualifier === 'created') {
      const range = timeRange(value)
      if (!range) return { unsupported: term }
      filters.push(pull => {
        const at = Date.parse(pull.created_at)
        return at >= range.from && at < range.to
      })
    } else {
      return { unsupported: term }
    }
  }
  return { repos, filters }
}

function stateFilter(qualifier: string, value: string): PullFilter | null {
  if (qualifier === 'is' || qualifier === 'type') {
    if (value === 'pr' || value === 'pull-request') return () => true
    if (value === 'issue') return () => false // the fake holds pull requests only
  }
  if ((qualifier === 'is' || qualifier === 'state') && (value === 'open' || value === 'closed')) {
    return pull => pull.state === value
  }
  if (qualifier === 'is' && value === 'merged') return pull => pull.merged_at !== null
  if (qualifier === 'is' && value === 'unmerged')
    return pull => pull.state === 'closed' && pull.merged_at === null
  return null
}

/** [from, to) in epoch ms for a created: value, or null when the fake cannot read it. */
function timeRange(value: string): { from: number; to: number } | null {
  const bound = (text: string): { start: number; end: number } | null => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
      const start = Date.parse(`${text}T00:00:00Z`)
      return Number.isNaN(start) ? null : { start, end: start + 86_400_000 }
    }
    if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
      const at = Date.parse(text)
      return Number.isNaN(at) ? null : { start: at, end: at + 1 }
    }
    return null
  }
  const range = /^(.+)\.\.(.+)$/.exec(value)
  if (range) {
    const [, a = '', b = ''] = range
    const from = a === '*' ? { start: -Infinity, end: -Infinity } : bound(a)
    const to = b === '*' ? { start: Infinity, end: Infinity } : bound(b)
    return from && to ? { from: from.start, to: to.end } : null
  }
  const cmp = /^(>=|<=|>|<)?(.+)$/.exec(value)
  const at = bound(cmp?.[2] ?? '')
  if (!at) return null
  switch (cmp?.[1]) {
    case '>=':
      return { from: at.start, to: Infinity }
    case '>':
      return { from: at.end, to: Infinity }
    case '<=':
      return { from: -Infinity, to: at.end }
    case '<':
      return { from: -Infinity, to: at.start }
    default:
      return { from: at.start, to: at.end }
  }
}

/** A POST /graphql whose document is a query (no mutation or subscription). */
function isGraphQLQuery(request: RecordedRequest): boolean {
  if (request.method !== 'POST' || request.path !== '/graphql') return false
  let body: { query?: unknown } | null = null
  try {
    body = (typeof request.body === 'string' ? JSON.parse(request.body) : request.body) as {
      query?: unknown
    } | null
  } catch {
    return false
  }
  const query = typeof body?.query === 'string' ? body.query.replace(/#[^\n]*/g, '') : ''
  return query !== '' && !/^\s*(mutation|subscription)\b/.test(query)
}
