import { readFile } from 'node:fs/promises'
import { afterEach, describe, expect, it } from '@jest/globals'
import { createSentryApi, SentryError, type SentryApiOptions } from '../../src/adapters/sentry-http.js'
import type { IssueListQuery, Log } from '../../src/ports.js'
import type { SentryIssue } from '../../src/domain/types.js'
import {
  FAKE_SENTRY_TOKEN,
  makeIssue,
  makeProject,
  sentryLinkHeader,
  startFakeSentry,
  type FakeSentry,
  type FakeSentryOptions,
  type RecordedRequest,
  type SentryWorld
} from '../../test-support/sandbox/fake-sentry.js'

const NOW = Date.parse('2026-11-24T12:00:00Z')
const ISSUES_PATH = '/api/0/organizations/acme/issues/'

function recordingLog(): Log & { warnings: string[]; debugs: string[]; infos: string[] } {
  const warnings: string[] = []
  const debugs: string[] = []
  const infos: string[] = []
  return {
    warnings,
    debugs,
    infos,
    info: m => void infos.push(m),
    debug: m => void debugs.push(m),
    warning: m => void warnings.push(m),
    group: (_name, fn) => fn()
  }
}

function world(issueCount = 5): SentryWorld {
  const backend = makeProject({ id: '101', slug: 'backend' })
  const web = makeProject({ id: '102', slug: 'web', platform: 'javascript' })
  return {
    org: 'acme',
    projects: [backend, web],
    issues: Array.from({ length: issueCount }, (_, i) =>
      makeIssue({
        id: String(7000 + i),
        shortId: `BACKEND-${i + 1}`,
        project: 'backend',
        count: 100 - i * 10,
        title: `Error: failure number ${i + 1}`,
        lastSeen: new Date(NOW - 3_600_000).toISOString(),
        firstSeen: new Date(NOW - 2 * 86_400_000).toISOString()
      })
    )
  }
}

const fakes: FakeSentry[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map(f => f.close()))
})

async function setup(
  w: SentryWorld = world(),
  fakeOptions: FakeSentryOptions = {},
  apiOptions: Partial<SentryApiOptions> = {}
): Promise<{
  fake: FakeSentry
  api: ReturnType<typeof createSentryApi>
  log: ReturnType<typeof recordingLog>
  waits: number[]
}> {
  const fake = await startFakeSentry(w, { now: () => NOW, ...fakeOptions })
  fakes.push(fake)
  const log = recordingLog()
  const waits: number[] = []
  const api = createSentryApi({
    baseUrl: fake.url,
    org: 'acme',
    token: FAKE_SENTRY_TOKEN,
    log,
    now: () => NOW,
    sleep: async ms => void waits.push(ms),
    ...apiOptions
  })
  return { fake, api, log, waits }
}

const QUERY: IssueListQuery = {
  projectIds: ['101'],
  query: 'is:unresolved',
  environment: 'production',
  statsPeriod: '7d',
  limit: 100
}

async function allPages(pages: AsyncIterable<SentryIssue[]>): Promise<SentryIssue[][]> {
  const out: SentryIssue[][] = []
  for await (const page of pages) out.push(page)
  return out
}

const issueRequests = (fake: FakeSentry): RecordedRequest[] =>
  fake.requests.filter(r => r.path === ISSUES_PATH)
const onIssues = (req: RecordedRequest): boolean => req.path === ISSUES_PATH

async function rejection(promise: Promise<unknown>): Promise<SentryError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(SentryError)
    return error as SentryError
  }
  throw new Error('expected a SentryError, but the call succeeded')
}

