// A local fake of Sentry's REST API (/api/0), faithful to the real service where the action and the Sentry MCP server
// depend on it (see the project research notes on Sentry): Bearer auth, JSON on every response, rate-limit headers, Link
// pagination with `0:<offset>:<is_prev>` cursors, issue and event JSON shaped as Sentry sends them (count a string,
// frames outermost first), and the Seer autofix endpoints. Faults are injected per request, ahead of normal handling.
//
// Choices where Sentry's behaviour is richer than a fake needs (documented so tests do not rely on the wrong thing):
// - permalinks are self-hosted style and point at the fake itself: `<fake url>/organizations/<org>/issues/<id>/`;
// - `release:X` matches an issue's firstRelease or lastRelease (Sentry matches any release the issue has events in);
// - `count` is the world's number whatever the statsPeriod/environment (there is no per-event history), but an issue
//   whose lastSeen is older than the statsPeriod window is left out, as Sentry does;
// - the `project` parameter absent or -1 means every project (an org token's view);
// - an unknown `key:value` search term is a tag filter on the issue's latest event tags;
// - the latest, oldest and recommended events are the same single event per issue.
import { startFakeServer, type FakeResponse, type RecordedRequest } from './http-fake.js'

export type { FakeResponse, RecordedRequest } from './http-fake.js'

export const FAKE_SENTRY_TOKEN = 'sntryu_fake_sentry_token_0123456789abcdef'

// ---------------------------------------------------------------------------------------------------------- world

export interface SentryWorldProject {
  /** numeric id, as a string */
  id: string
  slug: string
  name: string
  platform: string | null
}

export interface SentryWorldFrame {
  filename: string
  absPath: string
  function: string | null
  module?: string | null
  lineNo: number
  colNo: number | null
  inApp: boolean
  /** [lineNo, source line] pairs around lineNo */
  context: [number, string][]
  vars?: Record<string, unknown> | null
}

export interface SentryWorldException {
  type: string
  value: string
  mechanism?: { type: string; handled: boolean }
  /** outermost call first, the frame that threw LAST (Sentry's order) */
  frames: SentryWorldFrame[]
}

export interface SentryWorldBreadcrumb {
  timestamp: string
  type: string
  category: string | null
  level: string
  message: string | null
  data: Record<string, unknown> | null
}

export interface SentryWorldEvent {
  /** 32 hex characters */
  eventID: string
  dateCreated: string
  message: string | null
  culprit: string | null
  platform: string
  /** merged over the tags Sentry derives (environment, level, handled, mechanism, release) */
  tags: Record<string, string>
  /** Sentry's `exception.values` order: a chained cause first, the exception that reached the handler last */
  exceptions: SentryWorldException[]
  breadcrumbs: SentryWorldBreadcrumb[]
  request?: { method: string; url: string } | null
  /** structured contexts; leave `trace` out unless the trace endpoints are served (they are not) */
  contexts?: Record<string, Record<string, unknown>>
  user?: { id?: string | null; email?: string | null; ip_address?: string | null } | null
  release?: string | null
  sdk?: { name: string; version: string }
}

export type AutofixStatus = 'completed' | 'processing' | 'error' | 'awaiting_user_input'

/** What Seer "found" for an issue. */
export interface SentryWorldAutofix {
  /** a run exists before anyone asks (GET returns it); otherwise GET is {"autofix": null} until a POST starts one */
  existing?: boolean
  runId?: number
  status?: AutofixStatus
  rootCause?: {
    oneLineDescription: string
    fiveWhys: string[]
    reproductionSteps: string[]
    relevantRepo?: string
  }
  solution?: { oneLineSummary: string; steps: { title: string; description: string }[] }
}

export type SentryWorldLevel = 'fatal' | 'error' | 'warning' | 'info' | 'debug' | 'sample'
export type SentryWorldStatus = 'unresolved' | 'resolved' | 'ignored'

export interface SentryWorldIssue {
  /** numeric id, as a string */
  id: string
  shortId: string
  title: string
  culprit: string | null
  level: SentryWorldLevel
  status: SentryWorldStatus
  substatus?: string | null
  /** events in the stats period: a number here, sent as a STRING like Sentry does */
  count: number
  userCount: number
  /** ISO with Z */
  firstSeen: string
  lastSeen: string
  firstRelease: string | null
  lastRelease?: string | null
  environments: string[]
  /** project slug */
  project: string
  metadata: { type: string; value: string; filename: string; function: string }
  isUnhandled: boolean
  priority?: 'high' | 'medium' | 'low'
  numComments?: number
  latestEvent: SentryWorldEvent
  autofix?: SentryWorldAutofix | null
}

export interface SentryWorld {
  /** organisation slug */
  org: string
  orgId?: string
  orgName?: string
  /** organisation feature flags as GET /organizations/{org}/ lists them */
  orgFeatures?: string[]
  /** false: Seer is not available (self-hosted); POST autofix answers 403 */
  seerEnabled?: boolean
  projects: SentryWorldProject[]
  issues: SentryWorldIssue[]
}

// -------------------------------------------------------------------------------------------------------- builders

let nextProjectId = 4509000000000001
let nextIssueId = 6500000001
const shortIdCounters = new Map<string, number>()

