// A local fake of GitHub's cache service (v2, "results" service) as @actions/cache 5.3.0 uses it (read from
// node_modules/@actions/cache/lib):
// - Twirp JSON: POST /twirp/github.actions.results.api.v1.CacheService/<Method> with `Authorization: Bearer
//   <ACTIONS_RUNTIME_TOKEN>`; snake_case fields, int64 as strings. The client keeps only the ORIGIN of
//   ACTIONS_RESULTS_URL, retries 500/502/503/504 (5 attempts, 3 s x 1.5^n back-off), reads `msg` of a Twirp error,
//   and turns every other failure into a warning (restore) or a skipped save.
//   - GetCacheEntryDownloadURL {key, restore_keys, version} -> {ok, signed_download_url, matched_key}; a miss is
//     {ok: false} with status 200. The key must match exactly, a restore key as a prefix; the version always exactly
//     (the client's hash of the cached paths and the compression).
//   - CreateCacheEntry {key, version} -> {ok, signed_upload_url}; an entry with that key and version in the scope is
//     a 409 `already_exists` (another job saved it first), which the client reports as info, not as a failure.
//   - FinalizeCacheEntryUpload {key, version, size_bytes} -> {ok, entry_id}.
// - The blob upload is @azure/storage-blob's BlockBlobClient.uploadFile on the signed URL: one `PUT` (Put Blob,
//   `x-ms-blob-type: BlockBlob`) for an archive up to 128 MiB, else `PUT ?comp=block&blockid=...` per 64 MiB block and
//   one `PUT ?comp=blocklist` (XML). The download is one plain `GET` of the signed URL through @actions/http-client,
//   since the URL's host is not *.blob.core.windows.net, checked against Content-Length.
// - Scopes: the service keeps entries per repository and ref; a run reads its own ref's entries and the default
//   branch's, and writes to its own ref. The fake reads them from the token's `ac` claim (`[{Scope, Permission}]`,
//   1 = read, 2 = write, as GitHub's runtime token carries them): the client sends the token and never parses it.
// Blobs are binary and large (a codex install is ~120 MB compressed): this fake keeps bodies per entry and records
// requests without their bodies, so it has its own server on http-fake's self-stopping listen. On a runner the cache
// and the artifact service share ACTIONS_RESULTS_URL: `forward` passes every request that is not the cache's to another
// fake (fake-artifacts.ts), so one job can use both.
import { randomBytes, randomUUID } from 'node:crypto'
import http from 'node:http'
import { listenSelfStopping } from './http-fake.js'

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.CacheService/'
const DEFAULT_SCOPE = 'refs/heads/main'

export type CacheTwirpMethod = 'GetCacheEntryDownloadURL' | 'CreateCacheEntry' | 'FinalizeCacheEntryUpload'
/** every operation the fake serves, for faults */
export type CacheOperation = CacheTwirpMethod | 'PutBlob' | 'PutBlock' | 'PutBlockList' | 'GetBlob'

export interface CacheFault {
  operation: CacheOperation
  status: number
  /** the Twirp `msg` (or the blob error's Message) */
  msg?: string
  /** answer this many matching requests with the fault, then stop (default: every one) */
  times?: number
}

export interface CacheRequest {
  method: string
  /** decoded path */
  path: string
  query: URLSearchParams
  headers: http.IncomingHttpHeaders
  /** the operation it was, when the fake recognised it */
  operation: CacheOperation | null
  status: number
  /** request body size */
  bytes: number
  /** the JSON body of a Twirp call */
  json?: Record<string, unknown>
}

export interface StoredCacheEntry {
  id: number
  key: string
  version: string
  scope: string
  finalized: boolean
  /** bytes in the committed blob */
  size: number
  /** what the client reported in FinalizeCacheEntryUpload */
  reportedSize: number | undefined
  createdAt: Date
  bytes: Buffer
}

export interface FakeCache {
  /** the value for ACTIONS_RESULTS_URL (ends with '/') */
  url: string
  requests: CacheRequest[]
  /** push faults here; the first matching one answers */
  faults: CacheFault[]
  /** every entry, in creation order (snapshots) */
  entries(): StoredCacheEntry[]
  /** the requests of one operation, in order */
  calls(operation: CacheOperation): CacheRequest[]
  close(): Promise<void>
}

interface Entry {
  id: number
  key: string
  version: string
  scope: string
  finalized: boolean
  uploadSig: string
  readSigs: Set<string>
  blocks: Map<string, Buffer>
  blob: Buffer | undefined
  reportedSize: number | undefined
  createdAt: Date
}

interface Reply {
  status: number
  headers?: Record<string, string>
  body: string | Buffer
}

interface Scope {
  name: string
  read: boolean
  write: boolean
}

class TwirpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    msg: string
  ) {
    super(msg)
  }
}

export async function startFakeCache(
  options: {
    lifetimeMs?: number
    /** the origin (or URL) of a fake that answers every other request to the results service */
    forward?: string
  } = {}
): Promise<FakeCache> {
  const requests: CacheRequest[] = []
  const faults: CacheFault[] = []
  const store: Entry[] = []
  let nextId = 7001
  let origin = ''

  function takeFault(operation: CacheOperation): CacheFault | undefined {
    const index = faults.findIndex(f => f.operation === operation)
    if (index < 0) return undefined
    const fault = faults[index]!
    if (fault.times !== undefined) {
      fault.times -= 1
      if (fault.times <= 0) faults.splice(index, 1)
    }
    return fault
  }

  function twirp(method: string, headers: http.IncomingHttpHeaders, body: Record<string, unknown>): unknown {
    if (!isTwirpMethod(method)) throw new TwirpError(404, 'bad_route', `no handler for method ${method}`)
    const fault = takeFault(method)
    if (fault)
      throw new TwirpError(fault.status, twirpCode(fault.status), fault.msg ?? `fake fault on ${method}`)
    const scopes = scopesOf(headers.authorization)
    const key = requiredString(body, 'key')
    const version = requiredString(body, 'version')
    switch (method) {
      case 'GetCacheEntryDownloadURL': {
        const readable = new Set(scopes.filter(s => s.read).map(s => s.name))
        const candidates = store
          .filter(e => e.finalized && e.version === version && readable.has(e.scope))
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id)
        const restoreKeys = Array.isArray(body.restore_keys) ? body.restore_keys.map(String) : []
        const hit =
          candidates.find(e => e.key === key) ??
          restoreKeys.map(prefix => candidates.find(e => e.key.startsWith(prefix))).find(e => e !== undefined)
        if (!hit) return { ok: false, signed_download_url: '', matched_key: '' }
        const sig = randomBytes(12).toString('hex')
        hit.readSigs.add(sig)
        return { ok: true, signed_download_url: blobUrl(hit, sig, 'r'), matched_key: hit.key }
      }
      case 'CreateCacheEntry': {
        const scope = scopes.find(s => s.write)
        if (!scope)
          throw new TwirpError(
            403,
            'permission_denied',
            'cache write denied: the token has no writable scope'
          )
        if (store.some(e => e.key === key && e.version === version && e.scope === scope.name)) {
          throw new TwirpError(
            409,
            'already_exists',
            'cache entry with the same key, version, and scope already exists'
          )
        }
        const entry: Entry = {
          id: nextId++,
          key,
          version,
          scope: scope.name,
          finalized: false,
          uploadSig: randomBytes(12).toString('hex'),
          readSigs: new Set(),
          blocks: new Map(),
          blob: undefined,
          reportedSize: undefined,
          createdAt: new Date()
        }
        store.push(entry)
        return { ok: true, signed_upload_url: blobUrl(entry, entry.uploadSig, 'cw') }
      }
      case 'FinalizeCacheEntryUpload': {
        const writable = new Set(scopes.filter(s => s.write).map(s => s.name))
        const entry = store.find(
          e => e.key === key && e.version === version && writable.has(e.scope) && !e.finalized
        )
        if (!entry) throw new TwirpError(404, 'not_found', `no cache entry ${key} awaiting finalization`)
        if (!entry.blob)
          throw new TwirpError(412, 'failed_precondition', `the blob of ${key} was never committed`)
        const reported = Number(body.size_bytes)
        if (reported !== entry.blob.length) {
          throw new TwirpError(
            400,
            'invalid_argument',
            `size_bytes ${String(body.size_bytes)} does not match the ${entry.blob.length} bytes uploaded`
          )
        }
        entry.finalized = true
        entry.reportedSize = reported
        return { ok: true, entry_id: String(entry.id) }
      }
    }
  }

  function blob(operation: CacheOperation | null, req: CacheRequest, bytes: Buffer): Reply {
    if (!operation) {
      return blobError(
        400,
        'UnsupportedOperation',
        `the fake does not implement ${req.method} comp=${req.query.get('comp')}`
      )
    }
    const fault = takeFault(operation)
    if (fault) return blobError(fault.status, 'InternalError', fault.msg ?? `fake fault on ${operation}`)
    const entry = store.find(e => `/blob/cache/${e.id}` === req.path)
    const sig = req.query.get('sig') ?? ''
    if (operation === 'GetBlob') {
      if (!entry || !entry.readSigs.has(sig)) return blobError(403, 'AuthenticationFailed', 'bad signature')
      if (!entry.blob) return blobError(404, 'BlobNotFound', 'The specified blob does not exist.')
      return {
        status: 200,
        headers: { ...blobHeaders(), 'content-type': 'application/octet-stream' },
        body: entry.blob
      }
    }
    if (!entry || sig !== entry.uploadSig) return blobError(403, 'AuthenticationFailed', 'bad signature')
    if (entry.finalized) return blobError(409, 'BlobImmutable', 'the cache entry is already finalized')
    if (operation === 'PutBlock') {
      const blockId = req.query.get('blockid')
      if (!blockId) return blobError(400, 'InvalidQueryParameterValue', 'blockid is missing')
      entry.blocks.set(blockId, bytes)
      return { status: 201, headers: blobHeaders(), body: '' }
    }
    if (operation === 'PutBlob') {
      entry.blob = bytes
    } else {
      const ids = [...bytes.toString('utf8').matchAll(/<(?:Latest|Committed|Uncommitted)>([^<]*)<\//g)].map(
        m => m[1] ?? ''
      )
      const parts: Buffer[] = []
      for (const blockId of ids) {
        const part = entry.blocks.get(blockId)
        if (!part) return blobError(400, 'InvalidBlockList', `block ${blockId} was never staged`)
        parts.push(part)
      }
      entry.blob = Buffer.concat(parts)
    }
    entry.blocks.clear()
    return {
      status: 201,
      headers: { ...blobHeaders(), etag: `"0x${randomBytes(8).toString('hex')}"` },
      body: ''
    }
  }

  function handle(req: http.IncomingMessage, bytes: Buffer, record: CacheRequest): Reply {
    if (req.method === 'POST' && record.path.startsWith(TWIRP_PREFIX)) {
      const method = record.path.slice(TWIRP_PREFIX.length)
      if (isTwirpMethod(method)) record.operation = method
      try {
        let body: Record<string, unknown>
        try {
          body = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>
        } catch {
          throw new TwirpError(400, 'malformed', 'the request body is not JSON')
        }
        record.json = body
        return twirpReply(200, twirp(method, req.headers, body))
      } catch (error) {
        if (error instanceof TwirpError)
          return twirpReply(error.status, { code: error.code, msg: error.message })
        throw error
      }
    }
    if (record.path.startsWith('/blob/cache/')) {
      record.operation = blobOperation(record.method, record.query, req.headers)
      return blob(record.operation, record, bytes)
    }
    return twirpReply(404, { code: 'bad_route', msg: `no handler for ${req.method} ${record.path}` })
  }

  function blobUrl(entry: Entry, sig: string, permissions: string): string {
    const expiry = new Date(Date.now() + 3600_000).toISOString()
    const query = new URLSearchParams({ sv: '2025-01-05', se: expiry, sr: 'b', sp: permissions, sig })
    return `${origin}/blob/cache/${entry.id}?${query.toString()}`
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      const bytes = Buffer.concat(chunks)
      const record: CacheRequest = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        query: url.searchParams,
        headers: req.headers,
        operation: null,
        status: 0,
        bytes: bytes.length
      }
      requests.push(record)
      if (options.forward && !isCachePath(record.path)) {
        forward(options.forward, req, bytes, res, record)
        return
      }
      let reply: Reply
      try {
        reply = handle(req, bytes, record)
      } catch (error) {
        reply = twirpReply(500, { code: 'internal', msg: `fake failed: ${String(error)}` })
      }
      record.status = reply.status
      if (res.destroyed) return
      res.writeHead(reply.status, {
        'content-length': String(Buffer.byteLength(reply.body)),
        ...reply.headers
      })
      // a HEAD gets the headers of the GET (Content-Length included) and no body
      res.end(req.method === 'HEAD' ? undefined : reply.body)
    })
  })
  server.keepAliveTimeout = 1000
  const { port, close } = await listenSelfStopping(server, { lifetimeMs: options.lifetimeMs })
  origin = `http://127.0.0.1:${port}`

  return {
    url: `${origin}/`,
    requests,
    faults,
    entries: () =>
      store.map(e => ({
        id: e.id,
        key: e.key,
        version: e.version,
        scope: e.scope,
        finalized: e.finalized,
        size: e.blob?.length ?? 0,
        reportedSize: e.reportedSize,
        createdAt: e.createdAt,
        bytes: Buffer.from(e.blob ?? Buffer.alloc(0))
      })),
    calls: operation => requests.filter(r => r.operation === operation),
    close
  }
}

