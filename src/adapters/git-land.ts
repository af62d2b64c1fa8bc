// The git adapter of the land stage: commits a fix on the planned base and pushes it to a NEW branch. The action does
// this itself, never the agent, and a push never overwrites a branch it did not create in this run.
//
// - Each fix is committed on the base in a throw-away worktree and checked to be exactly base + the measured diff
//   (git-land-commit.ts); the identity is given to the commit command alone, nothing is written to any git config.
// - Several fixes go out in one `git push` (not atomic: each ref's `--porcelain` line says what became of it), each
//   commit pushed by its SHA from the checkout once its throw-away worktree is gone.
// - The push is a create-only push: `--force-with-lease=refs/heads/<branch>:` (an empty expected value) succeeds only
//   if the branch does not exist on the remote (checked on git 2.39: a branch that exists, even one the push would
//   fast-forward, is rejected as "stale info"). A branch created by someone else between git's look at the remote's
//   refs and the update is refused by the remote itself (git sends the all-zero old value, i.e. "create"); a rejection
//   is then confirmed with `git ls-remote` before it is reported as `exists`. What git's text says is read by
//   domain/push-outcome.ts; the ls-remote that confirms it is run here.
// - The credential reaches that one push (and the ls-remote/fetch that may go with it) only, in the command's
//   environment (git-push-auth.ts), and only to the configured GitHub server.
import path from 'node:path'
import type { Lander, Log, PushOutcome } from '../ports.js'
import { execGit, tail, type ExecGitOptions, type ExecGitResult } from './git-exec.js'
import { readPushOfRefs, isAuthFailure, type PushFailed } from '../domain/push-outcome.js'
import { redact } from '../domain/secrets.js'
import { checkPushDestination, pushAuthEnv, withoutPassword } from './git-push-auth.js'
import { RunCompromised } from '../util/errors.js'
import {
  commitFix,
  LandFailure,
  LandRefusal,
  type CommitContext,
  type LandRequest
} from './git-land-commit.js'

export interface GitLanderOptions {
  /** the checkout (actions/checkout's working copy) */
  dir: string
  /** where the temporary worktrees are created, e.g. $RUNNER_TEMP/sentry-codex-triage/worktrees */
  worktreesDir: string
  /** the remote pushed to (default 'origin'); its push URL is read with `git remote get-url --push` */
  remote?: string
  /** the token the push authenticates with (github-token) */
  token: string
  /** author and committer of the fix commits */
  author: { name: string; email: string }
  log: Log
  /**
   * The GitHub server (GITHUB_SERVER_URL, e.g. https://github.com). When given, the token is only ever sent to a remote
   * on that server: a push URL on another host fails without the token leaving the process.
   */
  serverUrl?: string
  /** checked before every git command (git-state-guard.ts): a compromised run pushes nothing */
  guard?: { assertUnchanged(): Promise<void> }
}

const REMOTE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
/** Longest reason text returned (a person reads it in the summary). */
const MAX_REASON = 600

