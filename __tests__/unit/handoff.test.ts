// The fan-out's hand-offs as data: what plan gives the matrix, and what land accepts from a work job.
import { describe, expect, it } from '@jest/globals'
import {
  matrixIds,
  matrixOf,
  plannedIssue,
  readWorkRecord,
  sha256,
  workRecordOf
} from '../../src/domain/handoff.js'
import { patchTouches } from '../../src/domain/patch.js'
import type { Plan } from '../../src/schemas/handoff.js'
import { planIssue, planOf } from '../../test-support/domain-builders.js'
import type { WorkResult } from '../../src/domain/handoff.js'

const BASE = 'a'.repeat(40)

const PLAN: Plan = planOf(
  [planIssue('API-1'), planIssue('API-2', 'existing-pr'), planIssue('API-3'), planIssue('API-4')],
  { baseSha: BASE, maxPrs: 1, matrix: ['API-1', 'API-3'] }
)

const PATCH = [
  'diff --git a/src/a.js b/src/a.js',
  'index 1111111..2222222 100644',
  '--- a/src/a.js',
  '+++ b/src/a.js',
  '@@ -1,1 +1,2 @@',
  ' const a = 1',
  '++++ b/src/not-a-header.js',
  ''
].join('\n')

function readyWork(patch = PATCH): WorkResult {
  return {
    shortId: 'API-1',
    outcome: { disposition: 'fix-ready', reason: 'fix ready' },
    ready: {
      result: {
        status: 'fixed',
        summary: 'Guard a',
        root_cause: 'a was undefined',
        confidence: 'high',
        files_changed: ['src/a.js'],
        tests_run: null,
        tests_passed: null,
        notes: ''
      },
      diff: {
        patch,
        files: [
          { path: 'src/a.js', status: 'modified', additions: 1, deletions: 0, binary: false, mode: '100644' }
        ]
      },
      tests: { command: 'npm test', passed: true, attempts: 1 },
      reproduction: null
    }
  }
}

