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
// Blobs are binary and large (a codex install is ~120 MB compressed): this fake keeps bodies per entry only and records
// requests without their bodies. On a runner the cache and the artifact service share ACTIONS_RESULTS_URL: `forward`
// passes every request that is not the cache's to another fake (fake-artifacts.ts), so one job can use both. The
// protocol it shares with fake-artifacts.ts (Twirp, the runtime token, signed blobs) is results-service.ts.
import http from 'node:http'
import { listenSelfStopping } from './http-fake.js'
import * as results from './results-service.js'

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.CacheService/'
const DEFAULT_SCOPE = 'refs/heads/main'

export type CacheTwirpMethod = 'GetCacheEntryDownloadURL' | 'CreateCacheEntry' | 'FinalizeCacheEntryUpload'
/** every operation the fake serves, for faults */
export type CacheOperation = CacheTwirpMethod | results.BlobOperation
/** one Put Blob up to 128 MiB, else staged blocks and a block list; a plain GET to download */
const BLOB_OPERATIONS: readonly results.BlobOperation[] = ['PutBlob', 'PutBlock', 'PutBlockList', 'GetBlob']

export type CacheFault = results.Fault<CacheOperation>

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

interface Entry extends results.SignedBlob {
  id: number
  key: string
  version: string
  scope: string
  reportedSize: number | undefined
  createdAt: Date
}

interface Scope {
  name: string
  read: boolean
  write: boolean
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

  function twirp(method: string, headers: http.IncomingHttpHeaders, body: Record<string, unknown>): unknown {
    if (!isTwirpMethod(method))
      throw new results.TwirpError(404, 'bad_route', `no handler for method ${method}`)
    results.twirpFault(faults, method)
    const scopes = scopesOf(headers.authorization)
    const key = results.requiredString(body, 'key')
    const version = results.requiredString(body, 'version')
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
        return {
          ok: true,
          signed_download_url: results.signedUrl(blobUrl(hit), hit, 'read'),
          matched_key: hit.key
        }
      }
      case 'CreateCacheEntry': {
        const scope = scopes.find(s => s.write)
        if (!scope)
          throw new results.TwirpError(
            403,
            'permission_denied',
            'cache write denied: the token has no writable scope'
          )
        if (store.some(e => e.key === key && e.version === version && e.scope === scope.name)) {
          throw new results.TwirpError(
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
          ...results.newSignedBlob(),
          reportedSize: undefined,
          createdAt: new Date()
        }
        store.push(entry)
        return { ok: true, signed_upload_url: results.signedUrl(blobUrl(entry), entry, 'upload') }
      }
      case 'FinalizeCacheEntryUpload': {
        const writable = new Set(scopes.filter(s => s.write).map(s => s.name))
        const entry = store.find(
          e => e.key === key && e.version === version && writable.has(e.scope) && !e.finalized
        )
        if (!entry)
          throw new results.TwirpError(404, 'not_found', `no cache entry ${key} awaiting finalization`)
        if (!entry.blob)
          throw new results.TwirpError(412, 'failed_precondition', `the blob of ${key} was never committed`)
        const reported = Number(body.size_bytes)
        if (reported !== entry.blob.length) {
          throw new results.TwirpError(
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

  function handle(req: http.IncomingMessage, bytes: Buffer, record: CacheRequest): results.Reply {
    return results.serviceReply(record, {
      twirpPrefix: TWIRP_PREFIX,
      twirp: method => {
        if (isTwirpMethod(method)) record.operation = method
        record.json = results.twirpBody(bytes.toString('utf8'))
        return twirp(method, req.headers, record.json)
      },
      blobPrefix: '/blob/cache/',
      blob: () => {
        const { operation, reply } = results.blobReply(
          { method: record.method, query: record.query, headers: req.headers, bytes },
          {
            serves: BLOB_OPERATIONS,
            target: store.find(e => `/blob/cache/${e.id}` === record.path),
            faults,
            finalizedMessage: 'the cache entry is already finalized'
          }
        )
        record.operation = operation
        return reply
      }
    })
  }

  /** the URL of an entry's blob, unsigned */
  function blobUrl(entry: Entry): string {
    return `${origin}/blob/cache/${entry.id}`
  }

  // Not http-fake's startFakeServer: it keeps each body as bytes and UTF-8 text (a 128 MiB blob: +256 MB, ~1.7 s).
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
      const reply = handle(req, bytes, record)
      record.status = reply.status
      if (res.destroyed) return
      res.writeHead(reply.status, reply.headers)
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
  const ac = [
    { Scope: options.scope ?? DEFAULT_SCOPE, Permission: 3 },
    ...(options.readOnly ?? []).map(Scope => ({ Scope, Permission: 1 }))
  ]
  const claims = options.runtimeToken ? results.jwtClaims(options.runtimeToken) : {}
  return {
    ACTIONS_RESULTS_URL: fake.url,
    ACTIONS_RUNTIME_TOKEN: results.runtimeToken('fake-cache', { ...claims, ac: JSON.stringify(ac) }),
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

/** The cache scopes of the runtime token's `ac` claim (a JSON string). */
function scopesOf(header: string | undefined): Scope[] {
  const claims = results.bearerClaims(header)
  let ac: unknown
  try {
    ac = typeof claims.ac === 'string' ? JSON.parse(claims.ac) : undefined
  } catch {
    throw new results.TwirpError(401, 'unauthenticated', 'the bearer token is not a JWT')
  }
  if (!Array.isArray(ac))
    throw new results.TwirpError(401, 'unauthenticated', 'the token has no cache scopes (ac claim)')
  return ac
    .filter((s): s is { Scope: string; Permission: number } => typeof s?.Scope === 'string')
    .map(s => ({ name: s.Scope, read: (s.Permission & 1) !== 0, write: (s.Permission & 2) !== 0 }))
}

function isTwirpMethod(method: string): method is CacheTwirpMethod {
  return ['GetCacheEntryDownloadURL', 'CreateCacheEntry', 'FinalizeCacheEntryUpload'].includes(method)
}