describe('issuePages', () => {
  it('follows Link pagination across three pages and stops when the next link says results="false"', async () => {
    const { fake, api } = await setup(world(5), { pageSize: 2 })
    const pages = await allPages(api.issuePages(QUERY))
    expect(pages.map(p => p.map(i => i.shortId))).toEqual([
      ['BACKEND-1', 'BACKEND-2'],
      ['BACKEND-3', 'BACKEND-4'],
      ['BACKEND-5']
    ])
    expect(issueRequests(fake).map(r => r.query.get('cursor'))).toEqual([null, '0:2:0', '0:4:0'])
  })

  it('makes no further request once the consumer stops iterating', async () => {
    const { fake, api } = await setup(world(5), { pageSize: 2 })
    const seen: string[] = []
    for await (const page of api.issuePages(QUERY)) {
      seen.push(...page.map(i => i.shortId))
      break
    }
    expect(seen).toEqual(['BACKEND-1', 'BACKEND-2'])
    expect(issueRequests(fake)).toHaveLength(1)
  })

  it('sends project ids, query, environment, statsPeriod, sort=freq and limit', async () => {
    const w = world(2)
    w.issues.push(
      makeIssue({
        id: '7100',
        shortId: 'WEB-1',
        project: 'web',
        firstRelease: '1.2 beta',
        count: 3,
        lastSeen: new Date(NOW - 60_000).toISOString()
      })
    )
    const { fake, api } = await setup(w)
    const pages = await allPages(
      api.issuePages({
        projectIds: ['101', '102'],
        query: 'is:unresolved firstRelease:"1.2 beta"',
        environment: 'production',
        statsPeriod: '14d',
        limit: 25
      })
    )
    const [req] = issueRequests(fake)
    expect(req?.query.getAll('project')).toEqual(['101', '102'])
    expect(req?.query.get('query')).toBe('is:unresolved firstRelease:"1.2 beta"')
    expect(req?.query.getAll('environment')).toEqual(['production'])
    expect(req?.query.get('statsPeriod')).toBe('14d')
    expect(req?.query.get('sort')).toBe('freq')
    expect(req?.query.get('limit')).toBe('25')
    expect(pages.flat().map(i => i.shortId)).toEqual(['WEB-1'])
  })

  it('omits the environment parameter when no environment is set', async () => {
    const { fake, api } = await setup()
    await allPages(api.issuePages({ ...QUERY, environment: '' }))
    expect(issueRequests(fake)[0]?.query.has('environment')).toBe(false)
  })

  it('sends the token as a Bearer header and identifies itself with the package version', async () => {
    const { fake, api } = await setup()
    await allPages(api.issuePages(QUERY))
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string
    }
    const headers = issueRequests(fake)[0]?.headers
    expect(headers?.authorization).toBe(`Bearer ${FAKE_SENTRY_TOKEN}`)
    expect(headers?.accept).toBe('application/json')
    expect(headers?.['user-agent']).toBe(`sentry-codex-triage/${pkg.version}`)
  })

  it('turns the wire count string into a number of events and keeps the issue fields', async () => {
    const { fake, api } = await setup(world(1))
    const raw = await fetch(`${fake.url}${ISSUES_PATH}?project=101`, {
      headers: { Authorization: `Bearer ${FAKE_SENTRY_TOKEN}` }
    })
    const wire = (await raw.json()) as { count: unknown }[]
    expect(typeof wire[0]?.count).toBe('string')

    const [issue] = (await allPages(api.issuePages(QUERY))).flat()
    expect(issue).toEqual({
      id: '7000',
      shortId: 'BACKEND-1',
      title: 'Error: failure number 1',
      culprit: 'handler(src/app.js)',
      level: 'error',
      events: 100,
      users: 3,
      firstSeen: new Date(NOW - 2 * 86_400_000).toISOString(),
      lastSeen: new Date(NOW - 3_600_000).toISOString(),
      permalink: `${fake.url}/organizations/acme/issues/7000/`,
      project: { id: '101', slug: 'backend' }
    })
  })

  it('accepts a null culprit, unknown extra fields, and maps an unknown level to "unknown"', async () => {
    const { fake, api } = await setup(world(1))
    fake.faults.push({
      match: onIssues,
      response: async (_req, normal) => {
        const answer = await normal()
        const [first] = answer.body as Record<string, unknown>[]
        return { ...answer, body: [{ ...first, culprit: null, level: 'critical', brandNewField: { x: 1 } }] }
      }
    })
    const [issue] = (await allPages(api.issuePages(QUERY))).flat()
    expect(issue?.culprit).toBeNull()
    expect(issue?.level).toBe('unknown')
  })

  it('waits until X-Sentry-Rate-Limit-Reset after a 429, then retries', async () => {
    const { fake, api, log, waits } = await setup()
    fake.faults.push({
      match: onIssues,
      response: {
        status: 429,
        headers: {
          'X-Sentry-Rate-Limit-Reset': String(NOW / 1000 + 7),
          'X-Sentry-Rate-Limit-Remaining': '0'
        },
        body: {
          detail: 'You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds'
        }
      }
    })
    const pages = await allPages(api.issuePages(QUERY))
    expect(pages.flat()).toHaveLength(5)
    expect(waits).toEqual([7000])
    expect(issueRequests(fake)).toHaveLength(2)
    expect(log.warnings.join('\n')).toMatch(/429.*retrying in 7\.0 s/)
  })

  it('caps a far-away rate-limit reset at 120 seconds', async () => {
    const { fake, api, waits } = await setup()
    fake.faults.push({
      match: onIssues,
      response: {
        status: 429,
        headers: { 'X-Sentry-Rate-Limit-Reset': String(NOW / 1000 + 3600) },
        body: { detail: 'slow down' }
      }
    })
    await allPages(api.issuePages(QUERY))
    expect(waits).toEqual([120_000])
  })

  it('honours Retry-After on a 429 without a rate-limit reset header', async () => {
    const { fake, api, waits } = await setup()
    fake.faults.push({
      match: onIssues,
      response: {
        status: 429,
        headers: { 'X-Sentry-Rate-Limit-Reset': '', 'Retry-After': '3' },
        body: { detail: 'slow down' }
      }
    })
    await allPages(api.issuePages(QUERY))
    expect(waits).toEqual([3000])
  })

  it('survives a 502 followed by success, backing off about a second', async () => {
    const { fake, api, log, waits } = await setup()
    fake.faults.push({
      match: onIssues,
      response: { status: 502, raw: '<html>Bad Gateway</html>', headers: { 'Content-Type': 'text/html' } }
    })
    const pages = await allPages(api.issuePages(QUERY))
    expect(pages.flat()).toHaveLength(5)
    expect(waits).toHaveLength(1)
    expect(waits[0]).toBeGreaterThanOrEqual(500)
    expect(waits[0]).toBeLessThanOrEqual(1000)
    expect(log.warnings[0]).toMatch(/502/)
  })

  it('gives up with a server error after maxRetries retries of a 5xx storm, backing off exponentially', async () => {
    const { fake, api, waits } = await setup(world(), {}, { maxRetries: 3 })
    fake.faults.push({
      match: onIssues,
      times: 50,
      response: { status: 503, body: { detail: 'Service unavailable' } }
    })
    const error = await rejection(allPages(api.issuePages(QUERY)))
    expect(error.kind).toBe('server')
    expect(error.status).toBe(503)
    expect(error.message).toContain(`GET ${ISSUES_PATH}`)
    expect(issueRequests(fake)).toHaveLength(4)
    expect(waits).toHaveLength(3)
    waits.forEach((wait, i) => {
      expect(wait).toBeGreaterThanOrEqual(1000 * 2 ** i * 0.5)
      expect(wait).toBeLessThanOrEqual(1000 * 2 ** i)
    })
  })

  it('reports a rejected token clearly, without retrying and without the token in the message', async () => {
    const { fake, api, waits } = await setup(world(), {}, { token: 'sntryu_wrong_token_value' })
    const error = await rejection(allPages(api.issuePages(QUERY)))
    expect(error.kind).toBe('auth')
    expect(error.status).toBe(401)
    expect(error.message).toContain(
      `Sentry rejected sentry-token (401 Unauthorized) for GET ${ISSUES_PATH}: check that the token is valid and has ` +
        'org:read, project:read and event:read'
    )
    expect(error.message).not.toContain('sntryu_wrong_token_value')
    expect(issueRequests(fake)).toHaveLength(1)
    expect(waits).toEqual([])
  })

  it('does not retry a 403 either', async () => {
    const { fake, api } = await setup()
    fake.faults.push({
      match: onIssues,
      times: 5,
      response: { status: 403, body: { detail: 'You do not have permission to perform this action.' } }
    })
    const error = await rejection(allPages(api.issuePages(QUERY)))
    expect(error.kind).toBe('auth')
    expect(error.message).toContain('(403 Forbidden)')
    expect(issueRequests(fake)).toHaveLength(1)
  })

  it('reports truncated JSON as an invalid response naming the endpoint', async () => {
    const { fake, api } = await setup()
    fake.faults.push({ match: onIssues, response: { status: 200, raw: '[{"id": "7000", "shortId": "BACK' } })
    const error = await rejection(allPages(api.issuePages(QUERY)))
    expect(error.kind).toBe('invalid-response')
    expect(error.message).toContain(`GET ${ISSUES_PATH}`)
    expect(error.message).toContain('not valid JSON')
  })

  it('reports a response of the wrong shape by field, not by dumping the payload', async () => {
    const { fake, api } = await setup(world(2))
    fake.faults.push({
      match: onIssues,
      response: async (_req, normal) => {
        const answer = await normal()
        const [first, second] = answer.body as Record<string, unknown>[]
        return { ...answer, body: [first, { ...second, count: 'lots' }] }
      }
    })
    const error = await rejection(allPages(api.issuePages(QUERY)))
    expect(error.kind).toBe('invalid-response')
    expect(error.message).toContain(`GET ${ISSUES_PATH}`)
    expect(error.message).toContain('[1].count')
    expect(error.message).not.toContain('failure number')
  })

  it('detects a pagination loop (a next cursor already followed) and stops with a warning', async () => {
    const { fake, api, log } = await setup(world(6), { pageSize: 2 })
    fake.faults.push({
      match: req => onIssues(req) && req.query.get('cursor') === '0:2:0',
      times: 10,
      response: async (req, normal) => {
        const answer = await normal()
        const pageUrl = `${fake.url}${req.path}?${req.query.toString()}`
        const link = sentryLinkHeader(
          pageUrl,
          { cursor: '0:0:1', results: true },
          { cursor: '0:2:0', results: true }
        )
        return { ...answer, headers: { ...answer.headers, Link: link } }
      }
    })
    const pages = await allPages(api.issuePages(QUERY))
    expect(pages).toHaveLength(2)
    expect(issueRequests(fake)).toHaveLength(2)
    expect(log.warnings.join('\n')).toMatch(/pagination loop/)
  })

  it('stops after maxPages pages with a warning', async () => {
    const { fake, api, log } = await setup(world(6), { pageSize: 2 }, { maxPages: 2 })
    const pages = await allPages(api.issuePages(QUERY))
    expect(pages).toHaveLength(2)
    expect(issueRequests(fake)).toHaveLength(2)
    expect(log.warnings.join('\n')).toMatch(/after 2 pages/)
  })

  it('retries a response that takes longer than the request timeout', async () => {
    const { fake, api, waits } = await setup(world(), {}, { requestTimeoutMs: 200 })
    fake.faults.push({ match: onIssues, response: { status: 200, body: [], delayMs: 1500 } })
    const pages = await allPages(api.issuePages(QUERY))
    expect(pages.flat()).toHaveLength(5)
    expect(waits).toHaveLength(1)
    expect(issueRequests(fake)).toHaveLength(2)
  })

  it('reports an unreachable host as a network error after retrying', async () => {
    const fake = await startFakeSentry(world())
    const url = fake.url
    await fake.close()
    const waits: number[] = []
    const api = createSentryApi({
      baseUrl: url,
      org: 'acme',
      token: FAKE_SENTRY_TOKEN,
      log: recordingLog(),
      maxRetries: 2,
      sleep: async ms => void waits.push(ms)
    })
    const error = await rejection(allPages(api.issuePages(QUERY)))
    expect(error.kind).toBe('network')
    expect(error.message).toContain('ECONNREFUSED')
    expect(error.message).toContain('sentry-host')
    expect(waits).toHaveLength(2)
  })

  it('names sentry-org and sentry-host when the organization does not exist', async () => {
    const { fake, api } = await setup(world(), {}, { org: 'acme-typo' })
    const error = await rejection(allPages(api.issuePages(QUERY)))
    expect(error.kind).toBe('not-found')
    expect(error.message).toBe(
      `Sentry organization 'acme-typo' was not found at ${fake.host}: check sentry-org (the organization slug) and sentry-host`
    )
  })

  it('passes on what Sentry said about a query it refused', async () => {
    const { api } = await setup()
    const error = await rejection(allPages(api.issuePages({ ...QUERY, query: 'is:bogus' })))
    expect(error.kind).toBe('bad-request')
    expect(error.status).toBe(400)
    expect(error.message).toContain('Invalid value for "is" search')
    expect(error.message).toContain('sentry-query')
  })

  it('logs each request line at debug level and nothing at info level', async () => {
    const { api, log } = await setup(world(3), { pageSize: 2 })
    await allPages(api.issuePages(QUERY))
    expect(log.debugs).toHaveLength(2)
    expect(log.debugs[1]).toMatch(
      /^Sentry: GET \/api\/0\/organizations\/acme\/issues\/\?project=101&.*cursor=0%3A2%3A0$/
    )
    expect(log.debugs.join('\n')).not.toContain(FAKE_SENTRY_TOKEN)
    expect(log.infos).toEqual([])
  })
})

