// The narrow interfaces the pipeline is given. main.ts wires the real adapters; tests wire fakes.
import type { FixPullRequest, SentryIssue } from './domain/types.js'
import type { TokenUsage } from './schemas/summary.js'

export interface IssueListQuery {
  projectIds: string[]
  query: string
  environment: string
  statsPeriod: string
  /** page size asked of Sentry (<= 100) */
  limit: number
}

export interface SentryApi {
  /** Resolves project slugs to numeric ids; throws SentryError naming a slug that does not exist. */
  resolveProjects(slugs: string[]): Promise<{ id: string; slug: string }[]>
  /**
   * Pages of unresolved issues sorted by frequency, following `Link` while results="true".
   * The caller stops iterating as soon as it has enough; no further page is fetched then.
   */
  issuePages(query: IssueListQuery): AsyncIterable<SentryIssue[]>
  /**
   * The issue's detail and its latest event, as Sentry sends them (unvalidated JSON: the caller extracts a small
   * whitelisted digest and treats every string in it as attacker-controlled).
   */
  issueEvidence(issueId: string): Promise<{ issue: unknown; latestEvent: unknown }>
}

export interface GitHubReader {
  /** The repository's default branch (used when base-branch is empty). */
  defaultBranch(): Promise<string>
  /** The commit SHA a branch points at. */
  branchSha(branch: string): Promise<string>
  /** Every branch name starting with prefix (one paginated matching-refs call). */
  listBranches(prefix: string): Promise<string[]>
  /** Every PR (open or closed) whose head is `branch` in this repository, newest first. */
  pullRequestsForBranch(branch: string): Promise<FixPullRequest[]>
}

export interface ArtifactSink {
  /** Uploads files under rootDir as one artifact. Never throws: a failure is returned for the caller to report. */
  upload(
    name: string,
    files: string[],
    options: { rootDir: string; retentionDays: number }
  ): Promise<{ ok: true; id: number; size: number } | { ok: false; reason: string }>
}

export interface Log {
  info(message: string): void
  debug(message: string): void
  warning(message: string): void
  group<T>(name: string, fn: () => Promise<T>): Promise<T>
}

export interface Clock {
  now(): Date
}

/** The run's own folder under RUNNER_TEMP, where the summary and other hand-off files are written. */
export interface RunFiles {
  readonly dir: string
  /** Writes JSON (pretty, newline-terminated) to dir/name and returns the full path. */
  writeJson(name: string, data: unknown): Promise<string>
  /** Writes text to dir/name (name may hold a sub-folder, created as needed) and returns the full path. */
  writeText(name: string, text: string): Promise<string>
  /** Every file written under dir so far, as paths relative to dir ('/'-separated), sorted. */
  list(): Promise<string[]>
}

/** Artifacts of the current workflow run, for the fanned-out stages (plan -> work -> land). */
export interface ArtifactSource {
  /** The run's artifacts, the latest one per name. Throws when the artifact service cannot be reached. */
  list(): Promise<{ id: number; name: string }[]>
  /**
   * Downloads (and unzips) the run's artifact `name` into destDir, created if missing, and returns that directory.
   * Throws when there is no such artifact, or on a failed or corrupted download.
   */
  download(name: string, destDir: string): Promise<string>
}

/** A downloaded artifact: read its files by their path inside it. */
export interface ArtifactFiles {
  /** The file's text, or null when the artifact has no such file. */
  readText(file: string): Promise<string | null>
}

/** The fanned-out stages' hand-offs, as artifacts of the workflow run (plan.json, work-<SHORTID>/). */
export interface Handoffs {
  /** Uploads run-folder files (paths relative to it) as the run's artifact `name`. Throws when it was not uploaded. */
  publish(name: string, files: string[]): Promise<void>
  /** The names of the run's artifacts. Throws when the artifact service cannot be reached. */
  names(): Promise<string[]>
  /** Downloads the run's artifact `name`. Throws when it is missing, or the download failed or was corrupted. */
  fetch(name: string): Promise<ArtifactFiles>
}

