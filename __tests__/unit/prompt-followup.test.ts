import { describe, expect, it } from '@jest/globals'
import { buildFollowUpPrompt } from '../../src/domain/prompt-followup.js'

const failure = {
  command: 'npm test',
  attempt: 1,
  remaining: 2,
  logTail: 'not ok 1 - totals\nAssertionError',
  timedOut: false
}

describe('buildFollowUpPrompt', () => {
  it('repeats the task and fences the failing output as data', () => {
    const prompt = buildFollowUpPrompt('TASK', failure, () => 'abc123')
    expect(prompt.startsWith('TASK\n')).toBe(true)
    expect(prompt).toContain('attempt 1')
    expect(prompt).toContain('2 more attempt(s)')
    expect(prompt).toMatch(
      /<<<TEST_OUTPUT_abc123>>>\nnot ok 1 - totals\nAssertionError\n<<<END_TEST_OUTPUT_abc123>>>$/
    )
  })

  it('picks another fence when the output contains the first one, and strips invisible characters', () => {
    const tokens = ['aaa', 'bbb']
    const prompt = buildFollowUpPrompt(
      'T',
      { ...failure, logTail: 'x TEST_OUTPUT_aaa \u202e y' },
      () => tokens.shift() ?? 'ccc'
    )
    expect(prompt).toContain('<<<TEST_OUTPUT_bbb>>>')
    expect(prompt).not.toContain('\u202e')
  })

  it('caps a huge log', () => {
    expect(buildFollowUpPrompt('T', { ...failure, logTail: 'x'.repeat(100_000) }).length).toBeLessThan(13_500)
  })
})
