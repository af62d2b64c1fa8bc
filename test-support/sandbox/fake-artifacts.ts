// A local fake of the GitHub Actions results service as @actions/artifact 6.2.1 uses it (read from
// node_modules/@actions/artifact/lib):
// - Twirp JSON: POST /twirp/github.actions.results.api.v1.ArtifactService/<Method> with `Authorization: Bearer
//   <ACTIONS_RUNTIME_TOKEN>`; protobuf field names in snake_case, int64 and Int64Value as strings, StringValue as a
//   plain string, Timestamp as RFC 3339. Errors are Twirp errors `{code, msg}`; the client reads `msg`, retries
//   502/503/504/500/429 (5 attempts, 3 s x 1.5^n back-off) and gives up at once on anything else.
// - The blob upload is the Azure SDK's BlockBlobClient.uploadStream against the signed URL CreateArtifact returns:
//   always `PUT ?comp=block&blockid=...` per 8 MB chunk, then one `PUT ?comp=blocklist` (XML); never a single Put Blob.
// - Download: ListArtifacts (id_filter) -> GetSignedArtifactURL -> GET on the signed URL; a zip (by content-type or a
//   URL ending in .zip) is extracted, anything else is saved under the Content-Disposition file name.
// The client keeps only the ORIGIN of ACTIONS_RESULTS_URL, so this fake serves everything from the root of its own
// origin. It runs on http-fake.ts; blob blocks are binary, so it reads each request's raw `bytes`.
import { randomBytes, randomUUID } from 'node:crypto'
import AdmZip from 'adm-zip'
import { startFakeServer, type FakeResponse, type RecordedRequest } from './http-fake.js'

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.ArtifactService/'
const DUPLICATE_NAME_MSG = 'an artifact with this name already exists on the workflow run'

export type TwirpMethod = 'CreateArtifact' | 'FinalizeArtifact' | 'ListArtifacts' | 'GetSignedArtifactURL'
/** every operation the fake serves, for faults */
export type ArtifactOperation = TwirpMethod | 'PutBlock' | 'PutBlockList' | 'GetBlob'

export interface ArtifactFault {
  operation: ArtifactOperation
  status: number
  /** the Twirp `msg` (or the blob error's Message); the client appends it to its error */
  msg?: string
  /** answer this many matching requests with the fault, then stop (default: every one) */
  times?: number
}

/** A request to the fake: http-fake's record, whose `bytes` hold the binary blob blocks. */
export type ArtifactRequest = RecordedRequest

export interface StoredArtifact {
  id: number
  name: string
  workflowRunBackendId: string
  workflowJobRunBackendId: string
  mimeType: string
  createdAt: Date
  /** from CreateArtifact's expires_at; undefined = the service's default retention */
  expiresAt: Date | undefined
  /** whole days from createdAt to expiresAt, rounded */
  retentionDays: number | undefined
  finalized: boolean
  /** bytes in the committed blob */
  size: number
  /** the size the client reported in FinalizeArtifact */
  reportedSize: number | undefined
  /** the hash the client reported in FinalizeArtifact, e.g. `sha256:<hex>` */
  digest: string | undefined
  bytes: Buffer
  /** the stored content by path: the zip's entries, or for a skipArchive upload the single raw file */
  files(): Record<string, Buffer>
}

export interface FakeArtifacts {
  /** the value for ACTIONS_RESULTS_URL (ends with '/') */
  url: string
  requests: ArtifactRequest[]
  /** push faults here; the first matching one answers */
  faults: ArtifactFault[]
  /** the ids runtimeEnv(fake) uses when given none */
  defaultIds: { runBackendId: string; jobBackendId: string }
  /** every artifact of every run, in creation order (snapshots) */
  artifacts(): StoredArtifact[]
  /** the decoded JSON bodies of the Twirp calls to one method, in order */
  calls(method: TwirpMethod): Record<string, unknown>[]
  close(): Promise<void>
}

interface Artifact {
  id: number
  name: string
  runId: string
  jobId: string
  mimeType: string
  createdAt: Date
  expiresAt: Date | undefined
  finalized: boolean
  uploadSig: string
  readSigs: Set<string>
  blocks: Map<string, Buffer>
  blob: Buffer | undefined
  reportedSize: number | undefined
  digest: string | undefined
}