// ---- the agent stage (work) ----

/** One entry of the per-issue audit log (JSONL in the artifact): what the agent did, from codex's event stream. */
export interface AuditEntry {
  /** ISO time the action saw the event */
  at: string
  type: 'mcp_tool_call' | 'command_execution' | 'file_change' | 'agent_message' | 'error' | 'unknown'
  /** the event's salient fields (server/tool/arguments/status for MCP calls, command/exit code for commands ...) */
  detail: Record<string, unknown>
}

/** A codex run's token counts: the summary's TokenUsage without the cost, which the summary computes. */
export type AgentUsage = Omit<TokenUsage, 'cost_usd'>

/** Where one codex run's time went, in milliseconds (domain/codex-events.ts agentTimingsOf). */
export interface AgentTimings {
  /** spawn to exit */
  totalMs: number
  /** spawn to the first model request: codex and the MCP server starting */
  startMs: number
  /** the model responses, each from its request to its end */
  model: { turns: number; ms: number }
  /** the commands, MCP calls and patches the agent ran, each from its start to its end */
  tools: { calls: number; ms: number }
}

export interface AgentRequest {
  shortId: string
  /** the worktree the agent works in (its cwd and only writable root) */
  worktree: string
  prompt: string
  /** whether analyze_issue_with_seer is offered for this issue */
  seer: boolean
  timeoutMs: number
  /**
   * The most tokens (input + output, cached input included) this run may use, or null for no limit: past it codex is
   * stopped and the run fails with a "token budget" reason (domain/token-budget.ts nextAgentRun gives what is left).
   */
  maxTokens: number | null
  /** this issue's folder: codex's raw event stream, the last message, the audit log */
  outDir: string
}

export type AgentOutcome =
  | {
      kind: 'completed'
      /** the agent's last message, verbatim (validated by the caller, never trusted) */
      finalMessage: string
      usage: AgentUsage
      audit: AuditEntry[]
      threadId: string | null
      /** absent when codex was not started */
      timings?: AgentTimings
    }
  | { kind: 'failed'; reason: string; usage: AgentUsage; audit: AuditEntry[]; timings?: AgentTimings }

export interface Agent {
  run(request: AgentRequest): Promise<AgentOutcome>
}

export interface ChangedFile {
  path: string
  /** the path before a rename */
  oldPath?: string
  status: 'added' | 'modified' | 'deleted' | 'renamed' | 'type-changed'
  additions: number
  deletions: number
  binary: boolean
  /** git file mode after the change, e.g. 100644, 100755, 120000 (symlink), 160000 (submodule) */
  mode: string | null
}

export interface WorktreeDiff {
  /** `git diff --binary` of every change against the base, untracked files included */
  patch: string
  files: ChangedFile[]
}

export interface Worktree extends AsyncDisposable {
  readonly path: string
  readonly baseSha: string
}

export interface Repo {
  /**
   * A detached worktree at `sha`, with no credential in any git config the agent could read; with `apply`, that
   * patch (from diff) applied to its files, as the reproduction run needs the fix's tests on the base.
   */
  addWorktree(sha: string, name: string, options?: { apply?: string }): Promise<Worktree>
  /** Every change in the worktree against its base commit; with `only`, the changes to those paths alone. */
  diff(worktree: Worktree, options?: { only?: readonly string[] }): Promise<WorktreeDiff>
  /**
   * The text of each path in commit `sha` (fetched when the checkout lacks it), from git's object store, never from a
   * worktree: null where the commit has no regular file at that path. For the policy, which compares a package.json at
   * the base with what the patch makes of it.
   */
  filesAt(sha: string, paths: readonly string[]): Promise<Map<string, string | null>>
}

// ---- verification and landing (fix mode) ----