describe('resolveProjects', () => {
  it('resolves slugs to their numeric ids as strings, in the order given', async () => {
    const { api } = await setup()
    expect(await api.resolveProjects(['web', 'backend'])).toEqual([
      { id: '102', slug: 'web' },
      { id: '101', slug: 'backend' }
    ])
  })

  it('names the missing slug, the organization and the input to check', async () => {
    const { api } = await setup()
    const error = await rejection(api.resolveProjects(['backend', 'Backend API']))
    expect(error.kind).toBe('not-found')
    expect(error.message).toBe(
      "Sentry project 'Backend API' was not found in organization 'acme': check sentry-project (slugs, not names) " +
        'and that the token can see it'
    )
  })

  it('looks up a few projects at once, one request each', async () => {
    const slugs = Array.from({ length: 3 }, (_, i) => `p${i}`)
    const w: SentryWorld = {
      org: 'acme',
      projects: slugs.map((slug, i) => makeProject({ slug, id: String(200 + i) })),
      issues: []
    }
    const { fake, api } = await setup(w)
    let inFlight = 0
    let peak = 0
    fake.faults.push({
      times: 10,
      response: async (_req, normal) => {
        inFlight += 1
        peak = Math.max(peak, inFlight)
        await new Promise(r => setTimeout(r, 100))
        inFlight -= 1
        return normal()
      }
    })
    const resolved = await api.resolveProjects(slugs)
    expect(resolved.map(p => p.id)).toEqual(slugs.map((_, i) => String(200 + i)))
    expect(peak).toBe(3)
    expect(fake.requests.map(r => r.path).sort()).toEqual(slugs.map(s => `/api/0/projects/acme/${s}/`).sort())
  })
})

