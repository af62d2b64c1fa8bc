// Property-based tests (fast-check) over the settings parser and the pure selection functions.
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { INPUT_NAMES, SECRET_INPUTS, parseSettings } from '../../src/settings/settings.js'
import { TriageWindow, classifyFixState, selectIssues } from '../../src/domain/select.js'
import { workUntil } from '../../src/util/work-until.js'
import { inputValues } from '../../test-support/action-inputs.js'
import { issue, pr, state } from '../../test-support/domain-builders.js'

const valid = inputValues({
  'sentry-token': 'sntryu_valid_token_000000',
  'sentry-org': 'acme',
  'sentry-project': 'api',
  'openai-api-key': 'sk-valid-key-0000000000',
  'github-token': 'ghs_valid_token_0000000000'
})

describe('settings parser, for any input values', () => {
  it('never throws; every error names an input; no token value is echoed', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...INPUT_NAMES), fc.string({ maxLength: 60 }), { maxKeys: 6 }),
        fc.string({ minLength: 8, maxLength: 30 }).filter(s => /^[A-Za-z0-9_]+$/.test(s)),
        (changes, tokenSuffix) => {
          const secrets = Object.fromEntries(SECRET_INPUTS.map(name => [name, `tok_${tokenSuffix}_${name}`]))
          const values: Record<string, string> = { ...valid, ...changes, ...secrets }
          const result = parseSettings(name => values[name] ?? '')
          if (result.ok) return
          for (const error of result.errors) {
            expect(error).toMatch(/^Input '[a-z-]+'/)
            for (const secret of Object.values(secrets)) expect(error).not.toContain(secret)
          }
        }
      ),
      { numRuns: 300 }
    )
  })

  it('accepts any whole number in range for top and clamps max-prs to it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 50 }), (top, maxPrs) => {
        const values: Record<string, string> = { ...valid, top: String(top), 'max-prs': String(maxPrs) }
        const result = parseSettings(name => values[name] ?? '')
        expect(result.ok).toBe(true)
        if (result.ok) expect(result.settings.selection.maxPrs).toBe(Math.min(top, maxPrs))
      })
    )
  })
})

const fixStateArb = fc.record({
  branchExists: fc.boolean(),
  prs: fc.array(
    fc.record({
      open: fc.boolean(),
      merged: fc.boolean(),
      daysAgo: fc.integer({ min: 0, max: 400 })
    }),
    { maxLength: 3 }
  )
})

describe('selection, for any issues and fix states', () => {
  it('gives every triaged issue exactly one decision, keeps Sentry order, and never picks an issue with an open PR', () => {
    const now = new Date('2026-11-27T00:00:00Z')
    fc.assert(
      fc.property(
        fc.array(fc.record({ events: fc.integer({ min: 0, max: 1000 }), fix: fixStateArb }), {
          maxLength: 30
        }),
        fc.integer({ min: 0, max: 50 }),
        (rows, minEvents) => {
          const issues = rows.map((r, i) => issue(`API-${i + 1}`, { id: String(i + 1), events: r.events }))
          const states = new Map(
            rows.map((r, i) => [
              `API-${i + 1}`,
              state(`fix/sentry-API-${i + 1}`, {
                branchExists: r.fix.branchExists,
                pullRequests: r.fix.prs.map((p, k) => {
                  const at = new Date(now.getTime() - p.daysAgo * 86_400_000).toISOString()
                  return p.open
                    ? pr(k + 1)
                    : pr(k + 1, { state: 'closed', closedAt: at, mergedAt: p.merged ? at : null })
                })
              })
            ])
          )
          const selection = selectIssues({
            issues,
            fixStates: states,
            minEvents,
            statsPeriod: '7d',
            branchPrefix: 'fix/sentry-',
            historyDays: 90,
            now
          })
          expect(selection.issues.map(p => p.facts.short_id)).toEqual(issues.map(i => i.shortId))
          const candidates = selection.issues
            .filter(p => p.decision.kind === 'candidate')
            .map(p => p.facts.short_id)
          expect(selection.candidates).toEqual(candidates)
          for (const planned of selection.issues) {
            const row = rows[Number(planned.facts.id) - 1]!
            const below = row.events < minEvents
            expect(
              planned.decision.kind === 'skip' && planned.decision.disposition === 'below-threshold'
            ).toBe(below)
            if (planned.decision.kind === 'candidate') {
              expect(row.fix.prs.some(p => p.open)).toBe(false)
              expect(row.fix.branchExists).toBe(false)
            }
          }
        }
      ),
      { numRuns: 300 }
    )
  })

  it('classifies an open PR as existing-pr whatever else is there', () => {
    fc.assert(
      fc.property(fixStateArb, f => {
        const prs = [
          pr(99),
          ...f.prs.map((_, k) => pr(k + 1, { state: 'closed', closedAt: '2026-11-01T00:00:00Z' }))
        ]
        const v = classifyFixState(
          issue('API-1'),
          state('b', { branchExists: f.branchExists, pullRequests: prs }),
          {
            now: new Date('2026-11-27T00:00:00Z'),
            historyDays: 90
          }
        )
        expect(v.kind === 'skip' && v.disposition).toBe('existing-pr')
      })
    )
  })

  it('fills the triage window with at most top qualifying issues, in order, without duplicates', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(
            fc.record({ id: fc.integer({ min: 1, max: 40 }), events: fc.integer({ min: 0, max: 9 }) }),
            { maxLength: 10 }
          ),
          { maxLength: 6 }
        ),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 9 }),
        (pages, top, minEvents) => {
          const window = new TriageWindow({ minEvents, top })
          for (const page of pages) {
            if (window.add(page.map(r => issue(`A-${r.id}`, { id: String(r.id), events: r.events })))) break
          }
          const ids = window.issues.map(i => i.id)
          expect(new Set(ids).size).toBe(ids.length)
          expect(window.issues.filter(i => i.events >= minEvents).length).toBeLessThanOrEqual(top)
        }
      )
    )
  })
})

describe('the PR cap, for any outcomes and concurrency', () => {
  it('never reaches more successes than the goal', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { maxLength: 20 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        async (outcomes, goal, concurrency) => {
          const results = await workUntil(
            outcomes,
            { goal, concurrency },
            async ok => ok,
            ok => ok
          )
          const successes = [...results.values()].filter(Boolean).length
          expect(successes).toBeLessThanOrEqual(goal)
          expect(successes).toBe(Math.min(goal, outcomes.filter(Boolean).length))
        }
      ),
      { numRuns: 200 }
    )
  })
})
