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
// origin. It runs on http-fake.ts; blob blocks are binary, so it reads each request's raw `bytes`. The protocol it
// shares with fake-cache.ts (Twirp, the runtime token, signed blobs) is results-service.ts.
import { randomUUID } from 'node:crypto'
import AdmZip from 'adm-zip'
import { startFakeServer, type FakeResponse, type RecordedRequest } from './http-fake.js'
import * as results from './results-service.js'

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.ArtifactService/'
const DUPLICATE_NAME_MSG = 'an artifact with this name already exists on the workflow run'

export type TwirpMethod = 'CreateArtifact' | 'FinalizeArtifact' | 'ListArtifacts' | 'GetSignedArtifactURL'
/** every operation the fake serves, for faults */
export type ArtifactOperation = TwirpMethod | 'PutBlock' | 'PutBlockList' | 'GetBlob'
/** the blob operations the client uses: staged blocks and a block list, never a single Put Blob */
const BLOB_OPERATIONS: readonly results.BlobOperation[] = ['PutBlock', 'PutBlockList', 'GetBlob']

export type ArtifactFault = results.Fault<ArtifactOperation>

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

interface Artifact extends results.SignedBlob {
  id: number
  name: string
  runId: string
  jobId: string
  mimeType: string
  createdAt: Date
  expiresAt: Date | undefined
  reportedSize: number | undefined
  digest: string | undefined
}

export async function startFakeArtifacts(
  options: { latencyMs?: number; lifetimeMs?: number } = {}
): Promise<FakeArtifacts> {
  const faults: ArtifactFault[] = []
  const store: Artifact[] = []
  let nextId = 4001
  let origin = ''

  function twirp(method: string, req: ArtifactRequest): unknown {
    if (!isTwirpMethod(method))
      throw new results.TwirpError(404, 'bad_route', `no handler for path ${req.path}`)
    results.twirpFault(faults, method)
    const ids = idsFromAuthorization(req.headers.authorization)
    const body = results.twirpBody(req.body)
    // GetSignedArtifactURL names the job that uploaded the artifact, so only the run must match the token.
    if (body.workflow_run_backend_id !== ids.runId) {
      throw new results.TwirpError(
        403,
        'permission_denied',
        'workflow_run_backend_id does not match the runtime token'
      )
    }
    const inRun = store.filter(a => a.runId === ids.runId)
    switch (method) {
      case 'CreateArtifact': {
        const name = results.requiredString(body, 'name')
        if (inRun.some(a => a.name === name))
          throw new results.TwirpError(409, 'already_exists', DUPLICATE_NAME_MSG)
        const mimeType = typeof body.mime_type === 'string' ? body.mime_type : 'application/zip'
        const artifact: Artifact = {
          id: nextId++,
          name,
          runId: ids.runId,
          jobId: ids.jobId,
          mimeType,
          createdAt: new Date(),
          expiresAt: typeof body.expires_at === 'string' ? new Date(body.expires_at) : undefined,
          ...results.newSignedBlob(),
          reportedSize: undefined,
          digest: undefined
        }
        store.push(artifact)
        return { ok: true, signed_upload_url: blobUrl(artifact, 'upload') }
      }
      case 'FinalizeArtifact': {
        const name = results.requiredString(body, 'name')
        const artifact = inRun.find(a => a.name === name && !a.finalized)
        if (!artifact)
          throw new results.TwirpError(404, 'not_found', `no artifact ${name} awaiting finalization`)
        if (!artifact.blob)
          throw new results.TwirpError(412, 'failed_precondition', `the blob of ${name} was never committed`)
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
        const name = results.requiredString(body, 'name')
        const artifact = inRun.find(a => a.name === name && a.finalized)
        if (!artifact) throw new results.TwirpError(404, 'not_found', `artifact ${name} not found`)
        return { signed_url: blobUrl(artifact, 'read') }
      }
    }
  }

  function blob(req: ArtifactRequest): results.Reply {
    const artifact = store.find(a => a.id === Number(req.path.split('/')[2]))
    const { operation, reply } = results.blobReply(req, {
      serves: BLOB_OPERATIONS,
      target: artifact,
      faults,
      finalizedMessage: 'the artifact is already finalized',
      downloadHeaders
    })
    // the client sets the artifact's type with the block list (x-ms-blob-content-type)
    const contentType = req.headers['x-ms-blob-content-type']
    if (artifact && operation === 'PutBlockList' && reply.status === 201 && typeof contentType === 'string')
      artifact.mimeType = contentType
    return reply
  }

  function blobUrl(artifact: Artifact, access: 'upload' | 'read'): string {
    return results.signedUrl(
      `${origin}/blob/${artifact.id}/${encodeURIComponent(fileNameOf(artifact))}`,
      artifact,
      access
    )
  }

  /** A reply as http-fake sends it. */
  function answer(req: ArtifactRequest): FakeResponse {
    const reply = results.serviceReply(req, {
      twirpPrefix: TWIRP_PREFIX,
      twirp: method => twirp(method, req),
      blobPrefix: '/blob/',
      blob: () => blob(req)
    })
    return { status: reply.status, headers: reply.headers, raw: reply.body }
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
  return {
    ACTIONS_RUNTIME_TOKEN: results.runtimeToken('fake-artifacts', {
      scp: `Actions.ExampleScope Actions.Results:${run}:${job}`
    }),
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

/** The headers of a download: the artifact's type, and its file name as the client saves it. */
function downloadHeaders(artifact: Artifact): Record<string, string> {
  const fileName = fileNameOf(artifact)
  return {
    'content-type': artifact.mimeType,
    'content-disposition': `attachment; filename="${fileName.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(fileName)}`
  }
}

/** The run and job of the runtime token's `Actions.Results:<run>:<job>` scope (its `scp` claim). */
function idsFromAuthorization(header: string | undefined): { runId: string; jobId: string } {
  const scp = results.bearerClaims(header).scp
  for (const scope of typeof scp === 'string' ? scp.split(' ') : []) {
    const [kind, runId, jobId] = scope.split(':')
    if (kind === 'Actions.Results' && runId && jobId) return { runId, jobId }
  }
  throw new results.TwirpError(401, 'unauthenticated', 'the token has no Actions.Results scope')
}

function isTwirpMethod(method: string): method is TwirpMethod {
  return ['CreateArtifact', 'FinalizeArtifact', 'ListArtifacts', 'GetSignedArtifactURL'].includes(method)
}