describe('the plan -> matrix hand-off', () => {
  it('hands max-prs primaries and then the spares to work jobs, in the plan order', () => {
    expect(matrixIds(['A-1', 'A-2', 'A-3', 'A-4', 'A-5'], 2, 2)).toEqual(['A-1', 'A-2', 'A-3', 'A-4'])
    expect(matrixIds(['A-1'], 2, 2)).toEqual(['A-1'])
    expect(matrixOf(PLAN)).toEqual({ include: [{ issue: 'API-1' }, { issue: 'API-3' }] })
  })

  it('lets a work job take only an issue the plan handed to a work job', () => {
    expect(plannedIssue(PLAN, 'API-3')).toMatchObject({
      kind: 'found',
      planned: { facts: { short_id: 'API-3' } }
    })
    expect(plannedIssue(PLAN, 'API-9')).toEqual({
      kind: 'not-planned',
      reason: expect.stringMatching(/^Input 'issue' is API-9, which is not in this run's plan/)
    })
    expect(plannedIssue(PLAN, 'API-2')).toEqual({
      kind: 'not-planned',
      reason: expect.stringContaining('the plan skipped it (existing-pr)')
    })
    expect(plannedIssue(PLAN, 'API-4')).toEqual({
      kind: 'not-planned',
      reason: expect.stringContaining('beyond max-prs + spare-candidates')
    })
  })
})

describe('the work -> land hand-off', () => {
  const round = (work: WorkResult) => {
    const { record, patch } = workRecordOf(work, PLAN.issues[0]!, PLAN)
    return { record: JSON.parse(JSON.stringify(record)) as unknown, patch }
  }

  it('gives land back exactly the ready fix work measured', () => {
    const { record, patch } = round(readyWork())
    const read = readWorkRecord('API-1', PLAN, record, patch)
    expect(read.kind).toBe('ready')
    if (read.kind !== 'ready') return
    expect(read.fix).toEqual(readyWork().ready)
  })

  it('hands a final outcome over as it is, with no patch', () => {
    const work: WorkResult = {
      shortId: 'API-1',
      outcome: {
        disposition: 'tests-failed',
        reason: 'npm test failed',
        usage: { input_tokens: 5, cached_input_tokens: 0, output_tokens: 1, model_requests: 1 }
      },
      ready: null
    }
    const { record, patch } = round(work)
    expect(patch).toBeNull()
    expect(readWorkRecord('API-1', PLAN, record, null)).toEqual({
      kind: 'final',
      record: expect.objectContaining({ outcome: work.outcome })
    })
  })

  it.each([
    [
      'a record that is not the schema',
      (r: Record<string, unknown>) => ({ ...r, version: 3 }),
      PATCH,
      /does not match the schema/
    ],
    [
      'a record of another issue',
      (r: Record<string, unknown>) => ({ ...r, short_id: 'API-3' }),
      PATCH,
      /is for API-3, not API-1/
    ],
    [
      'a record of another plan',
      (r: Record<string, unknown>) => ({
        ...r,
        plan: { created_at: '2026-11-26T10:00:00.000Z', base_sha: BASE }
      }),
      PATCH,
      /worked from another plan/
    ],
    ['a missing patch', (r: Record<string, unknown>) => r, null, /fix\.patch is missing/],
    [
      'a patch changed after work measured it',
      (r: Record<string, unknown>) => r,
      PATCH.replace('const a', 'const b'),
      /SHA-256 differs/
    ]
  ])('refuses %s', (_why, change, patch, reason) => {
    const { record } = round(readyWork())
    const read = readWorkRecord('API-1', PLAN, change(record as Record<string, unknown>), patch)
    expect(read).toEqual({ kind: 'invalid', reason: expect.stringMatching(reason) })
  })

  it('refuses an outcome a work job cannot decide, such as pr-opened', () => {
    const { record } = round({
      shortId: 'API-1',
      outcome: { disposition: 'no-fix', reason: 'unsure' },
      ready: null
    })
    const claimed = {
      ...(record as Record<string, unknown>),
      outcome: { disposition: 'pr-opened', reason: 'trust me' }
    }
    expect(readWorkRecord('API-1', PLAN, claimed, null)).toEqual({
      kind: 'invalid',
      reason: 'its outcome pr-opened is not one a work job ends with'
    })
  })

  it('refuses a patch that touches files its record does not list, even with a matching checksum', () => {
    const sneaky = `${PATCH}diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml\n--- a/.github/workflows/ci.yml\n+++ b/.github/workflows/ci.yml\n@@ -1 +1 @@\n-x\n+y\n`
    const { record, patch } = round(readyWork(sneaky))
    expect(sha256(patch!)).toBe((record as { fix: { patch_sha256: string } }).fix.patch_sha256)
    expect(readWorkRecord('API-1', PLAN, record, patch)).toEqual({
      kind: 'invalid',
      reason: expect.stringMatching(
        /touches other files than its result\.json lists \(2 section\(s\) for 1 file\(s\); unlisted: \.github\/workflows\/ci\.yml\)/
      )
    })
  })
})

describe('patchTouches', () => {
  it('reads paths from the section headers only, never from hunk content', () => {
    expect(patchTouches(PATCH)).toEqual({ sections: 1, paths: new Set(['src/a.js']) })
  })

  it('names both sides of a rename and C-quoted paths', () => {
    const patch = [
      'diff --git a/old.js b/new.js',
      'similarity index 100%',
      'rename from old.js',
      'rename to new.js',
      'diff --git "a/caf\\303\\251.js" "b/caf\\303\\251.js"',
      'new file mode 100644',
      '--- /dev/null',
      '+++ "b/caf\\303\\251.js"',
      '@@ -0,0 +1 @@',
      '+x',
      ''
    ].join('\n')
    expect(patchTouches(patch)).toEqual({ sections: 2, paths: new Set(['old.js', 'new.js', 'café.js']) })
  })
})