describe('fake Sentry', () => {
  it('answers JSON with rate-limit headers and Sentry-style Link headers', async () => {
    const { fake } = await setup(world(3), { pageSize: 2 })
    const res = await fetch(`${fake.url}${ISSUES_PATH}?project=101&sort=freq`, {
      headers: { Authorization: `Bearer ${FAKE_SENTRY_TOKEN}` }
    })
    expect(res.headers.get('content-type')).toBe('application/json')
    for (const h of ['Limit', 'Remaining', 'Reset', 'ConcurrentLimit', 'ConcurrentRemaining']) {
      expect(res.headers.get(`x-sentry-rate-limit-${h}`)).toMatch(/^\d+$/)
    }
    expect(res.headers.get('link')).toBe(
      `<${fake.url}${ISSUES_PATH}?project=101&sort=freq&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", ` +
        `<${fake.url}${ISSUES_PATH}?project=101&sort=freq&cursor=0:2:0>; rel="next"; results="true"; cursor="0:2:0"`
    )
  })

  it('serves the latest event with frames outermost first and the in-app frame last', async () => {
    const { fake } = await setup(world(1))
    const res = await fetch(`${fake.url}/api/0/organizations/acme/issues/BACKEND-1/events/latest/`, {
      headers: { Authorization: `Bearer ${FAKE_SENTRY_TOKEN}` }
    })
    const event = (await res.json()) as {
      groupID: string
      entries: {
        type: string
        data: { values: { stacktrace: { frames: { inApp: boolean; filename: string }[] } }[] }
      }[]
    }
    expect(event.groupID).toBe('7000')
    const frames = event.entries.find(e => e.type === 'exception')?.data.values[0]?.stacktrace.frames ?? []
    expect(frames.at(-1)).toMatchObject({ inApp: true, filename: 'src/app.js' })
    expect(frames[0]?.inApp).toBe(false)
  })

  it('answers autofix with null until a run is started, then with the seeded completed state', async () => {
    const w = world(1)
    const seeded = w.issues[0]
    if (seeded) {
      seeded.autofix = {
        rootCause: {
          oneLineDescription: 'order.customer is undefined for guest orders',
          fiveWhys: ['a'],
          reproductionSteps: ['b']
        },
        solution: {
          oneLineSummary: 'guard guest orders',
          steps: [{ title: 'Guard', description: 'check customer' }]
        }
      }
    }
    const { fake } = await setup(w)
    const url = `${fake.url}/api/0/organizations/acme/issues/7000/autofix/`
    const auth = { Authorization: `Bearer ${FAKE_SENTRY_TOKEN}` }
    expect(await (await fetch(url, { headers: auth })).json()).toEqual({ autofix: null })
    const started = await fetch(url, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ event_id: 'x' })
    })
    const { run_id } = (await started.json()) as { run_id: number }
    expect(typeof run_id).toBe('number')
    const state = (await (await fetch(url, { headers: auth })).json()) as {
      autofix: { run_id: number; status: string; blocks: { artifacts: { key: string }[] }[] }
    }
    expect(state.autofix.run_id).toBe(run_id)
    expect(state.autofix.status).toBe('completed')
    expect(state.autofix.blocks.flatMap(b => b.artifacts.map(a => a.key))).toEqual(['root_cause', 'solution'])
    expect(fake.writes().map(r => `${r.method} ${r.path}`)).toEqual([
      'POST /api/0/organizations/acme/issues/7000/autofix/'
    ])
  })

  it('answers 401 JSON for a missing or wrong token and 404 JSON for an unknown path', async () => {
    const { fake } = await setup()
    const none = await fetch(`${fake.url}${ISSUES_PATH}`)
    expect(none.status).toBe(401)
    expect(await none.json()).toEqual({ detail: 'Authentication credentials were not provided.' })
    const wrong = await fetch(`${fake.url}${ISSUES_PATH}`, { headers: { Authorization: 'Bearer nope' } })
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toEqual({ detail: 'Invalid token' })
    const unknown = await fetch(`${fake.url}/api/0/organizations/acme/nothing-here/`, {
      headers: { Authorization: `Bearer ${FAKE_SENTRY_TOKEN}` }
    })
    expect(unknown.status).toBe(404)
    expect(unknown.headers.get('content-type')).toBe('application/json')
    expect(await unknown.json()).toEqual({ detail: 'The requested resource does not exist' })
  })

  it('records an issue update and a note as writes', async () => {
    const { fake } = await setup(world(1))
    const auth = { Authorization: `Bearer ${FAKE_SENTRY_TOKEN}`, 'Content-Type': 'application/json' }
    const issueUrl = `${fake.url}/api/0/organizations/acme/issues/7000/`
    expect(fake.writes()).toEqual([])
    await fetch(issueUrl, { method: 'PUT', headers: auth, body: JSON.stringify({ status: 'resolved' }) })
    const note = await fetch(`${issueUrl}notes/`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ text: 'hi' })
    })
    expect(note.status).toBe(201)
    expect(fake.writes().map(r => `${r.method} ${r.path}`)).toEqual([
      'PUT /api/0/organizations/acme/issues/7000/',
      'POST /api/0/organizations/acme/issues/7000/notes/'
    ])
    expect(fake.world.issues[0]?.status).toBe('resolved')
  })

  it('leaves out issues last seen before the stats period', async () => {
    const w = world(2)
    const old = w.issues[1]
    if (old) old.lastSeen = new Date(NOW - 10 * 86_400_000).toISOString()
    const { api } = await setup(w)
    const issues = (await allPages(api.issuePages(QUERY))).flat()
    expect(issues.map(i => i.shortId)).toEqual(['BACKEND-1'])
    const wider = (await allPages(api.issuePages({ ...QUERY, statsPeriod: '14d' }))).flat()
    expect(wider.map(i => i.shortId)).toEqual(['BACKEND-1', 'BACKEND-2'])
  })
})