interface Reply {
  status: number
  headers?: Record<string, string>
  body: string | Buffer
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

export async function startFakeArtifacts(
  options: { latencyMs?: number; lifetimeMs?: number } = {}
): Promise<FakeArtifacts> {
  const faults: ArtifactFault[] = []
  const store: Artifact[] = []
  let nextId = 4001
  let origin = ''

  function takeFault(operation: ArtifactOperation): ArtifactFault | undefined {
    const index = faults.findIndex(f => f.operation === operation)
    if (index < 0) return undefined
    const fault = faults[index]!
    if (fault.times !== undefined) {
      fault.times -= 1
      if (fault.times <= 0) faults.splice(index, 1)
    }
    return fault
  }

  async function handle(req: ArtifactRequest): Promise<Reply> {
    if (req.method === 'POST' && req.path.startsWith(TWIRP_PREFIX)) {
      const method = req.path.slice(TWIRP_PREFIX.length)
      try {
        return twirpReply(200, await twirp(method, req))
      } catch (error) {
        if (error instanceof TwirpError)
          return twirpReply(error.status, { code: error.code, msg: error.message })
        throw error
      }
    }
    if (req.path.startsWith('/blob/')) return blob(req)
    return twirpReply(404, { code: 'bad_route', msg: `no handler for ${req.method} ${req.path}` })
  }

  async function twirp(method: string, req: ArtifactRequest): Promise<unknown> {
    if (!isTwirpMethod(method)) throw new TwirpError(404, 'bad_route', `no handler for path ${req.path}`)
    const fault = takeFault(method)
    if (fault)
      throw new TwirpError(fault.status, twirpCode(fault.status), fault.msg ?? `fake fault on ${method}`)
    const ids = idsFromAuthorization(req.headers.authorization)
    let body: Record<string, unknown>
    try {
      body = JSON.parse(req.body) as Record<string, unknown>
    } catch {
      throw new TwirpError(400, 'malformed', 'the request body is not JSON')
    }
    // GetSignedArtifactURL names the job that uploaded the artifact, so only the run must match the token.
    if (body.workflow_run_backend_id !== ids.runId) {
      throw new TwirpError(
        403,
        'permission_denied',
        'workflow_run_backend_id does not match the runtime token'
      )
    }
    const inRun = store.filter(a => a.runId === ids.runId)
    switch (method) {
      case 'CreateArtifact': {
        const name = requiredString(body, 'name')
        if (inRun.some(a => a.name === name)) throw new TwirpError(409, 'already_exists', DUPLICATE_NAME_MSG)
        const mimeType = typeof body.mime_type === 'string' ? body.mime_type : 'application/zip'
        const artifact: Artifact = {
          id: nextId++,
          name,
          runId: ids.runId,
          jobId: ids.jobId,
          mimeType,
          createdAt: new Date(),
          expiresAt: typeof body.expires_at === 'string' ? new Date(body.expires_at) : undefined,
          finalized: false,
          uploadSig: randomBytes(12).toString('hex'),
          readSigs: new Set(),
          blocks: new Map(),
          blob: undefined,
          reportedSize: undefined,
          digest: undefined
        }
        store.push(artifact)
        return { ok: true, signed_upload_url: blobUrl(artifact, artifact.uploadSig, 'cw') }
      }
      case 'FinalizeArtifact': {
        const name = requiredString(body, 'name')
        const artifact = inRun.find(a => a.name === name && !a.finalized)
        if (!artifact) throw new TwirpError(404, 'not_found', `no artifact ${name} awaiting finalization`)
        if (!artifact.blob)
          throw new TwirpError(412, 'failed_precondition', `the blob of ${name} was never committed`)
        artifact.finalized = true
        artifact.reportedSize = typeof body.size === 'string' ? Number(body.size) : undefined
        artifact.digest = typeof body.hash === 'string' ? body.hash : undefined
        return { ok: true, artifact_id: String(artifact.id) }
      }
      case 'ListArtifacts': {
        const now = Date.now()
        const listed = inRun
          .filter(a => a.finalized && (a.expiresAt === undefined || a.expiresAt.getTime() > now))
          .filter(a => body.name_filter === undefined || a.name === body.name_filter)
          .filter(a => body.id_filter === undefined || String(a.id) === String(body.id_filter))
        return {
          artifacts: listed.map(a => ({
            workflow_run_backend_id: a.runId,
            workflow_job_run_backend_id: a.jobId,
            database_id: String(a.id),
            name: a.name,
            size: String(a.blob?.length ?? 0),
            created_at: a.createdAt.toISOString(),
            ...(a.digest ? { digest: a.digest } : {})
          }))
        }
      }
      case 'GetSignedArtifactURL': {
        const name = requiredString(body, 'name')
        const artifact = inRun.find(a => a.name === name && a.finalized)
        if (!artifact) throw new TwirpError(404, 'not_found', `artifact ${name} not found`)
        const sig = randomBytes(12).toString('hex')
        artifact.readSigs.add(sig)
        return { signed_url: blobUrl(artifact, sig, 'r') }
      }
    }
  }

  function blob(req: ArtifactRequest): Reply {
    const id = Number(req.path.split('/')[2])
    const artifact = store.find(a => a.id === id)
    const sig = req.query.get('sig') ?? ''
    const comp = req.query.get('comp')
    if (req.method === 'GET' && comp === null) {
      const fault = takeFault('GetBlob')
      if (fault) return blobError(fault.status, 'InternalError', fault.msg ?? 'fake fault on GetBlob')
      if (!artifact || !artifact.readSigs.has(sig))
        return blobError(403, 'AuthenticationFailed', 'bad signature')
      if (!artifact.blob) return blobError(404, 'BlobNotFound', 'The specified blob does not exist.')
      const fileName = fileNameOf(artifact)
      return {
        status: 200,
        headers: {
          'content-type': artifact.mimeType,
          'content-disposition': `attachment; filename="${fileName.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(fileName)}`
        },
        body: artifact.blob
      }
    }
    if (req.method !== 'PUT' || (comp !== 'block' && comp !== 'blocklist')) {
      return blobError(400, 'UnsupportedOperation', `the fake does not implement ${req.method} comp=${comp}`)
    }
    const fault = takeFault(comp === 'block' ? 'PutBlock' : 'PutBlockList')
    if (fault) return blobError(fault.status, 'InternalError', fault.msg ?? `fake fault on comp=${comp}`)
    if (!artifact || sig !== artifact.uploadSig)
      return blobError(403, 'AuthenticationFailed', 'bad signature')
    if (artifact.finalized) return blobError(409, 'BlobImmutable', 'the artifact is already finalized')
    if (comp === 'block') {
      const blockId = req.query.get('blockid')
      if (!blockId) return blobError(400, 'InvalidQueryParameterValue', 'blockid is missing')
      artifact.blocks.set(blockId, req.bytes)
      return { status: 201, headers: blobHeaders(), body: '' }
    }
    const ids = [...req.body.matchAll(/<(?:Latest|Committed|Uncommitted)>([^<]*)<\//g)].map(m => m[1] ?? '')
    const parts: Buffer[] = []
    for (const blockId of ids) {
      const part = artifact.blocks.get(blockId)
      if (!part) return blobError(400, 'InvalidBlockList', `block ${blockId} was never staged`)
      parts.push(part)
    }
    artifact.blob = Buffer.concat(parts)
    artifact.blocks.clear()
    const contentType = req.headers['x-ms-blob-content-type']
    if (typeof contentType === 'string') artifact.mimeType = contentType
    return {
      status: 201,
      headers: { ...blobHeaders(), etag: `"0x${randomBytes(8).toString('hex')}"` },
      body: ''
    }
  }

  function blobUrl(artifact: Artifact, sig: string, permissions: string): string {
    const expiry = new Date(Date.now() + 3600_000).toISOString()
    const query = new URLSearchParams({ sv: '2025-01-05', se: expiry, sr: 'b', sp: permissions, sig })
    return `${origin}/blob/${artifact.id}/${encodeURIComponent(fileNameOf(artifact))}?${query.toString()}`
  }

  /** A reply as http-fake sends it; a handler that throws answers with a Twirp `internal` error. */
  async function answer(req: ArtifactRequest): Promise<FakeResponse> {
    let reply: Reply
    try {
      reply = await handle(req)
    } catch (error) {
      reply = twirpReply(500, { code: 'internal', msg: `fake failed: ${String(error)}` })
    }
    return {
      status: reply.status,
      headers: { 'content-length': String(Buffer.byteLength(reply.body)), ...reply.headers },
      raw: reply.body
    }
  }

  const server = await startFakeServer(answer, {
    latencyMs: options.latencyMs,
    lifetimeMs: options.lifetimeMs
  })
  origin = server.url

  return {
    url: `${origin}/`,
    requests: server.requests,
    faults,
    defaultIds: { runBackendId: randomUUID(), jobBackendId: randomUUID() },
    artifacts: () => store.map(snapshot),
    calls: method =>
      server.requests
        .filter(r => r.method === 'POST' && r.path === `${TWIRP_PREFIX}${method}`)
        .map(r => JSON.parse(r.body) as Record<string, unknown>),
    close: () => server.close()
  }
}

/**
 * The environment @actions/artifact needs to talk to the fake as a job of one workflow run: an unsigned JWT whose
 * `scp` claim carries `Actions.Results:<run>:<job>` (the client decodes it without verifying; the fake scopes every
 * call to that run), the results URL, and a github.com server URL (anything but github.com, *.ghe.com or *.localhost
 * makes the client throw GHESNotSupportedError before it sends anything). Jobs of one run share runBackendId.
 */
export function runtimeEnv(
  fake: FakeArtifacts,
  ids: { runBackendId?: string; jobBackendId?: string } = {}
): Record<string, string> {
  const run = ids.runBackendId ?? fake.defaultIds.runBackendId
  const job = ids.jobBackendId ?? fake.defaultIds.jobBackendId
  const now = Math.floor(Date.now() / 1000)
  const claims = {
    scp: `Actions.ExampleScope Actions.Results:${run}:${job}`,
    iss: 'fake-artifacts',
    aud: 'vso',
    nbf: now - 60,
    exp: now + 6 * 3600
  }
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  return {
    ACTIONS_RUNTIME_TOKEN: `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`,
    ACTIONS_RESULTS_URL: fake.url,
    GITHUB_SERVER_URL: 'https://github.com'
  }
}

function snapshot(a: Artifact): StoredArtifact {
  const bytes = Buffer.from(a.blob ?? Buffer.alloc(0))
  const expiresAt = a.expiresAt
  return {
    id: a.id,
    name: a.name,
    workflowRunBackendId: a.runId,
    workflowJobRunBackendId: a.jobId,
    mimeType: a.mimeType,
    createdAt: a.createdAt,
    expiresAt,
    retentionDays:
      expiresAt === undefined
        ? undefined
        : Math.round((expiresAt.getTime() - a.createdAt.getTime()) / 86_400_000),
    finalized: a.finalized,
    size: bytes.length,
    reportedSize: a.reportedSize,
    digest: a.digest,
    bytes,
    files: () => {
      if (!isZip(a)) return { [a.name]: bytes }
      const out: Record<string, Buffer> = {}
      for (const entry of new AdmZip(bytes).getEntries()) {
        if (!entry.isDirectory) out[entry.entryName] = entry.getData()
      }
      return out
    }
  }
}

function isZip(a: Artifact): boolean {
  return a.mimeType === 'application/zip'
}

/** the client names the zip `<name>.zip`; a skipArchive upload is named after its file */
function fileNameOf(a: Artifact): string {
  return isZip(a) ? `${a.name}.zip` : a.name
}

function idsFromAuthorization(header: string | undefined): { runId: string; jobId: string } {
  const token = /^Bearer (.+)$/.exec(header ?? '')?.[1]
  if (!token) throw new TwirpError(401, 'unauthenticated', 'no bearer token')
  let scp: unknown
  try {
    scp = (
      JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { scp?: unknown }
    ).scp
  } catch {
    throw new TwirpError(401, 'unauthenticated', 'the bearer token is not a JWT')
  }
  for (const scope of typeof scp === 'string' ? scp.split(' ') : []) {
    const [kind, runId, jobId] = scope.split(':')
    if (kind === 'Actions.Results' && runId && jobId) return { runId, jobId }
  }
  throw new TwirpError(401, 'unauthenticated', 'the token has no Actions.Results scope')
}

function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field]
  if (typeof value !== 'string' || value === '')
    throw new TwirpError(400, 'invalid_argument', `${field} is required`)
  return value
}

function isTwirpMethod(method: string): method is TwirpMethod {
  return ['CreateArtifact', 'FinalizeArtifact', 'ListArtifacts', 'GetSignedArtifactURL'].includes(method)
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
