import { describe, expect, it } from '@jest/globals'
import { TriageWindow, classifyFixState, selectIssues } from '../../src/domain/select.js'
import { issue, pr, state } from '../../test-support/domain-builders.js'

const now = new Date('2026-11-27T09:00:00Z')
const opts = { now, historyDays: 90 }

describe('classifyFixState', () => {
  it('skips an issue with an open PR from its branch as existing-pr', () => {
    const v = classifyFixState(
      issue('API-1'),
      state('fix/sentry-API-1', { branchExists: true, pullRequests: [pr(7)] }),
      opts
    )
    expect(v).toEqual({
      kind: 'skip',
      disposition: 'existing-pr',
      reason: 'pull request #7 from fix/sentry-API-1 is open',
      existing: { number: 7, url: 'https://github.com/acme/shop/pull/7', state: 'open' }
    })
  })

  it('prefers an open PR over a newer closed one', () => {
    const prs = [pr(9, { state: 'closed', closedAt: '2026-11-25T00:00:00Z' }), pr(7)]
    const v = classifyFixState(issue('API-1'), state('b', { pullRequests: prs }), opts)
    expect(v.kind === 'skip' && v.disposition).toBe('existing-pr')
  })

  it('skips a branch without a PR as existing-branch', () => {
    const v = classifyFixState(issue('API-1'), state('fix/sentry-API-1', { branchExists: true }), opts)
    expect(v.kind === 'skip' && v.disposition).toBe('existing-branch')
    expect(v.kind === 'skip' && v.reason).toContain('without a pull request')
  })

  it('skips a merged fix whose issue was not seen after the merge as fixed-not-recurred', () => {
    const merged = pr(5, {
      state: 'closed',
      closedAt: '2026-11-20T00:00:00Z',
      mergedAt: '2026-11-20T00:00:00Z'
    })
    const v = classifyFixState(
      issue('API-1', { lastSeen: '2026-11-19T23:59:59Z' }),
      state('b', { pullRequests: [merged] }),
      opts
    )
    expect(v.kind === 'skip' && v.disposition).toBe('fixed-not-recurred')
    expect(v.kind === 'skip' && v.existing?.state).toBe('merged')
  })

  it('makes a merged fix whose issue recurred a candidate again, remembering the earlier PR', () => {
    const merged = pr(5, {
      state: 'closed',
      closedAt: '2026-11-20T00:00:00Z',
      mergedAt: '2026-11-20T00:00:00Z'
    })
    const v = classifyFixState(
      issue('API-1', { lastSeen: '2026-11-21T00:00:00Z' }),
      state('b', { pullRequests: [merged] }),
      opts
    )
    expect(v).toEqual({
      kind: 'candidate',
      regressedFrom: { number: 5, url: 'https://github.com/acme/shop/pull/5', state: 'merged' }
    })
  })

  it('does not work a recurred issue whose old branch still exists (the push would need to overwrite it)', () => {
    const merged = pr(5, {
      state: 'closed',
      closedAt: '2026-11-20T00:00:00Z',
      mergedAt: '2026-11-20T00:00:00Z'
    })
    const v = classifyFixState(
      issue('API-1', { lastSeen: '2026-11-21T00:00:00Z' }),
      state('b', { branchExists: true, pullRequests: [merged] }),
      opts
    )
    expect(v.kind === 'skip' && v.disposition).toBe('existing-branch')
    expect(v.kind === 'skip' && v.reason).toContain('recurred')
  })

  it('skips an issue whose PR was closed unmerged within history-days as previously-rejected', () => {
    const closed = pr(4, { state: 'closed', closedAt: '2026-10-01T00:00:00Z' })
    const v = classifyFixState(issue('API-1'), state('b', { pullRequests: [closed] }), opts)
    expect(v.kind === 'skip' && v.disposition).toBe('previously-rejected')
  })

  it('works an issue again once its rejection is older than history-days', () => {
    const closed = pr(4, { state: 'closed', closedAt: '2026-08-01T00:00:00Z' })
    expect(classifyFixState(issue('API-1'), state('b', { pullRequests: [closed] }), opts).kind).toBe(
      'candidate'
    )
    expect(
      classifyFixState(issue('API-1'), state('b', { pullRequests: [closed] }), { now, historyDays: 180 }).kind
    ).toBe('skip')
  })

  it('makes an issue with no branch and no PR a candidate', () => {
    expect(classifyFixState(issue('API-1'), state('b'), opts)).toEqual({
      kind: 'candidate',
      regressedFrom: null
    })
  })
})

describe('TriageWindow', () => {
  it('is full once top issues meet the threshold, keeping earlier issues below it', () => {
    const w = new TriageWindow({ minEvents: 10, top: 2 })
    expect(w.add([issue('A-1', { id: '1', events: 50 }), issue('A-2', { id: '2', events: 3 })])).toBe(false)
    expect(w.add([issue('A-3', { id: '3', events: 40 }), issue('A-4', { id: '4', events: 30 })])).toBe(true)
    expect(w.issues.map(i => i.shortId)).toEqual(['A-1', 'A-2', 'A-3'])
  })

  it('drops an issue that a shifting page repeats', () => {
    const w = new TriageWindow({ minEvents: 1, top: 5 })
    w.add([issue('A-1', { id: '1' }), issue('A-2', { id: '2' })])
    w.add([issue('A-2', { id: '2' }), issue('A-3', { id: '3' })])
    expect(w.issues.map(i => i.shortId)).toEqual(['A-1', 'A-2', 'A-3'])
  })
})

describe('selectIssues', () => {
  it('gives every issue a disposition or makes it a candidate, in Sentry order', () => {
    const issues = [
      issue('A-1', { id: '1', events: 90 }),
      issue('A-2', { id: '2', events: 80 }),
      issue('A-3', { id: '3', events: 2 }),
      issue('A-4', { id: '4', events: 70 })
    ]
    const selection = selectIssues({
      issues,
      fixStates: new Map([['A-2', state('fix/sentry-A-2', { pullRequests: [pr(3)] })]]),
      minEvents: 5,
      statsPeriod: '7d',
      branchPrefix: 'fix/sentry-',
      historyDays: 90,
      now
    })
    expect(selection.candidates).toEqual(['A-1', 'A-4'])
    expect(
      selection.issues.map(i => (i.decision.kind === 'skip' ? i.decision.disposition : 'candidate'))
    ).toEqual(['candidate', 'existing-pr', 'below-threshold', 'candidate'])
    const below = selection.issues[2]!.decision
    expect(below.kind === 'skip' && below.reason).toBe('2 event(s) in 7d, fewer than min-events 5')
    expect(selection.issues[0]!.branch).toBe('fix/sentry-A-1')
  })
})
