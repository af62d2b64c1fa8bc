// Pure: what a `git push --porcelain` of one ref says happened, read from its exit code and text.
//
// git has no structured error for a push: its exit code, the `--porcelain` status line of the ref (stdout) and its
// messages (stderr) are all there is, so the outcome is read from them. The create-only push
// (`--force-with-lease=refs/heads/<branch>:`) is rejected as "stale info" when the branch exists on the remote. A
// rejection or a push that broke off for another reason is not the last word: the land adapter (git-land.ts) then asks
// the remote with `git ls-remote` whether the branch exists now, since a branch created by someone else between git's
// look at the remote's refs and the update is refused by the remote itself.

/** The flag of a `--porcelain` ref status line: "*" new, "=" up to date, "!" refused. */
export type RefFlag = '*' | '=' | '!'

/** The `--porcelain` status line of the one ref pushed, when its flag is `flag`. */
export function refStatus(porcelain: string, flag: RefFlag): string | undefined {
  return porcelain.split('\n').find(line => line.startsWith(`${flag}\t`))
}

/** Whether a failed command that talked to the remote failed on the credential. */
export function isAuthFailure(stderr: string): boolean {
  return /Authentication failed|could not read (Username|Password)|terminal prompts disabled|requested URL returned error: 40[13]\b|\bHTTP 40[13]\b|Permission to \S+ denied|Write access to repository not granted|Invalid username or password|Bad credentials/i.test(
    stderr
  )
}

/** A push git reported as done (exit code 0). */
export type PushDone =
  /** the ref was created */
  | { kind: 'pushed' }
  /** "=": the branch already held this very commit, so the push changed nothing */
  | { kind: 'up-to-date' }

/** A push git reported as failed; `status` is the refused ref's status line, when git printed one. */
export type PushFailed =
  /** rejected as "stale info": the branch exists on the remote */
  | { kind: 'exists'; status: string }
  /** the remote rejected the credential */
  | { kind: 'auth'; status: string | undefined }
  /**
   * Rejected for another reason, or broken off (under contention a remote may refuse a concurrent create with no ref
   * status at all): whether the branch exists now is for the remote to say. `said` is the remote's words from the
   * status line (not yet redacted), when there is one.
   */
  | { kind: 'unconfirmed'; status: string | undefined; said: string | undefined }

/** The outcome git's exit code, `--porcelain` stdout and stderr give for a push of one ref. */
export function readPush(result: {
  exitCode: number
  porcelain: string
  stderr: string
}): PushDone | PushFailed {
  if (result.exitCode === 0) {
    return refStatus(result.porcelain, '=') !== undefined ? { kind: 'up-to-date' } : { kind: 'pushed' }
  }
  const status = refStatus(result.porcelain, '!')
  if (status !== undefined && /\[rejected\] \(stale info\)/.test(status)) return { kind: 'exists', status }
  if (isAuthFailure(result.stderr)) return { kind: 'auth', status }
  return { kind: 'unconfirmed', status, said: status?.split('\t').slice(2).join(' ') }
}

/**
 * The outcome of each ref of one `git push --porcelain` of several (`<sha>:refs/heads/<branch>` each, not atomic): a
 * ref's status line, where git printed one, says what became of it; without one (the push broke off, or the remote
 * refused the credential) every ref gets what the whole push says.
 */
export function readPushOfRefs(
  result: { exitCode: number; porcelain: string; stderr: string },
  branches: readonly string[]
): Map<string, PushDone | PushFailed> {
  const lines = result.porcelain.split('\n')
  const outcomes = new Map<string, PushDone | PushFailed>()
  for (const branch of branches) {
    const line = lines.find(l => /^[*=!+ -]\t/.test(l) && l.split('\t')[1]?.endsWith(`:refs/heads/${branch}`))
    const flag = line?.charAt(0)
    if (flag === '*') outcomes.set(branch, { kind: 'pushed' })
    else if (flag === '=') outcomes.set(branch, { kind: 'up-to-date' })
    else if (line !== undefined && /\[rejected\] \(stale info\)/.test(line))
      outcomes.set(branch, { kind: 'exists', status: line })
    else if (isAuthFailure(result.stderr)) outcomes.set(branch, { kind: 'auth', status: line })
    else
      outcomes.set(branch, { kind: 'unconfirmed', status: line, said: line?.split('\t').slice(2).join(' ') })
  }
  return outcomes
}