describe('issueEvidence', () => {
  it('reads the issue detail and its latest event for the prompt digest', async () => {
    const { startFakeSentry, makeIssue, makeProject, FAKE_SENTRY_TOKEN } =
      await import('../../test-support/sandbox/fake-sentry.js')
    const { recordingLog } = await import('../../test-support/recording-log.js')
    const fake = await startFakeSentry({
      org: 'acme',
      projects: [makeProject({ id: '11', slug: 'api' })],
      issues: [makeIssue({ id: '501', shortId: 'API-9', project: 'api', title: 'TypeError: boom' })]
    })
    try {
      const { createSentryApi } = await import('../../src/adapters/sentry-http.js')
      const api = createSentryApi({
        baseUrl: fake.url,
        org: 'acme',
        token: FAKE_SENTRY_TOKEN,
        log: recordingLog()
      })
      const evidence = (await api.issueEvidence('501')) as {
        issue: { shortId: string }
        latestEvent: { eventID: string }
      }
      expect(evidence.issue.shortId).toBe('API-9')
      expect(typeof evidence.latestEvent.eventID).toBe('string')
      expect(fake.requests.map(r => r.path).sort()).toEqual([
        '/api/0/organizations/acme/issues/501/',
        '/api/0/organizations/acme/issues/501/events/latest/'
      ])
    } finally {
      await fake.close()
    }
  })
})