/**
 * The environment @actions/cache needs to use the fake as a job on `scope` (default refs/heads/main, read and write):
 * the results URL, the v2 switch, a runtime token (an unsigned JWT with the `ac` claim of cache scopes; `readOnly`
 * scopes are readable only, as a pull request's run reads its base branch's), and a github.com server URL (any other
 * host is GitHub Enterprise Server, where the client falls back to the v1 service). With `runtimeToken` (another
 * fake's, e.g. fake-artifacts' runtimeEnv), its claims are kept and `ac` added, so that one token serves both.
 */
export function cacheRuntimeEnv(
  fake: FakeCache,
  options: { scope?: string; readOnly?: string[]; runtimeToken?: string } = {}
): Record<string, string> {
  const now = Math.floor(Date.now() / 1000)
  const ac = [
    { Scope: options.scope ?? DEFAULT_SCOPE, Permission: 3 },
    ...(options.readOnly ?? []).map(Scope => ({ Scope, Permission: 1 }))
  ]
  const base = options.runtimeToken
    ? (JSON.parse(
        Buffer.from(options.runtimeToken.split('.')[1] ?? '', 'base64url').toString('utf8')
      ) as Record<string, unknown>)
    : { iss: 'fake-cache', aud: 'vso', nbf: now - 60, exp: now + 6 * 3600 }
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  return {
    ACTIONS_RESULTS_URL: fake.url,
    ACTIONS_RUNTIME_TOKEN: `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ ...base, ac: JSON.stringify(ac) })}.`,
    ACTIONS_CACHE_SERVICE_V2: 'True',
    GITHUB_SERVER_URL: 'https://github.com'
  }
}