/** A project with defaults: slug `backend`, platform `node`, a fresh numeric id. */
export function makeProject(partial: Partial<SentryWorldProject> = {}): SentryWorldProject {
  const slug = partial.slug ?? 'backend'
  return {
    id: partial.id ?? String(nextProjectId++),
    slug,
    name: partial.name ?? slug,
    platform: partial.platform === undefined ? 'node' : partial.platform
  }
}

export type IssuePartial = Partial<Omit<SentryWorldIssue, 'latestEvent' | 'metadata'>> & {
  metadata?: Partial<SentryWorldIssue['metadata']>
  latestEvent?: Partial<SentryWorldEvent>
}

/**
 * An unresolved error issue with a plausible latest event. Defaults: project `backend`, 10 events, 3 users, first seen
 * 3 days and last seen 1 hour before now (so it falls in a 7d statsPeriod), environment production, and a TypeError
 * thrown in src/app.js whose in-app frame is the last one. Metadata is derived from the title unless given.
 */
export function makeIssue(partial: IssuePartial = {}): SentryWorldIssue {
  const project = partial.project ?? 'backend'
  const id = partial.id ?? String(nextIssueId++)
  const shortId = partial.shortId ?? `${project.toUpperCase()}-${nextShortNumber(project)}`
  const title = partial.title ?? "TypeError: Cannot read properties of undefined (reading 'id')"
  const colon = title.indexOf(': ')
  const metadata = {
    type: partial.metadata?.type ?? (colon > 0 ? title.slice(0, colon) : 'Error'),
    value: partial.metadata?.value ?? (colon > 0 ? title.slice(colon + 2) : title),
    filename: partial.metadata?.filename ?? 'src/app.js',
    function: partial.metadata?.function ?? 'handler'
  }
  const culprit =
    partial.culprit === undefined ? `${metadata.function}(${metadata.filename})` : partial.culprit
  const now = Date.now()
  const lastSeen = partial.lastSeen ?? new Date(now - 3_600_000).toISOString()
  const firstSeen = partial.firstSeen ?? new Date(now - 3 * 86_400_000).toISOString()
  const environments = partial.environments ?? ['production']
  const isUnhandled = partial.isUnhandled ?? true
  const firstRelease = partial.firstRelease === undefined ? null : partial.firstRelease
  const level = partial.level ?? 'error'
  const event = partial.latestEvent ?? {}
  const latestEvent: SentryWorldEvent = {
    eventID: event.eventID ?? hex32(id),
    dateCreated: event.dateCreated ?? lastSeen,
    message: event.message === undefined ? '' : event.message,
    culprit: event.culprit === undefined ? culprit : event.culprit,
    platform: event.platform ?? 'node',
    tags: event.tags ?? {},
    exceptions: event.exceptions ?? [
      {
        type: metadata.type,
        value: metadata.value,
        mechanism: { type: isUnhandled ? 'onuncaughtexception' : 'generic', handled: !isUnhandled },
        frames: defaultFrames(metadata.filename, metadata.function)
      }
    ],
    breadcrumbs: event.breadcrumbs ?? [
      {
        timestamp: new Date(Date.parse(lastSeen) - 2000).toISOString(),
        type: 'http',
        category: 'http',
        level: 'info',
        message: null,
        data: { method: 'GET', url: '/api/orders/42', status_code: 200 }
      }
    ],
    request:
      event.request === undefined
        ? { method: 'GET', url: 'https://app.example.com/api/orders/42' }
        : event.request,
    contexts: event.contexts ?? { runtime: { name: 'node', version: 'v20.11.1', type: 'runtime' } },
    user: event.user === undefined ? { id: '42', email: null, ip_address: null } : event.user,
    release: event.release === undefined ? firstRelease : event.release,
    sdk: event.sdk ?? { name: 'sentry.javascript.node', version: '8.40.0' }
  }
  return {
    id,
    shortId,
    title,
    culprit,
    level,
    status: partial.status ?? 'unresolved',
    substatus: partial.substatus,
    count: partial.count ?? 10,
    userCount: partial.userCount ?? 3,
    firstSeen,
    lastSeen,
    firstRelease,
    lastRelease: partial.lastRelease === undefined ? firstRelease : partial.lastRelease,
    environments,
    project,
    metadata,
    isUnhandled,
    priority: partial.priority,
    numComments: partial.numComments,
    latestEvent,
    autofix: partial.autofix
  }
}

function nextShortNumber(project: string): number {
  const n = (shortIdCounters.get(project) ?? 0) + 1
  shortIdCounters.set(project, n)
  return n
}

