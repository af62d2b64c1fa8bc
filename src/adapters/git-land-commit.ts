// The commit step of landing a fix: the patch applied on the planned base in a throw-away detached worktree (so the
// checkout's own working copy, index and HEAD are never touched), committed with the identity given to that one
// command, and checked to be exactly base + the measured diff before anything is pushed (domain/patch-tree.ts).
import { randomUUID } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import type { Lander, Log } from '../ports.js'
import type { ExecGitOptions, ExecGitResult } from './git-exec.js'
import { compareWithPatch, parseRawChanges, patchTree } from '../domain/patch-tree.js'

export type LandRequest = Parameters<Lander['commitAndPush']>[0]

const SHA = /^([0-9a-f]{40}|[0-9a-f]{64})$/

/** Outcome of an attempt at a step: the caller stops at the first failure. */
export class LandFailure extends Error {
  readonly auth: boolean
  constructor(reason: string, auth = false) {
    super(reason)
    this.name = 'LandFailure'
    this.auth = auth
  }
}

/** The action refuses to push what it was about to: the commit is not base + the measured diff. */
export class LandRefusal extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'LandRefusal'
  }
}

/** What the commit step needs of its lander. */
export interface CommitContext {
  git(args: string[], extra?: Omit<ExecGitOptions, 'log' | 'cwd'> & { cwd?: string }): Promise<ExecGitResult>
  /** one line of git's output for a reason: scrubbed, single-line, capped */
  gitSays(result: ExecGitResult, lines?: number): string
  worktreesDir: string
  author: { name: string; email: string }
  log: Log
  /** makes sure the base commit is in the checkout (fetched with the push credential when it is not) */
  ensureBase(baseSha: string, url: string, branch: string): Promise<void>
}

/** Checks a request and commits its fix on the base in a throw-away worktree; the commit is pushed later. */
export async function commitFix(request: LandRequest, url: string, ctx: CommitContext): Promise<string> {
  const { git, gitSays, worktreesDir, author, ensureBase } = ctx
  const { baseSha, patch, branch, message } = request
  if (!SHA.test(baseSha)) throw new LandFailure(`'${baseSha}' is not a full commit SHA`)
  if (branch.startsWith('-')) throw new LandFailure(`'${branch}' is not a valid branch name`)
  const refOk = await git(['check-ref-format', `refs/heads/${branch}`], { allowFailure: true })
  if (refOk.exitCode !== 0) throw new LandFailure(`'${branch}' is not a valid branch name`)
  if (patch.trim() === '') throw new LandFailure(`the patch for ${branch} is empty: nothing to commit`)
  if (message.trim() === '') throw new LandFailure(`the commit message for ${branch} is empty`)
  await ensureBase(baseSha, url, branch)

  await mkdir(worktreesDir, { recursive: true })
  const worktreePath = path.join(worktreesDir, `land-${randomUUID().slice(0, 8)}`)
  try {
    await git(['worktree', 'add', '--detach', '--quiet', worktreePath, baseSha])
    // pinned to the worktree's admin directory, like every other worktree command of the action
    const gitDir = (await git(['rev-parse', '--absolute-git-dir'], { cwd: worktreePath })).stdout
      .toString('utf8')
      .trim()
    const inWorktree = (args: string[], extra: Omit<ExecGitOptions, 'log' | 'cwd'> = {}) =>
      git(args, {
        ...extra,
        cwd: worktreePath,
        env: { GIT_DIR: gitDir, GIT_WORK_TREE: worktreePath, ...extra.env }
      })

    const applied = await inWorktree(['apply', '--binary', '--index', '--whitespace=nowarn', '-'], {
      input: patch,
      allowFailure: true
    })
    if (applied.exitCode !== 0) {
      throw new LandFailure(
        `the patch for ${branch} does not apply to the base commit ${baseSha.slice(0, 12)}: ${gitSays(applied)}`
      )
    }
    const identity = {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email
    }
    const committed = await inWorktree(
      ['commit', '--quiet', '--no-verify', '--no-gpg-sign', '--cleanup=whitespace', '--file=-'],
      { input: message, env: identity, allowFailure: true }
    )
    if (committed.exitCode !== 0) {
      throw new LandFailure(`could not commit the fix for ${branch}: ${gitSays(committed)}`)
    }
    const sha = (await inWorktree(['rev-parse', '--verify', 'HEAD'])).stdout.toString('utf8').trim()
    await checkCommitIsPatch(baseSha, sha, patch, inWorktree)
    // the commit stays in the object store after the worktree goes (gc.auto=0 on every git command): pushed by SHA
    return sha
  } finally {
    await removeWorktree(worktreePath, ctx)
  }
}

/**
 * The commit about to be pushed must hold exactly base + the measured diff: every path the patch touches with the
 * blob id and mode the patch names, and nothing else. Anything a planted filter, attribute or replace ref made git
 * write differently shows here, and the push is refused.
 */
async function checkCommitIsPatch(
  baseSha: string,
  sha: string,
  patch: string,
  inWorktree: (args: string[], extra?: Omit<ExecGitOptions, 'log' | 'cwd'>) => Promise<ExecGitResult>
): Promise<void> {
  const expected = patchTree(patch)
  if (!expected.ok)
    throw new LandRefusal(`the measured diff cannot be checked against the commit: ${expected.reason}`)
  const raw = await inWorktree([
    'diff-tree',
    '-r',
    '-z',
    '--raw',
    '--no-renames',
    '--full-index',
    baseSha,
    sha
  ])
  const fromBase = [...expected.paths.values()].flatMap(p => (p.kind === 'same-as-base' ? [p.path] : []))
  const base = new Map<string, { blob: string; mode: string }>()
  if (fromBase.length > 0) {
    const listed = await inWorktree([
      'ls-tree',
      '-z',
      '--full-tree',
      baseSha,
      '--',
      ...fromBase.map(p => `:(literal)${p}`)
    ])
    for (const record of listed.stdout.toString('utf8').split('\0')) {
      const m = /^(\d+) \w+ ([0-9a-f]+)\t(.*)$/s.exec(record)
      if (m) base.set(m[3]!, { mode: m[1]!, blob: m[2]! })
    }
  }
  const problems = compareWithPatch(
    expected.paths,
    parseRawChanges(raw.stdout.toString('utf8')),
    p => base.get(p) ?? null
  )
  if (problems.length > 0) {
    throw new LandRefusal(
      `the commit for the fix is not base + the measured diff (${problems.slice(0, 3).join('; ')}${problems.length > 3 ? `; and ${problems.length - 3} more` : ''}): not pushed`
    )
  }
}

/** Removes the temporary worktree and its registration; never throws. */
async function removeWorktree(worktreePath: string, ctx: CommitContext): Promise<void> {
  const { git, log } = ctx
  try {
    await git(['worktree', 'remove', '--force', worktreePath], { allowFailure: true })
    await rm(worktreePath, { recursive: true, force: true, maxRetries: 3 })
    await git(['worktree', 'prune'], { allowFailure: true })
  } catch (error) {
    log.warning(`Could not remove the temporary worktree ${worktreePath}: ${String(error)}`)
  }
}
