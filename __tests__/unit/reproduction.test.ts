import { describe, expect, it } from '@jest/globals'
import { judgeReproduction, noTestReproduction, unsetReproduction } from '../../src/domain/reproduction.js'
import type { TestRun } from '../../src/ports.js'

const run = (partial: Partial<TestRun>): TestRun => ({
  passed: false,
  exitCode: 1,
  timedOut: false,
  logTail: '',
  durationMs: 10,
  ...partial
})
const FILES = ['test/discounts.test.js']

describe('judgeReproduction', () => {
  it('says reproduced when the tests fail on the base, naming the failing tests', () => {
    const verdict = judgeReproduction(
      FILES,
      run({ exitCode: 1, logTail: '✖ rejects an expired code (2ms)\n' })
    )
    expect(verdict).toEqual({
      reproduced: true,
      reason: "the fix's tests fail without the fix (exit code 1: rejects an expired code) and pass with it",
      test_files: FILES,
      base: { exit_code: 1, timed_out: false, failing_tests: ['rejects an expired code'] }
    })
  })

  it('says not reproduced when the tests pass on the base', () => {
    const verdict = judgeReproduction(FILES, run({ passed: true, exitCode: 0 }))
    expect(verdict.reproduced).toBe(false)
    expect(verdict.reason).toBe("the fix's tests pass without the fix: they do not exercise the bug")
    expect(verdict.base).toEqual({ exit_code: 0, timed_out: false, failing_tests: [] })
  })

  it('does not know when the base run timed out or could not start, and says why', () => {
    expect(judgeReproduction(FILES, run({ timedOut: true, exitCode: null }))).toMatchObject({
      reproduced: null,
      reason: 'the base run did not complete: it was stopped at the time budget'
    })
    expect(judgeReproduction(FILES, run({ exitCode: null }))).toMatchObject({
      reproduced: null,
      reason: 'the base run did not complete: test-command could not be started'
    })
  })

  it('does not know when the fix adds no test, or the base run could not be set up', () => {
    expect(noTestReproduction()).toEqual({
      reproduced: null,
      reason: 'the fix adds no test (no new or changed file under test-paths)',
      test_files: [],
      base: null
    })
    expect(unsetReproduction(FILES, 'git apply failed')).toMatchObject({
      reproduced: null,
      reason: 'the base run could not be set up: git apply failed',
      test_files: FILES
    })
  })
})