describe('resolveProjects with many projects', () => {
  it('walks the organization project list (100 a page) instead of one look-up per project, and names a missing slug', async () => {
    const { startFakeSentry, makeProject, FAKE_SENTRY_TOKEN } =
      await import('../../test-support/sandbox/fake-sentry.js')
    const { recordingLog } = await import('../../test-support/recording-log.js')
    const projects = Array.from({ length: 150 }, (_, i) =>
      makeProject({ id: String(100 + i), slug: `svc-${i}` })
    )
    const fake = await startFakeSentry({ org: 'acme', projects, issues: [] })
    try {
      const { createSentryApi } = await import('../../src/adapters/sentry-http.js')
      const api = createSentryApi({
        baseUrl: fake.url,
        org: 'acme',
        token: FAKE_SENTRY_TOKEN,
        log: recordingLog()
      })
      const slugs = ['svc-3', 'svc-7', 'svc-120', 'svc-42']
      expect(await api.resolveProjects(slugs)).toEqual(
        slugs.map(slug => ({ slug, id: String(100 + Number(slug.slice(4))) }))
      )
      // 150 projects, 100 a page: at most two requests, whatever the order
      const listed = fake.requests.filter(r => r.path === '/api/0/organizations/acme/projects/')
      expect(listed.length).toBeLessThanOrEqual(2)
      expect(fake.requests).toHaveLength(listed.length)
      await expect(api.resolveProjects(['svc-1', 'svc-2', 'svc-3', 'nope'])).rejects.toThrow(
        "Sentry project 'nope' was not found in organization 'acme'"
      )
    } finally {
      await fake.close()
    }
  })
})