export interface TestRun {
  passed: boolean
  /** null when killed at the time budget or when it could not start */
  exitCode: number | null
  timedOut: boolean
  /** the last lines of combined stdout/stderr, capped */
  logTail: string
  durationMs: number
}

/** Runs the repository's test-command itself, outside the agent, with an environment that holds no credential. */
export interface TestRunner {
  run(options: { command: string; cwd: string; timeoutMs: number }): Promise<TestRun>
}

export type PushOutcome =
  | { kind: 'pushed'; sha: string }
  /** the branch exists on the remote: this run did not create it, so it is never overwritten */
  | { kind: 'exists' }
  | { kind: 'failed'; reason: string; auth: boolean }
  /** the action refused to push: the commit is not base + the measured diff, or the run is compromised */
  | { kind: 'refused'; reason: string }

/** Commits a fix on the planned base and pushes it to a new branch, with a credential scoped to that one push. */
export interface Lander {
  commitAndPush(options: {
    baseSha: string
    patch: string
    branch: string
    message: string
  }): Promise<PushOutcome>
  /**
   * The same for several fixes at once, in one push to the remote: each branch succeeds or fails on its own, and the
   * outcomes come back in the order of the requests.
   */
  commitAndPushAll(
    requests: readonly { baseSha: string; patch: string; branch: string; message: string }[]
  ): Promise<PushOutcome[]>
}

export type OpenPullRequestOutcome =
  | { kind: 'opened'; number: number; url: string }
  /** GitHub answered 422: a PR from this head already exists */
  | { kind: 'exists' }
  | { kind: 'failed'; reason: string }

export interface GitHubWriter {
  openPullRequest(options: {
    branch: string
    base: string
    title: string
    body: string
    draft: boolean
    labels: string[]
    reviewers: string[]
    teamReviewers: string[]
  }): Promise<OpenPullRequestOutcome>
}

// ---- the fix-quality ledger ----

/**
 * One of the action's past pull requests, as GitHub's search returns it. The GraphQL search brings its head branch and
 * its first commits along; GitHub's REST issue search has neither (`headRefName` and `commits` null), and the ledger
 * then lists a merged PR's commits with `pullRequestCommits`.
 */
export interface LedgerPullRequest {
  number: number
  url: string
  state: 'open' | 'closed'
  createdAt: string
  closedAt: string | null
  mergedAt: string | null
  /** the PR body (untrusted: only the trailer is read from it), null when empty */
  body: string | null
  /** label names */
  labels: string[]
  /** the head branch's name; null when the search does not give it (REST) */
  headRefName: string | null
  /**
   * How many commits the PR's branch holds and its first ones, oldest first (every one when `first.length === total`):
   * the first two tell "only the action's commit" apart. Null when the search does not give them (REST).
   */
  commits: { total: number; first: LedgerCommit[] } | null
}

/** One commit of a pull request's branch. */
export interface LedgerCommit {
  sha: string
  /** the git author's e-mail address, null when GitHub gives none */
  authorEmail: string | null
}

/**
 * Reads the action's own past PRs, for the ledger. Every request counts, so the caller can report the ledger's cost:
 * the search pages (GraphQL: each PR comes with its commits), plus one commits listing (or its pages) per merged PR
 * only where the search gave no commits (the REST fallback); never a listing of the repository's PRs.
 */
export interface LedgerSource {
  /**
   * Every pull request of the repository that carries `label` and was created on or after `since` (YYYY-MM-DD, UTC),
   * through GitHub's search, every page. `complete` is false when the search answered incompletely (a timeout, a page
   * that failed after the first, or more results than the 1,000 it serves).
   */
  actionPullRequests(options: {
    label: string
    since: string
  }): Promise<{ pullRequests: LedgerPullRequest[]; complete: boolean }>
  /** The commits of a pull request's branch, oldest first, every page: for a PR the search gave without commits. */
  pullRequestCommits(number: number): Promise<LedgerCommit[]>
  /** GitHub requests made so far (pages included; the Octokit plugins' retries are not counted) */
  requests(): number
}
