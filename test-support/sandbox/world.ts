// The shared scenario of the local sandbox: a shop with two Sentry projects and a repository with fixes in flight.
// The end-to-end tests and `npm run demo` run the action against exactly this world.
import { makeIssue, makeProject, type SentryWorld } from './fake-sentry.js'
import { fakeSha, makePull, makeWorld, type GitHubWorld } from './fake-github.js'
import { sampleExceptions } from './sample-frames.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

function ago(ms: number, now: number): string {
  return new Date(now - ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export interface TriageScenario {
  sentry: SentryWorld
  github: GitHubWorld
  /** inputs the scenario is meant to run with (on top of the sentry/github connection inputs) */
  inputs: Record<string, string>
  /** the disposition each listed issue must end with in triage mode */
  expected: Record<string, string>
}

/**
 * Five issues in scope across two projects (api, web), sorted by events:
 *   API-12  540 events  no fix in flight                  -> candidate
 *   WEB-7   310 events  open PR #11 from its branch        -> existing-pr
 *   API-31  150 events  PR #8 merged after its last event  -> fixed-not-recurred
 *   WEB-9    42 events  no fix in flight                   -> candidate
 *   API-40    1 event   below min-events 2                 -> below-threshold
 * plus issues that the query must leave out: another project, a resolved issue, a staging-only issue.
 */
export function triageScenario(now = Date.now()): TriageScenario {
  const api = makeProject({ id: '11', slug: 'api', name: 'API', platform: 'node' })
  const web = makeProject({ id: '12', slug: 'web', name: 'Web', platform: 'javascript' })
  const billing = makeProject({ id: '13', slug: 'billing', name: 'Billing', platform: 'python' })
  const recent = ago(HOUR, now)
  // The sample repository's real stack traces (test-support/sandbox/sample-repo), so the agent can find the bugs.
  const exceptions = sampleExceptions()
  const event = (id: keyof typeof exceptions) => ({ exceptions: [exceptions[id]] })
  const sentry: SentryWorld = {
    org: 'acme',
    projects: [api, web, billing],
    issues: [
      makeIssue({
        id: '7001',
        shortId: 'API-12',
        latestEvent: event('API-12'),
        project: 'api',
        title: "TypeError: Cannot read properties of undefined (reading 'total')",
        count: 540,
        userCount: 121,
        lastSeen: recent,
        metadata: { filename: 'src/cart/totals.js', function: 'cartTotal' }
      }),
      makeIssue({
        id: '7002',
        shortId: 'WEB-7',
        latestEvent: event('WEB-7'),
        project: 'web',
        title: 'RangeError: Invalid time value',
        count: 310,
        userCount: 77,
        lastSeen: recent,
        metadata: { filename: 'src/format/date.js', function: 'formatOrderDate' }
      }),
      makeIssue({
        id: '7003',
        shortId: 'API-31',
        latestEvent: event('API-31'),
        project: 'api',
        title: 'Error: discount code not found',
        count: 150,
        userCount: 30,
        lastSeen: ago(5 * DAY, now),
        metadata: { filename: 'src/cart/discounts.js', function: 'applyDiscount' }
      }),
      makeIssue({
        id: '7004',
        shortId: 'WEB-9',
        latestEvent: event('WEB-9'),
        project: 'web',
        title: "TypeError: Cannot read properties of null (reading 'length')",
        count: 42,
        userCount: 9,
        lastSeen: recent,
        metadata: { filename: 'src/search/suggest.js', function: 'suggest' }
      }),
      makeIssue({
        id: '7005',
        shortId: 'API-40',
        project: 'api',
        title: 'Warning: slow query on /orders',
        level: 'warning',
        count: 1,
        userCount: 1,
        lastSeen: recent
      }),
      makeIssue({ id: '7006', shortId: 'BILLING-3', project: 'billing', count: 999, lastSeen: recent }),
      makeIssue({
        id: '7007',
        shortId: 'API-2',
        project: 'api',
        status: 'resolved',
        count: 800,
        lastSeen: recent
      }),
      makeIssue({
        id: '7008',
        shortId: 'API-5',
        project: 'api',
        count: 700,
        environments: ['staging'],
        lastSeen: recent
      })
    ]
  }
  const github = makeWorld({
    branches: {
      main: fakeSha('main'),
      'fix/sentry-WEB-7': fakeSha('fix/sentry-WEB-7'),
      'feature/checkout-redesign': fakeSha('feature')
    },
    pulls: [
      makePull({ number: 3, head: 'feature/checkout-redesign', user: 'octocat', title: 'Redesign checkout' }),
      makePull({
        number: 8,
        head: 'fix/sentry-API-31',
        merged_at: ago(2 * DAY, now),
        created_at: ago(4 * DAY, now)
      }),
      makePull({
        number: 11,
        head: { ref: 'fix/sentry-WEB-7', sha: fakeSha('fix/sentry-WEB-7') },
        created_at: ago(DAY, now)
      })
    ]
  })
  return {
    sentry,
    github,
    inputs: {
      'sentry-org': 'acme',
      'sentry-project': 'api, web',
      'sentry-environment': 'production',
      'min-events': '2',
      top: '5',
      'max-prs': '2',
      mode: 'triage'
    },
    expected: {
      'API-12': 'triage-only',
      'WEB-7': 'existing-pr',
      'API-31': 'fixed-not-recurred',
      'WEB-9': 'triage-only',
      'API-40': 'below-threshold'
    }
  }
}

/**
 * The triage scenario with four candidates, for the fan-out's spares: WEB-7's open PR and branch are gone and API-40
 * has enough events, so the candidates are API-12, WEB-7, WEB-9 and API-40 (in that order); API-31 stays fixed.
 */
export function spareScenario(now = Date.now()): TriageScenario {
  const base = triageScenario(now)
  const branches = base.github.branches as Record<string, string>
  delete branches['fix/sentry-WEB-7']
  base.github.pulls = base.github.pulls.filter(p => p.head.ref !== 'fix/sentry-WEB-7')
  const api40 = base.sentry.issues.find(i => i.shortId === 'API-40')!
  api40.count = 20
  return {
    ...base,
    expected: {
      'API-12': 'triage-only',
      'WEB-7': 'triage-only',
      'API-31': 'fixed-not-recurred',
      'WEB-9': 'triage-only',
      'API-40': 'triage-only'
    }
  }
}