function isCachePath(requestPath: string): boolean {
  return requestPath.startsWith(TWIRP_PREFIX) || requestPath.startsWith('/blob/cache/')
}

/** Passes a request on to `target`'s origin as it came, and its answer back. */
function forward(
  target: string,
  req: http.IncomingMessage,
  bytes: Buffer,
  res: http.ServerResponse,
  record: CacheRequest
): void {
  const url = new URL(req.url ?? '/', target)
  const headers = { ...req.headers, host: url.host }
  const upstream = http.request(url, { method: req.method, headers }, answer => {
    record.status = answer.statusCode ?? 502
    res.writeHead(record.status, answer.headers)
    answer.pipe(res)
  })
  upstream.on('error', error => {
    record.status = 502
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ code: 'unavailable', msg: `fake forward failed: ${String(error)}` }))
  })
  upstream.end(bytes)
}

function scopesOf(header: string | undefined): Scope[] {
  const token = /^Bearer (.+)$/.exec(header ?? '')?.[1]
  if (!token) throw new TwirpError(401, 'unauthenticated', 'no bearer token')
  let ac: unknown
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      ac?: unknown
    }
    ac = typeof claims.ac === 'string' ? JSON.parse(claims.ac) : undefined
  } catch {
    throw new TwirpError(401, 'unauthenticated', 'the bearer token is not a JWT')
  }
  if (!Array.isArray(ac))
    throw new TwirpError(401, 'unauthenticated', 'the token has no cache scopes (ac claim)')
  return ac
    .filter((s): s is { Scope: string; Permission: number } => typeof s?.Scope === 'string')
    .map(s => ({ name: s.Scope, read: (s.Permission & 1) !== 0, write: (s.Permission & 2) !== 0 }))
}

function blobOperation(
  method: string | undefined,
  query: URLSearchParams,
  headers: http.IncomingHttpHeaders
): CacheOperation | null {
  const comp = query.get('comp')
  if ((method === 'GET' || method === 'HEAD') && comp === null) return 'GetBlob'
  if (method !== 'PUT') return null
  if (comp === 'block') return 'PutBlock'
  if (comp === 'blocklist') return 'PutBlockList'
  return comp === null && headers['x-ms-blob-type'] === 'BlockBlob' ? 'PutBlob' : null
}

function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field]
  if (typeof value !== 'string' || value === '')
    throw new TwirpError(400, 'invalid_argument', `${field} is required`)
  return value
}

function isTwirpMethod(method: string): method is CacheTwirpMethod {
  return ['GetCacheEntryDownloadURL', 'CreateCacheEntry', 'FinalizeCacheEntryUpload'].includes(method)
}

function twirpCode(status: number): string {
  const codes: Record<number, string> = {
    400: 'invalid_argument',
    401: 'unauthenticated',
    403: 'permission_denied',
    404: 'not_found',
    409: 'already_exists',
    412: 'failed_precondition',
    429: 'resource_exhausted',
    503: 'unavailable'
  }
  return codes[status] ?? 'internal'
}

function twirpReply(status: number, body: unknown): Reply {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
}

function blobHeaders(): Record<string, string> {
  return {
    'x-ms-request-id': randomUUID(),
    'x-ms-version': '2025-01-05',
    'x-ms-request-server-encrypted': 'true'
  }
}

function blobError(status: number, code: string, message: string): Reply {
  return {
    status,
    headers: { 'content-type': 'application/xml', 'x-ms-error-code': code, ...blobHeaders() },
    body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`
  }
}
