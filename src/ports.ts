// The narrow interfaces the pipeline is given. main.ts wires the real adapters; tests wire fakes.
import type { FixPullRequest, SentryIssue } from './domain/types.js'

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
