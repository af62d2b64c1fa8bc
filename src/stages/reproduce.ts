// The reproduction run: after the action's own test run passed with the fix, test-command runs once more, in the
// same jail, in a second worktree at the base commit with only the fix's test files applied. It is code from the fix,
// so it gets nothing the jailed test run does not.
import type { Repo, TestRunner, Worktree, WorktreeDiff } from '../ports.js'
import { fixTestFiles } from '../domain/test-paths.js'
import {
  judgeReproduction,
  noTestReproduction,
  unsetReproduction,
  type Reproduction
} from '../domain/reproduction.js'
import type { IssuePhase, PhaseTimer } from '../domain/phases.js'
import { errorMessage, RunCompromised } from '../util/errors.js'

export async function reproduce(
  input: {
    shortId: string
    baseSha: string
    /** the fix's worktree and its measured diff */
    fixed: Worktree
    fix: WorktreeDiff
    command: string
    testPaths: readonly string[]
    timeoutMs: number
  },
  deps: { repo: Repo; tests: TestRunner; phases?: PhaseTimer<IssuePhase> }
): Promise<Reproduction> {
  const testFiles = fixTestFiles(input.fix.files, input.testPaths)
  if (testFiles.length === 0) return noTestReproduction()
  // timed from here: a fix without a test file has no reproduction run, and no reproduction phase
  const run = () => reproduceWith(testFiles, input, deps)
  return deps.phases ? deps.phases.time('reproduction', run) : run()
}

async function reproduceWith(
  testFiles: string[],
  input: Parameters<typeof reproduce>[0],
  deps: { repo: Repo; tests: TestRunner }
): Promise<Reproduction> {
  let base: Worktree
  try {
    const tests = await deps.repo.diff(input.fixed, { only: testFiles })
    base = await deps.repo.addWorktree(input.baseSha, `${input.shortId}.base`, { apply: tests.patch })
  } catch (error) {
    if (error instanceof RunCompromised) throw error
    return unsetReproduction(testFiles, errorMessage(error))
  }
  await using _base = base
  const run = await deps.tests.run({ command: input.command, cwd: base.path, timeoutMs: input.timeoutMs })
  return judgeReproduction(testFiles, run)
}
