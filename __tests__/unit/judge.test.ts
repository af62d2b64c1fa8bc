import { describe, expect, it } from '@jest/globals'
import { judgeAgentRun, parseFinalMessage } from '../../src/domain/judge.js'
import type { AgentOutcome, ChangedFile } from '../../src/ports.js'

const answer = {
  status: 'fixed',
  summary: 'Guard cartTotal against a missing summary',
  root_cause: 'cartTotal reads cart.summary.total without checking that summary exists',
  confidence: 'high',
  files_changed: ['src/cart/totals.js'],
  tests_run: 'npm test',
  tests_passed: true,
  notes: ''
}
const usage = { input_tokens: 10, cached_input_tokens: 0, output_tokens: 5, model_requests: 2 }
const completed = (finalMessage: string): AgentOutcome => ({
  kind: 'completed',
  finalMessage,
  usage,
  audit: [],
  threadId: 't'
})
const file: ChangedFile = {
  path: 'src/cart/totals.js',
  status: 'modified',
  additions: 2,
  deletions: 1,
  binary: false,
  mode: '100644'
}

describe('parseFinalMessage', () => {
  it('accepts the schema JSON, also inside a json code fence', () => {
    expect(parseFinalMessage(JSON.stringify(answer)).ok).toBe(true)
    expect(parseFinalMessage('```json\n' + JSON.stringify(answer) + '\n```').ok).toBe(true)
  })

  it('rejects prose and says so without echoing more than a line', () => {
    const r = parseFinalMessage('I fixed it!\n' + 'x'.repeat(5000))
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/^the agent's final answer is not JSON/) })
    expect(!r.ok && r.reason.length).toBeLessThan(150)
  })

  it('rejects JSON that misses fields or carries extra ones', () => {
    const { confidence: _c, ...missing } = answer
    expect(parseFinalMessage(JSON.stringify(missing))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('confidence')
    })
    expect(parseFinalMessage(JSON.stringify({ ...answer, push: true })).ok).toBe(false)
  })
})

describe('judgeAgentRun', () => {
  it('is a fix only when the answer validates and the measured diff is not empty', () => {
    expect(judgeAgentRun(completed(JSON.stringify(answer)), { files: [file] }).kind).toBe('fixed')
  })

  it('turns a claimed fix with an empty diff into no-fix', () => {
    expect(judgeAgentRun(completed(JSON.stringify(answer)), { files: [] })).toMatchObject({
      kind: 'no-fix',
      reason: 'the agent reported a fix but changed no file'
    })
  })

  it('keeps no-fix answers as no-fix even when files changed', () => {
    const v = judgeAgentRun(completed(JSON.stringify({ ...answer, status: 'no-fix' })), { files: [file] })
    expect(v.kind).toBe('no-fix')
    expect(v.kind === 'no-fix' && v.reason).toContain('discarded')
  })

  it('reports a failed run and a garbage answer as agent-failed', () => {
    expect(
      judgeAgentRun({ kind: 'failed', reason: 'timed out after 1 min', usage, audit: [] }, null)
    ).toEqual({
      kind: 'agent-failed',
      reason: 'timed out after 1 min'
    })
    expect(judgeAgentRun(completed('{"status": "fixed"'), { files: [file] }).kind).toBe('agent-failed')
  })
})