export function createGitLander(options: GitLanderOptions): Lander {
  const dir = path.resolve(options.dir)
  const worktreesDir = path.resolve(options.worktreesDir)
  const remote = options.remote ?? 'origin'
  const { token, author, log } = options
  const secrets = [token]
  let queue: Promise<unknown> = Promise.resolve()
  /** branch -> the commit this lander pushed to it */
  const pushedHere = new Map<string, string>()

  /** The text with every form of the token, and any credential in a URL, redacted (domain/secrets.ts). */
  const scrub = (text: string): string => redact(text, secrets)

  const logged: Log = {
    info: message => log.info(scrub(message)),
    debug: message => log.debug(scrub(message)),
    warning: message => log.warning(scrub(message)),
    group: (name, fn) => log.group(scrub(name), fn)
  }

  const git = (args: string[], extra: Omit<ExecGitOptions, 'log' | 'cwd'> & { cwd?: string } = {}) =>
    execGit(args, { cwd: dir, log: logged, guard: options.guard, ...extra })

  /** One line of git's output for a reason: scrubbed, single-line, capped. */
  function gitSays(result: ExecGitResult, lines = 3): string {
    const said = scrub(tail(result.stderr, lines)).replace(/\s+/g, ' ').trim()
    return said.length > MAX_REASON ? `${said.slice(0, MAX_REASON - 1)}…` : said
  }

  const commitContext: CommitContext = {
    git,
    gitSays,
    worktreesDir,
    author,
    log: logged,
    ensureBase: (baseSha, url, branch) => ensureBase(baseSha, url, branch)
  }

  /** The URL pushes go to, without any password in it (the token is the only credential sent). */
  async function pushUrl(): Promise<string> {
    if (!REMOTE_NAME.test(remote)) throw new LandFailure(`'${remote}' cannot name a git remote`)
    const result = await git(['remote', 'get-url', '--push', remote], { allowFailure: true })
    if (result.exitCode !== 0) {
      throw new LandFailure(`the checkout has no remote '${remote}' to push to: ${gitSays(result)}`)
    }
    const urls = result.stdout
      .toString('utf8')
      .split('\n')
      .map(line => line.trim())
      .filter(Boolean)
    const first = urls[0]
    if (first === undefined) throw new LandFailure(`the remote '${remote}' has no URL`)
    if (urls.length > 1)
      logged.warning(`The remote '${remote}' has ${urls.length} push URLs; pushing to the first.`)
    const url = withoutPassword(first)
    if (url === undefined) throw new LandFailure(`the push URL of the remote '${remote}' is not a valid URL`)
    return url
  }

  /** The environment that authenticates one command to `url` (git-push-auth.ts): this lander's token only. */
  const authEnv = (url: string): Record<string, string> => pushAuthEnv(url, token)

  /** Refuses to send the token anywhere but the configured GitHub server (when one is configured). */
  function checkDestination(url: string): void {
    const destination = checkPushDestination(url, remote, options.serverUrl)
    if (destination.kind === 'refused') throw new LandFailure(destination.reason)
    if (destination.kind === 'no-token') {
      logged.info(
        `The push URL of '${remote}' is not HTTP(S); pushing without the token (git's own transport auth).`
      )
    }
  }

  function authFailure(branch: string, what: string, result: ExecGitResult): LandFailure {
    return new LandFailure(
      `the remote rejected github-token (it must be valid and allowed to write this repository's contents, ` +
        `\`permissions: contents: write\`) while ${what} ${branch}: ${gitSays(result)}`,
      true
    )
  }

  /** Makes sure the base commit is in the checkout: a land job may run on a checkout of a newer base-branch. */
  async function ensureBase(baseSha: string, url: string, branch: string): Promise<void> {
    const have = await git(['cat-file', '-e', `${baseSha}^{commit}`], { allowFailure: true })
    if (have.exitCode === 0) return
    logged.info(`The checkout does not have the base commit ${baseSha.slice(0, 12)}; fetching it.`)
    const fetched = await git(
      [
        'fetch',
        '--quiet',
        '--no-tags',
        '--no-recurse-submodules',
        '--no-write-fetch-head',
        '--depth=1',
        url,
        baseSha
      ],
      { env: authEnv(url), allowFailure: true }
    )
    if (fetched.exitCode !== 0) {
      if (isAuthFailure(fetched.stderr)) throw authFailure(branch, 'fetching the base commit for', fetched)
      throw new LandFailure(`could not fetch the base commit ${baseSha} for ${branch}: ${gitSays(fetched)}`)
    }
  }

  /**
   * One `git push` for every commit: a create-only `--force-with-lease=refs/heads/<branch>:` per branch, not atomic,
   * so each ref succeeds or fails on its own, and each ref's `--porcelain` line says which.
   */
  async function pushAll(commits: readonly { branch: string; sha: string; baseSha: string }[], url: string) {
    const pushed = await git(
      [
        'push',
        '--porcelain',
        '--no-verify',
        '--no-signed',
        '--no-follow-tags',
        '--recurse-submodules=no',
        '--no-force-if-includes',
        ...commits.map(c => `--force-with-lease=refs/heads/${c.branch}:`),
        url,
        ...commits.map(c => `${c.sha}:refs/heads/${c.branch}`)
      ],
      { env: authEnv(url), allowFailure: true }
    )
    const readings = readPushOfRefs(
      { exitCode: pushed.exitCode, porcelain: pushed.stdout.toString('utf8'), stderr: pushed.stderr },
      commits.map(c => c.branch)
    )
    const unconfirmed = commits.filter(c => readings.get(c.branch)?.kind === 'unconfirmed')
    const existing =
      unconfirmed.length > 0
        ? await branchesOnRemote(
            url,
            unconfirmed.map(c => c.branch)
          )
        : new Set()
    const outcomes = new Map<string, PushOutcome>()
    for (const { branch, sha, baseSha } of commits) {
      const reading = readings.get(branch)!
      if (reading.kind === 'pushed' || reading.kind === 'up-to-date') {
        // "=" (up to date): the branch already held this very commit (same base, patch, message, identity and
        // second), so the push changed nothing. Unless this lander pushed it earlier, someone else created it.
        if (reading.kind === 'up-to-date' && pushedHere.get(branch) !== sha) {
          logged.info(
            `${branch} already exists on the remote (at the same commit); this run did not create it.`
          )
          outcomes.set(branch, { kind: 'exists' })
          continue
        }
        pushedHere.set(branch, sha)
        logged.info(`Pushed ${branch} (${sha.slice(0, 12)}, on ${baseSha.slice(0, 12)}).`)
        outcomes.set(branch, { kind: 'pushed', sha })
        continue
      }
      outcomes.set(branch, classifyPushFailure(reading, pushed, branch, existing.has(branch)))
    }
    return outcomes
  }

  /** Which of `branches` the remote has now (one ls-remote for them all). */
  async function branchesOnRemote(url: string, branches: readonly string[]): Promise<Set<string>> {
    const listed = await git(['ls-remote', '--heads', url, ...branches.map(b => `refs/heads/${b}`)], {
      env: authEnv(url),
      allowFailure: true
    })
    if (listed.exitCode !== 0) return new Set()
    const heads = listed.stdout
      .toString('utf8')
      .split('\n')
      .map(line => line.split('\t')[1]?.replace(/^refs\/heads\//, ''))
    return new Set(branches.filter(b => heads.includes(b)))
  }

  /**
   * The outcome of a refused ref, from what git said (domain/push-outcome.ts) and, when that is not the last word,
   * from the remote's answer to whether the branch exists now (`existsNow`, asked once for every such ref).
   */
  function classifyPushFailure(
    reading: PushFailed,
    pushed: ExecGitResult,
    branch: string,
    existsNow: boolean
  ): PushOutcome {
    const { status } = reading
    logged.debug(`git push ${branch}: ${status ?? '(no ref status)'}; ${tail(pushed.stderr)}`)
    if (reading.kind === 'exists') {
      logged.info(
        `${branch} already exists on the remote; this run did not create it, so it is left as it is.`
      )
      return { kind: 'exists' }
    }
    if (reading.kind === 'auth') {
      const failure = authFailure(branch, 'pushing', pushed)
      return { kind: 'failed', reason: failure.message, auth: true }
    }
    // Rejected by the remote, or the push broke off (under contention a remote may refuse a concurrent create with
    // no ref status at all): a branch created since git looked at the remote's refs is refused there. If the remote
    // has the branch now, someone else created it.
    if (existsNow) {
      logged.info(`${branch} was created on the remote by someone else during the push; it is left as it is.`)
      return { kind: 'exists' }
    }
    if (reading.said !== undefined) {
      const said = scrub(reading.said).trim()
      return {
        kind: 'failed',
        reason: `the remote refused ${branch}: ${said || gitSays(pushed)}${said ? ` (${gitSays(pushed, 2)})` : ''}`,
        auth: false
      }
    }
    return { kind: 'failed', reason: `could not push ${branch}: ${gitSays(pushed)}`, auth: false }
  }

  /** What a request ends in when it failed before the push: refused (not pushed on purpose) or failed. */
  function notPushed(error: unknown): PushOutcome {
    if (error instanceof LandRefusal || error instanceof RunCompromised) {
      const reason = scrub(error.message)
      logged.warning(`Not pushed: ${reason}`)
      return { kind: 'refused', reason }
    }
    const auth = error instanceof LandFailure && error.auth
    const reason = scrub(error instanceof Error ? error.message : String(error))
      .replace(/\s+/g, ' ')
      .trim()
    logged.info(`Not pushed: ${reason}`)
    return { kind: 'failed', reason, auth }
  }

  async function landAll(requests: readonly LandRequest[]): Promise<PushOutcome[]> {
    const outcomes: (PushOutcome | null)[] = requests.map(() => null)
    try {
      if (token === '' || /[\r\n]/.test(token)) {
        throw new LandFailure(`github-token is empty or not a single line; cannot push`, true)
      }
      const url = await pushUrl()
      checkDestination(url)
      const commits: { index: number; branch: string; sha: string; baseSha: string }[] = []
      for (const [index, request] of requests.entries()) {
        if (requests.findIndex(r => r.branch === request.branch) !== index) {
          outcomes[index] = notPushed(new LandFailure(`${request.branch} is asked for twice in one push`))
          continue
        }
        try {
          commits.push({
            index,
            branch: request.branch,
            sha: await commitFix(request, url, commitContext),
            baseSha: request.baseSha
          })
        } catch (error) {
          if (error instanceof RunCompromised) throw error
          outcomes[index] = notPushed(error)
        }
      }
      if (commits.length > 0) {
        const pushed = await pushAll(commits, url)
        for (const c of commits) outcomes[c.index] = pushed.get(c.branch)!
      }
    } catch (error) {
      // a failure of the whole landing (no remote, a refused destination, a compromised run) ends every request
      const outcome = notPushed(error)
      return outcomes.map(o => o ?? outcome)
    }
    return outcomes.map(o => o!)
  }

  /**
   * Commits each fix on its base and pushes them all in one `git push` (each ref on its own: one may fail and the
   * others land). Landings never interleave: worktree registration and pushes run one batch at a time.
   */
  function commitAndPushAll(requests: readonly LandRequest[]): Promise<PushOutcome[]> {
    const next = queue.then(() => landAll(requests))
    queue = next.catch(() => undefined)
    return next
  }

  async function commitAndPush(request: LandRequest): Promise<PushOutcome> {
    const [outcome] = await commitAndPushAll([request])
    return outcome!
  }

  return { commitAndPush, commitAndPushAll }
}