function hex32(seed: string): string {
  let h = 0x811c9dc5
  let out = ''
  for (let round = 0; out.length < 32; round++) {
    for (const ch of `${seed}:${round}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0
    out += h.toString(16).padStart(8, '0')
  }
  return out.slice(0, 32)
}

function defaultFrames(filename: string, fn: string): SentryWorldFrame[] {
  return [
    {
      filename: 'node:internal/process/task_queues',
      absPath: 'node:internal/process/task_queues',
      function: 'process.processTicksAndRejections',
      module: 'task_queues',
      lineNo: 95,
      colNo: 5,
      inApp: false,
      context: []
    },
    {
      filename,
      absPath: `/srv/app/${filename}`,
      function: fn,
      module: filename.replace(/\.[a-z]+$/, '').replace(/\//g, ':'),
      lineNo: 12,
      colNo: 24,
      inApp: true,
      context: [
        [10, `export async function ${fn}(req) {`],
        [11, '  const order = await load(req.params.id)'],
        [12, '  return { id: order.customer.id }'],
        [13, '}']
      ]
    }
  ]
}

// -------------------------------------------------------------------------------------------------------- faults

export interface Fault {
  /** which requests this fault answers (default: every request) */
  match?: (req: RecordedRequest) => boolean
  /** how many matching requests it answers (default 1) */
  times?: number
  /** the answer, or a function of the request and of the answer the fake would have given */
  response:
    | FakeResponse
    | ((req: RecordedRequest, normal: () => Promise<FakeResponse>) => FakeResponse | Promise<FakeResponse>)
}

export class FaultQueue {
  private readonly queue: { fault: Fault; left: number }[] = []

  push(...faults: Fault[]): void {
    for (const fault of faults) this.queue.push({ fault, left: fault.times ?? 1 })
  }

  /** Faults that have not answered all their requests yet. */
  get pending(): number {
    return this.queue.filter(entry => entry.left > 0).length
  }

  clear(): void {
    this.queue.length = 0
  }

  /** The first live fault that matches, consumed once. */
  take(req: RecordedRequest): Fault | undefined {
    const entry = this.queue.find(e => e.left > 0 && (e.fault.match ? e.fault.match(req) : true))
    if (!entry) return undefined
    entry.left -= 1
    return entry.fault
  }
}

// ---------------------------------------------------------------------------------------------------------- server

export interface FakeSentryOptions {
  /** the token every request must carry as `Authorization: Bearer <token>` (default FAKE_SENTRY_TOKEN) */
  token?: string
  /** delay every answer by this long */
  latencyMs?: number
  /** the server's own maximum page size (default 100), to force pagination with small worlds */
  pageSize?: number
  /** serve HTTPS with this PEM key and certificate */
  https?: { key: string; cert: string }
  /** the fake's clock (ms since epoch) for rate-limit headers and the statsPeriod window (default Date.now) */
  now?: () => number
}

export interface FakeSentry {
  /** base URL, e.g. http://127.0.0.1:PORT (no trailing slash) */
  url: string
  /** '127.0.0.1:PORT', what @sentry/mcp-server's --host takes */
  host: string
  token: string
  requests: RecordedRequest[]
  /** every request that was not a GET */
  writes(): RecordedRequest[]
  faults: FaultQueue
  world: SentryWorld
  close(): Promise<void>
}

const RATE_LIMIT = 40
const CONCURRENT_LIMIT = 25
const MAX_LIMIT = 100

export async function startFakeSentry(
  world: SentryWorld,
  options: FakeSentryOptions = {}
): Promise<FakeSentry> {
  const token = options.token ?? FAKE_SENTRY_TOKEN
  const now = options.now ?? Date.now
  const faults = new FaultQueue()
  const autofixRuns = new Map<string, number>()
  let nextRunId = 21830
  let base = ''
  let inFlight = 0
  let windowStart = 0
  let windowCount = 0

  function rateLimitHeaders(): Record<string, string> {
    const second = Math.floor(now() / 1000)
    if (second !== windowStart) {
      windowStart = second
      windowCount = 0
    }
    windowCount += 1
    return {
      'X-Sentry-Rate-Limit-Limit': String(RATE_LIMIT),
      'X-Sentry-Rate-Limit-Remaining': String(Math.max(0, RATE_LIMIT - windowCount)),
      'X-Sentry-Rate-Limit-Reset': String(second + 1),
      'X-Sentry-Rate-Limit-ConcurrentLimit': String(CONCURRENT_LIMIT),
      'X-Sentry-Rate-Limit-ConcurrentRemaining': String(Math.max(0, CONCURRENT_LIMIT - inFlight))
    }
  }

  function finish(response: FakeResponse): FakeResponse {
    // Every Sentry answer is JSON, faults with raw text included (a truncated body still says application/json).
    // Header names are lower-cased so that a fault's `Content-Type` replaces the default instead of doubling it.
    const headers: Record<string, string> = {}
    const all = { 'content-type': 'application/json', ...rateLimitHeaders(), ...response.headers }
    for (const [name, value] of Object.entries(all)) headers[name.toLowerCase()] = value
    return { ...response, headers }
  }

  async function handle(req: RecordedRequest): Promise<FakeResponse> {
    inFlight += 1
    try {
      const normal = async (): Promise<FakeResponse> => route(req)
      const fault = faults.take(req)
      if (fault) {
        const response =
          typeof fault.response === 'function' ? await fault.response(req, normal) : fault.response
        return finish(response)
      }
      return finish(await normal())
    } finally {
      inFlight -= 1
    }
  }

  function route(req: RecordedRequest): FakeResponse {
    if (!req.path.startsWith('/api/0/')) return notFound()
    const auth = req.headers.authorization
    if (!auth) return detail(401, 'Authentication credentials were not provided.')
    if (auth !== `Bearer ${token}`) return detail(401, 'Invalid token')
    const parts = req.path.slice('/api/0/'.length).replace(/\/$/, '').split('/')
    const [scope, orgSlug, ...rest] = parts
    if (scope === 'organizations' && orgSlug === undefined && req.method === 'GET') {
      return ok([orgJson()])
    }
    if (orgSlug !== world.org) return notFound()
    if (scope === 'projects') return routeProject(req, rest)
    if (scope === 'organizations') return routeOrganization(req, rest)
    return notFound()
  }

  function routeProject(req: RecordedRequest, rest: string[]): FakeResponse {
    const [slug, sub] = rest
    const project = world.projects.find(p => p.slug === slug)
    if (!project) return notFound()
    if (rest.length === 1 && req.method === 'GET') return ok(projectJson(project))
    if (sub === 'stacktrace-link' && rest.length === 2 && req.method === 'GET') {
      return ok({ config: null, sourceUrl: null, integrations: [] })
    }
    return notFound()
  }

  function routeOrganization(req: RecordedRequest, rest: string[]): FakeResponse {
    const get = req.method === 'GET'
    if (rest.length === 0) return get ? ok(orgJson()) : notFound()
    const [section, issueRef, sub, which] = rest
    if (section === 'projects' && rest.length === 1 && get) return listProjects(req)
    if (section === 'replay-count' && rest.length === 1 && get) return ok({})
    if (section === 'events' && rest.length === 1 && get) return ok({ data: [], meta: { fields: {} } })
    if (section !== 'issues') return notFound()
    if (rest.length === 1) return get ? listIssues(req) : notFound()
    const issue = findWorldIssue(world, issueRef ?? '')
    if (!issue) return notFound()
    if (rest.length === 2) {
      if (get) return ok(issueDetailJson(world, issue, base))
      if (req.method === 'PUT') return updateIssue(issue, req)
      return notFound()
    }
    if (sub === 'events' && rest.length === 4 && get) {
      const ref = which ?? ''
      if (['latest', 'oldest', 'recommended', issue.latestEvent.eventID].includes(ref))
        return ok(latestEventJson(world, issue))
      return detail(404, 'Event not found')
    }
    if (sub === 'autofix' && rest.length === 3) {
      if (get) return ok({ autofix: autofixJson(issue) })
      if (req.method === 'POST') return startAutofix(issue)
    }
    if (sub === 'external-issues' && rest.length === 3 && get) return ok([])
    if (sub === 'notes' && rest.length === 3 && req.method === 'POST') return addNote(req)
    return notFound()
  }

  // ------------------------------------------------------------------------------------------------ issues list

  function listIssues(req: RecordedRequest): FakeResponse {
    const q = req.query
    const projectParams = q.getAll('project').filter(p => p !== '')
    let projects: SentryWorldProject[]
    if (projectParams.length === 0 || projectParams.includes('-1')) {
      projects = world.projects
    } else {
      projects = []
      for (const id of projectParams) {
        if (!/^\d+$/.test(id)) return detail(400, 'Invalid project parameter. Values must be numbers.')
        const project = world.projects.find(p => p.id === id)
        if (!project) return detail(403, 'You do not have permission to perform this action.')
        projects.push(project)
      }
    }
    const environments = q.getAll('environment').filter(e => e !== '')
    const window = statsWindow(q)
    if (typeof window === 'string') return detail(400, window)
    const sort = q.get('sort') ?? 'date'
    if (!['date', 'new', 'freq', 'user', 'trends', 'inbox', 'priority'].includes(sort)) {
      return detail(400, `Invalid sort: ${sort}`)
    }
    const limit = pageLimit(q)
    if (limit === undefined) return detail(400, 'Invalid limit: must be an integer between 1 and 100.')
    const cursor = parseCursor(q.get('cursor'))
    if (!cursor) return detail(400, 'Invalid cursor parameter.')
    const query = q.has('query') ? (q.get('query') ?? '') : 'is:unresolved'

    if (q.get('shortIdLookup') === '1' || q.get('shortIdLookup') === 'true') {
      // A query that is exactly a short ID is a direct hit (Sentry answers with that one issue).
      const ref = query.trim()
      const direct = /^\d+$/.test(ref) ? undefined : findWorldIssue(world, ref)
      if (direct && projects.some(p => p.slug === direct.project)) {
        return ok([issueListJson(world, direct, base)], {
          'X-Sentry-Direct-Hit': '1',
          Link: linkHeader(req, 0, limit, false)
        })
      }
    }
    const terms = parseSearch(query)
    if (typeof terms === 'string') return detail(400, terms)
    const slugs = new Set(projects.map(p => p.slug))
    const matching = world.issues.filter(
      issue =>
        slugs.has(issue.project) &&
        (environments.length === 0 || environments.some(e => issue.environments.includes(e))) &&
        Date.parse(issue.lastSeen) >= window.start &&
        Date.parse(issue.lastSeen) <= window.end &&
        matchesSearch(issue, terms)
    )
    matching.sort(issueOrder(sort))
    const page = matching.slice(cursor.offset, cursor.offset + limit)
    const hasMore = cursor.offset + limit < matching.length
    return ok(
      page.map(issue => issueListJson(world, issue, base)),
      { Link: linkHeader(req, cursor.offset, limit, hasMore) }
    )
  }

  function statsWindow(q: URLSearchParams): { start: number; end: number } | string {
    const end = now()
    const start = q.get('start')
    const stop = q.get('end')
    if (start || stop) {
      const s = Date.parse(start ?? '')
      const e = Date.parse(stop ?? '')
      if (Number.isNaN(s) || Number.isNaN(e)) return 'start and end are both required and must be ISO dates.'
      return { start: s, end: e }
    }
    const period = statsPeriodMs(q.get('statsPeriod') || '14d')
    if (typeof period === 'string') return period
    return { start: end - period, end: Number.POSITIVE_INFINITY }
  }

  function pageLimit(q: URLSearchParams): number | undefined {
    const raw = q.get('limit')
    let limit = MAX_LIMIT
    if (raw !== null) {
      if (!/^\d+$/.test(raw)) return undefined
      limit = Number(raw)
      if (limit < 1 || limit > MAX_LIMIT) return undefined
    }
    return Math.min(limit, options.pageSize ?? MAX_LIMIT)
  }

  function listProjects(req: RecordedRequest): FakeResponse {
    const limit = Math.min(pageLimit(req.query) ?? MAX_LIMIT, MAX_LIMIT)
    const cursor = parseCursor(req.query.get('cursor'))
    if (!cursor) return detail(400, 'Invalid cursor parameter.')
    const sorted = [...world.projects].sort((a, b) => a.slug.localeCompare(b.slug))
    const page = sorted.slice(cursor.offset, cursor.offset + limit)
    return ok(page.map(projectJson), {
      Link: linkHeader(req, cursor.offset, limit, cursor.offset + limit < sorted.length)
    })
  }

  /** Sentry's Link header: both rels always, results="true" only where that page has rows. */
  function linkHeader(req: RecordedRequest, offset: number, limit: number, hasMore: boolean): string {
    const params = new URLSearchParams(req.query)
    params.delete('cursor')
    const qs = params.toString()
    const url = (cursor: string): string => `${base}${req.path}?${qs ? `${qs}&` : ''}cursor=${cursor}`
    const prev = `0:${Math.max(0, offset - limit)}:1`
    const next = `0:${offset + limit}:0`
    return (
      `<${url(prev)}>; rel="previous"; results="${offset > 0}"; cursor="${prev}", ` +
      `<${url(next)}>; rel="next"; results="${hasMore}"; cursor="${next}"`
    )
  }

  // ---------------------------------------------------------------------------------------------- issue writes

  function updateIssue(issue: SentryWorldIssue, req: RecordedRequest): FakeResponse {
    const body = parseBody(req.body)
    if (body === undefined) return detail(400, 'Malformed request.')
    const status = body.status
    if (status !== undefined) {
      if (status !== 'resolved' && status !== 'unresolved' && status !== 'ignored')
        return detail(400, 'Invalid status')
      issue.status = status
      issue.substatus = status === 'unresolved' ? 'ongoing' : null
    }
    return ok({ status: issue.status, statusDetails: {}, substatus: issue.substatus ?? null })
  }

  function addNote(req: RecordedRequest): FakeResponse {
    const body = parseBody(req.body)
    if (body === undefined || typeof body.text !== 'string') return detail(400, 'text is required')
    return ok(
      {
        id: String(4633815464 + req.body.length),
        user: null,
        type: 'note',
        data: { text: body.text },
        dateCreated: iso(now())
      },
      {},
      201
    )
  }

  function startAutofix(issue: SentryWorldIssue): FakeResponse {
    if (world.seerEnabled === false) return detail(403, 'Seer is not enabled for this organization.')
    const runId = issue.autofix?.runId ?? nextRunId++
    autofixRuns.set(issue.id, runId)
    return ok({ run_id: runId }, {}, 202)
  }

  function autofixJson(issue: SentryWorldIssue): Record<string, unknown> | null {
    const seeded = issue.autofix ?? undefined
    const runId = autofixRuns.get(issue.id) ?? (seeded?.existing ? (seeded.runId ?? 21829) : undefined)
    if (runId === undefined) return null
    const blocks: Record<string, unknown>[] = []
    if (seeded?.rootCause) {
      blocks.push(
        block(`block-${runId}-1`, 'Root cause analysis completed', {
          key: 'root_cause',
          reason: 'Root cause analysis completed',
          data: {
            one_line_description: seeded.rootCause.oneLineDescription,
            five_whys: seeded.rootCause.fiveWhys,
            reproduction_steps: seeded.rootCause.reproductionSteps,
            ...(seeded.rootCause.relevantRepo ? { relevant_repo: seeded.rootCause.relevantRepo } : {})
          }
        })
      )
    }
    if (seeded?.solution) {
      blocks.push(
        block(`block-${runId}-2`, 'Solution plan completed', {
          key: 'solution',
          reason: 'Solution plan completed',
          data: { one_line_summary: seeded.solution.oneLineSummary, steps: seeded.solution.steps }
        })
      )
    }
    return {
      run_id: runId,
      status: seeded?.status ?? 'completed',
      updated_at: iso(now()).replace('Z', ''),
      owner_user_id: null,
      pending_user_input: null,
      repo_pr_states: {},
      blocks
    }
  }

  // ------------------------------------------------------------------------------------------------ JSON shapes

  function orgJson(): Record<string, unknown> {
    return {
      id: world.orgId ?? '4509106740723712',
      slug: world.org,
      name: world.orgName ?? world.org,
      dateCreated: '2024-01-15T10:00:00.000000Z',
      isEarlyAdopter: false,
      require2FA: false,
      status: { id: 'active', name: 'active' },
      avatar: { avatarType: 'letter_avatar', avatarUuid: null },
      // Self-hosted style: an empty regionUrl keeps every caller on the configured host.
      links: { organizationUrl: `${base}/organizations/${world.org}/`, regionUrl: '' },
      features: world.orgFeatures ?? [],
      hideAiFeatures: world.seerEnabled === false
    }
  }

  const server = await startFakeServer(handle, {
    latencyMs: options.latencyMs,
    ...(options.https ? { tls: options.https } : {})
  })
  base = server.url
  return {
    url: server.url,
    host: `127.0.0.1:${server.port}`,
    token,
    requests: server.requests,
    writes: () => server.requests.filter(r => r.method !== 'GET'),
    faults,
    world,
    close: () => server.close()
  }
}

// ------------------------------------------------------------------------------------- the world's answers
// Plain functions of the world, shared with the in-memory port (test-support/memory-sentry.ts) so that the two read
// a search, order issues and shape issue and event JSON from one copy.

/** The world's project of that slug; a world whose issue names no project of it is a broken test. */
export function worldProject(world: SentryWorld, slug: string): SentryWorldProject {
  const project = world.projects.find(p => p.slug === slug)
  if (!project) throw new Error(`world issue refers to unknown project '${slug}'`)
  return project
}

function projectRef(world: SentryWorld, slug: string): Record<string, unknown> {
  const project = worldProject(world, slug)
  return { id: project.id, name: project.name, slug: project.slug, platform: project.platform }
}

/** An issue by numeric id or by short ID (any case), as the issue endpoints take either. */
export function findWorldIssue(world: SentryWorld, ref: string): SentryWorldIssue | undefined {
  if (/^\d+$/.test(ref)) return world.issues.find(i => i.id === ref)
  return world.issues.find(i => i.shortId.toUpperCase() === ref.toUpperCase())
}

/** The length of a statsPeriod ('14d', '24h') in ms, or Sentry's 400 detail for one it does not take. */
export function statsPeriodMs(period: string): number | string {
  const m = /^(\d+)([smhdw])$/.exec(period)
  if (!m) return `Invalid statsPeriod: ${period}`
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[
    m[2] as 's' | 'm' | 'h' | 'd' | 'w'
  ]
  return Number(m[1]) * unit
}

/** Whether the issue passes every term of a parsed search (parseSearch). */
export function matchesSearch(issue: SentryWorldIssue, terms: readonly SearchTerm[]): boolean {
  return terms.every(term => term.negated !== termMatches(term, issue))
}

/** An issue as the issue list sends it; permalinks point under baseUrl. */
export function issueListJson(
  world: SentryWorld,
  issue: SentryWorldIssue,
  baseUrl: string
): Record<string, unknown> {
  const project = projectRef(world, issue.project)
  return {
    id: issue.id,
    shareId: null,
    shortId: issue.shortId,
    title: issue.title,
    culprit: issue.culprit,
    permalink: `${baseUrl}/organizations/${world.org}/issues/${issue.id}/`,
    logger: null,
    level: issue.level,
    status: issue.status,
    statusDetails: {},
    substatus:
      issue.substatus === undefined ? (issue.status === 'unresolved' ? 'ongoing' : null) : issue.substatus,
    isPublic: false,
    platform: project.platform,
    project,
    type: 'error',
    metadata: { ...issue.metadata, in_app_frame_mix: 'mixed', initial_priority: 50 },
    numComments: issue.numComments ?? 0,
    assignedTo: null,
    isBookmarked: false,
    isSubscribed: false,
    subscriptionDetails: null,
    hasSeen: false,
    annotations: [],
    issueType: 'error',
    issueCategory: 'error',
    priority: issue.priority ?? 'high',
    priorityLockedAt: null,
    seerFixabilityScore: null,
    seerAutofixLastTriggered: null,
    isUnhandled: issue.isUnhandled,
    count: String(issue.count),
    userCount: issue.userCount,
    firstSeen: issue.firstSeen,
    lastSeen: issue.lastSeen,
    lifetime: {
      count: String(issue.count),
      userCount: issue.userCount,
      firstSeen: issue.firstSeen,
      lastSeen: issue.lastSeen,
      stats: null
    },
    filtered: null
  }
}

function releaseJson(version: string | null | undefined, date: string): Record<string, unknown> | null {
  if (!version) return null
  return {
    version,
    shortVersion: version,
    ref: null,
    url: null,
    dateReleased: null,
    dateCreated: date,
    lastCommit: null,
    lastDeploy: null
  }
}

/** An issue as GET .../issues/{id}/ sends it. */
export function issueDetailJson(
  world: SentryWorld,
  issue: SentryWorldIssue,
  baseUrl: string
): Record<string, unknown> {
  const { lifetime: _lifetime, filtered: _filtered, ...listed } = issueListJson(world, issue, baseUrl)
  return {
    ...listed,
    firstRelease: releaseJson(issue.firstRelease, issue.firstSeen),
    lastRelease: releaseJson(issue.lastRelease, issue.lastSeen),
    activity: [
      {
        id: '0',
        user: null,
        type: 'first_seen',
        data: { priority: issue.priority ?? 'high' },
        dateCreated: issue.firstSeen
      }
    ],
    openPeriods: [],
    seenBy: [],
    pluginActions: [],
    pluginIssues: [],
    pluginContexts: [],
    userReportCount: 0,
    stats: { '24h': [], '30d': [] },
    participants: [],
    tags: []
  }
}

/** The issue's latest event as GET .../issues/{id}/events/latest/ sends it. */
export function latestEventJson(world: SentryWorld, issue: SentryWorldIssue): Record<string, unknown> {
  const event = issue.latestEvent
  const project = projectRef(world, issue.project)
  const tags = eventTags(issue)
  const exception = {
    type: 'exception',
    data: {
      values: event.exceptions.map(ex => ({
        type: ex.type,
        value: ex.value,
        mechanism: ex.mechanism ?? null,
        threadId: null,
        module: null,
        stacktrace: {
          frames: ex.frames.map(frameJson),
          framesOmitted: null,
          registers: null,
          hasSystemFrames: ex.frames.some(f => !f.inApp)
        },
        rawStacktrace: null
      })),
      hasSystemFrames: event.exceptions.some(ex => ex.frames.some(f => !f.inApp)),
      excOmitted: null
    }
  }
  const entries: Record<string, unknown>[] = []
  if (event.exceptions.length > 0) entries.push(exception)
  if (event.request) {
    entries.push({
      type: 'request',
      data: {
        apiTarget: null,
        method: event.request.method,
        url: event.request.url,
        query: [],
        fragment: null,
        data: null,
        headers: [],
        cookies: [],
        env: null,
        inferredContentType: null
      }
    })
  }
  if (event.breadcrumbs.length > 0) entries.push({ type: 'breadcrumbs', data: { values: event.breadcrumbs } })
  const lastInApp = [...(event.exceptions.at(-1)?.frames ?? [])].reverse().find(f => f.inApp)
  return {
    id: event.eventID,
    groupID: issue.id,
    eventID: event.eventID,
    projectID: project.id,
    size: 4096,
    entries,
    dist: null,
    message: event.message,
    title: issue.title,
    location: lastInApp?.filename ?? null,
    user: event.user
      ? {
          id: null,
          email: null,
          username: null,
          ip_address: null,
          name: null,
          geo: null,
          data: null,
          ...event.user
        }
      : null,
    contexts: event.contexts ?? {},
    sdk: event.sdk ?? null,
    context: {},
    packages: {},
    type: 'error',
    metadata: { ...issue.metadata, in_app_frame_mix: 'mixed' },
    tags,
    platform: event.platform,
    dateReceived: event.dateCreated,
    errors: [],
    occurrence: null,
    _meta: {},
    crashFile: null,
    culprit: event.culprit,
    dateCreated: event.dateCreated,
    fingerprints: [hex32(`fp:${issue.id}`)],
    groupingConfig: {
      enhancements: 'KLUv_SAYwQAAkwKRs25ld3N0eWxlOjIwMjMtMDEtMTGQ',
      id: 'newstyle:2023-01-11'
    },
    release: releaseJson(event.release, event.dateCreated),
    userReport: null,
    sdkUpdates: [],
    resolvedWith: [],
    nextEventID: null,
    previousEventID: null
  }
}

/** The latest event's tags: those Sentry derives (environment, level, handled, mechanism, release) and its own. */
export function eventTags(issue: SentryWorldIssue): { key: string; value: string }[] {
  const event = issue.latestEvent
  const derived: Record<string, string> = { level: issue.level }
  if (issue.environments[0]) derived.environment = issue.environments[0]
  const mechanism = event.exceptions.at(-1)?.mechanism
  if (mechanism) {
    derived.handled = mechanism.handled ? 'yes' : 'no'
    derived.mechanism = mechanism.type
  }
  if (event.release) derived.release = event.release
  const all = { ...derived, ...event.tags }
  return Object.keys(all)
    .sort()
    .map(key => ({ key, value: all[key] as string }))
}

function termMatches(term: SearchTerm, issue: SentryWorldIssue): boolean {
  const v = term.values
  switch (term.key) {
    case null:
      return v.every(word => issue.title.toLowerCase().includes(word.toLowerCase()))
    case 'is':
      return v.some(value => IS_FILTERS[value]?.(issue) ?? false)
    case 'firstRelease':
    case 'first_release':
    case 'first-release':
      return v.some(value => issue.firstRelease === value)
    case 'release':
      return v.some(value => issue.firstRelease === value || issue.lastRelease === value)
    case 'level':
      return v.includes(issue.level)
    case 'environment':
      return v.some(value => issue.environments.includes(value))
    case 'project':
      return v.includes(issue.project)
    case 'issue':
      return v.some(value => value.toUpperCase() === issue.shortId.toUpperCase())
    default: {
      // any other key is a tag of the latest event
      const tags = eventTags(issue)
      return v.some(value => tags.some(tag => tag.key === term.key && tag.value === value))
    }
  }
}

// ------------------------------------------------------------------------------------------------ helpers

/** `is:` values the fake reads (it has no assignees and no linked issues). */
const IS_FILTERS: Record<string, (issue: SentryWorldIssue) => boolean> = {
  unresolved: i => i.status === 'unresolved',
  resolved: i => i.status === 'resolved',
  ignored: i => i.status === 'ignored',
  archived: i => i.status === 'ignored',
  unassigned: () => true,
  assigned: () => false,
  unhandled: i => i.isUnhandled,
  linked: () => false,
  unlinked: () => true
}

export interface SearchTerm {
  key: string | null
  values: string[]
  negated: boolean
}

/** Sentry search syntax, the part the fake understands: `[!]key:value`, `key:"quoted value"`, `key:[a,b]`, words. */
export function parseSearch(query: string): SearchTerm[] | string {
  const tokens: string[] = []
  let current = ''
  let quoted = false
  for (const ch of query) {
    if (ch === '"') quoted = !quoted
    if (!quoted && /\s/.test(ch)) {
      if (current) tokens.push(current)
      current = ''
    } else {
      current += ch
    }
  }
  if (quoted) return `Error parsing search query: unterminated quote in '${query}'`
  if (current) tokens.push(current)
  const terms: SearchTerm[] = []
  const words: string[] = []
  for (const token of tokens) {
    const m = /^(!?)([A-Za-z_][A-Za-z0-9_.-]*):(.+)$/.exec(token)
    if (!m) {
      words.push(unquote(token))
      continue
    }
    const [, bang, key, rawValue] = m as unknown as [string, string, string, string]
    const values =
      rawValue.startsWith('[') && rawValue.endsWith(']')
        ? rawValue
            .slice(1, -1)
            .split(',')
            .map(v => unquote(v.trim()))
        : [unquote(rawValue)]
    if (key === 'is') {
      const bad = values.find(v => !(v in IS_FILTERS))
      if (bad !== undefined) {
        return `Invalid value for "is" search, valid values are {${Object.keys(IS_FILTERS).sort().join(', ')}}`
      }
    }
    terms.push({ key, values, negated: bang === '!' })
  }
  if (words.length > 0) terms.push({ key: null, values: [words.join(' ')], negated: false })
  return terms
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value
}

function parseCursor(raw: string | null): { offset: number; isPrev: boolean } | undefined {
  if (raw === null || raw === '') return { offset: 0, isPrev: false }
  const m = /^(-?\d+(?:\.\d+)?):(\d+):([01])$/.exec(raw)
  if (!m) return undefined
  return { offset: Number(m[2]), isPrev: m[3] === '1' }
}

/** Sentry's order for a `sort` value (freq, user, new, date), ties by id. */
export function issueOrder(sort: string): (a: SentryWorldIssue, b: SentryWorldIssue) => number {
  const byId = (a: SentryWorldIssue, b: SentryWorldIssue): number =>
    a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  const desc =
    (key: (i: SentryWorldIssue) => number) =>
    (a: SentryWorldIssue, b: SentryWorldIssue): number =>
      key(b) - key(a) || byId(a, b)
  switch (sort) {
    case 'freq':
      return desc(i => i.count)
    case 'user':
      return desc(i => i.userCount)
    case 'new':
      return desc(i => Date.parse(i.firstSeen))
    default:
      return desc(i => Date.parse(i.lastSeen))
  }
}

function projectJson(project: SentryWorldProject): Record<string, unknown> {
  return {
    id: project.id,
    slug: project.slug,
    name: project.name,
    platform: project.platform,
    dateCreated: '2024-01-15T10:00:00.000000Z',
    isBookmarked: false,
    isMember: true,
    hasAccess: true,
    features: [],
    firstEvent: '2024-01-16T09:00:00.000000Z',
    firstTransactionEvent: false,
    access: ['project:read', 'event:read', 'org:read'],
    team: { id: '4509106733776896', slug: 'backend-team', name: 'backend-team' },
    teams: [{ id: '4509106733776896', slug: 'backend-team', name: 'backend-team' }],
    environments: [],
    platforms: project.platform ? [project.platform] : [],
    hasSessions: false,
    hasProfiles: false,
    hasReplays: false,
    hasFeedbacks: false,
    hasMonitors: false,
    hasMinifiedStackTrace: false,
    latestRelease: null,
    hasUserReports: false,
    latestDeploys: null
  }
}

function frameJson(frame: SentryWorldFrame): Record<string, unknown> {
  return {
    filename: frame.filename,
    absPath: frame.absPath,
    module: frame.module ?? null,
    package: null,
    platform: null,
    instructionAddr: null,
    symbolAddr: null,
    function: frame.function,
    rawFunction: null,
    symbol: null,
    context: frame.context,
    lineNo: frame.lineNo,
    colNo: frame.colNo,
    inApp: frame.inApp,
    trust: null,
    errors: null,
    lock: null,
    sourceLink: null,
    vars: frame.vars ?? null
  }
}

function block(id: string, content: string, artifact: Record<string, unknown>): Record<string, unknown> {
  return {
    id,
    message: { role: 'assistant', content, thinking_content: null, tool_calls: null, metadata: null },
    timestamp: '2026-01-01T00:00:00.000000',
    loading: false,
    artifacts: [artifact],
    file_patches: null,
    merged_file_patches: null,
    pr_commit_shas: null,
    todos: null,
    tool_links: null,
    tool_results: null
  }
}

function parseBody(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body)
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

function ok(body: unknown, headers: Record<string, string> = {}, status = 200): FakeResponse {
  return { status, body, headers }
}

function detail(status: number, message: string): FakeResponse {
  return { status, body: { detail: message } }
}

function notFound(): FakeResponse {
  return detail(404, 'The requested resource does not exist')
}

/**
 * A Link header in Sentry's format, for faults that fake pagination (e.g. a next cursor that repeats).
 * `pageUrl` is the URL of the page being answered; its cursor parameter is replaced.
 */
export function sentryLinkHeader(
  pageUrl: string,
  previous: { cursor: string; results: boolean },
  next: { cursor: string; results: boolean }
): string {
  const u = new URL(pageUrl)
  u.searchParams.delete('cursor')
  const qs = u.searchParams.toString()
  const at = (cursor: string): string => `${u.origin}${u.pathname}?${qs ? `${qs}&` : ''}cursor=${cursor}`
  return (
    `<${at(previous.cursor)}>; rel="previous"; results="${previous.results}"; cursor="${previous.cursor}", ` +
    `<${at(next.cursor)}>; rel="next"; results="${next.results}"; cursor="${next.cursor}"`
  )
}
