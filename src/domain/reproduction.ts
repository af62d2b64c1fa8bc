// Whether a fix's new test proves the bug, decided without I/O from the run of test-command on the base commit with
// only the fix's test files applied (the reproduction run). A regression test that passes without the fix does not
// exercise the bug; one that fails there and passes with the fix (the action's own run, before this) does.
import type { TestRun } from '../ports.js'
import type { ReproductionRecord } from '../schemas/summary.js'
import { failingTestNames } from './test-failures.js'

export type Reproduction = ReproductionRecord

/** The fix adds or changes no file under test-paths: there is nothing to run on the base. */
export function noTestReproduction(): Reproduction {
  return {
    reproduced: null,
    reason: 'the fix adds no test (no new or changed file under test-paths)',
    test_files: [],
    base: null
  }
}

/** The reproduction run could not be made (its worktree or the test files could not be set up). */
export function unsetReproduction(testFiles: readonly string[], why: string): Reproduction {
  return {
    reproduced: null,
    reason: `the base run could not be set up: ${why}`,
    test_files: [...testFiles],
    base: null
  }
}

/** The verdict of a run of test-command on the base with only `testFiles` of the fix applied. */
export function judgeReproduction(testFiles: readonly string[], run: TestRun): Reproduction {
  const files = [...testFiles]
  if (run.timedOut) {
    return {
      reproduced: null,
      reason: 'the base run did not complete: it was stopped at the time budget',
      test_files: files,
      base: { exit_code: null, timed_out: true, failing_tests: [] }
    }
  }
  if (run.exitCode === null) {
    return {
      reproduced: null,
      reason: 'the base run did not complete: test-command could not be started',
      test_files: files,
      base: { exit_code: null, timed_out: false, failing_tests: [] }
    }
  }
  if (run.passed) {
    return {
      reproduced: false,
      reason: "the fix's tests pass without the fix: they do not exercise the bug",
      test_files: files,
      base: { exit_code: run.exitCode, timed_out: false, failing_tests: [] }
    }
  }
  const failing = failingTestNames(run.logTail)
  return {
    reproduced: true,
    reason: `the fix's tests fail without the fix (exit code ${run.exitCode}${failing.length > 0 ? `: ${failing.join(', ')}` : ''}) and pass with it`,
    test_files: files,
    base: { exit_code: run.exitCode, timed_out: false, failing_tests: failing }
  }
}
