// What the two fakes of GitHub's results service share (fake-artifacts.ts for @actions/artifact, fake-cache.ts for
// @actions/cache): the protocol, not the services. Twirp JSON calls and Twirp errors `{code, msg}`; the runtime token,
// an unsigned JWT the fakes read their scopes from; Azure Blob storage on the signed URLs the Twirp calls hand out
// (Put Block, Put Block List, Put Blob, Get Blob, XML errors); faults counted down per operation.
import { randomBytes, randomUUID } from 'node:crypto'
import type http from 'node:http'

/** the Azure Storage REST version the blob side speaks (x-ms-version, and a signed URL's `sv`) */
const STORAGE_VERSION = '2025-01-05'

/** A reply before it is sent: the body as it goes on the wire. */
export interface Reply {
  status: number
  headers?: Record<string, string>
  body: string | Buffer
}

/** A fault a fake answers one kind of request with. */
export interface Fault<Operation extends string> {
  operation: Operation
  status: number
  /** the Twirp `msg` (or the blob error's Message); the client appends it to its error */
  msg?: string
  /** answer this many matching requests with the fault, then stop (default: every one) */
  times?: number
}

/** The first fault for `operation`, counted down and dropped when its `times` run out. */
function takeFault(faults: Fault<string>[], operation: string): Fault<string> | undefined {
  const index = faults.findIndex(f => f.operation === operation)
  if (index < 0) return undefined
  const fault = faults[index]!
  if (fault.times !== undefined) {
    fault.times -= 1
    if (fault.times <= 0) faults.splice(index, 1)
  }
  return fault
}

// ---- Twirp

export class TwirpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    msg: string
  ) {
    super(msg)
  }
}

/** The Twirp error code the service answers a status with. */
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

/** Throws the Twirp error of the first fault for `method`, if there is one. */
export function twirpFault(faults: Fault<string>[], method: string): void {
  const fault = takeFault(faults, method)
  if (fault)
    throw new TwirpError(fault.status, twirpCode(fault.status), fault.msg ?? `fake fault on ${method}`)
}

function twirpReply(status: number, body: unknown): Reply {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
}

/** A Twirp call's answer: what `call` returns, or the Twirp error it throws (anything else is rethrown). */
function answerTwirp(call: () => unknown): Reply {
  try {
    return twirpReply(200, call())
  } catch (error) {
    if (error instanceof TwirpError) return twirpReply(error.status, { code: error.code, msg: error.message })
    throw error
  }
}

/** The request body of a Twirp call, a JSON object. */
export function twirpBody(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>
  } catch {
    throw new TwirpError(400, 'malformed', 'the request body is not JSON')
  }
}

export function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field]
  if (typeof value !== 'string' || value === '')
    throw new TwirpError(400, 'invalid_argument', `${field} is required`)
  return value
}

/**
 * The service's reply to a request, as it is sent (with the Content-Length of its body, which a HEAD gets too): a
 * Twirp call (POST below `twirpPrefix`) answered by `twirp(method)`, a blob request (below `blobPrefix`) by `blob()`,
 * anything else a Twirp `bad_route`. Where the fake itself fails, a Twirp `internal` error, which the clients retry.
 */
export function serviceReply(
  req: { method: string; path: string },
  routes: { twirpPrefix: string; twirp: (method: string) => unknown; blobPrefix: string; blob: () => Reply }
): Reply & { headers: Record<string, string> } {
  let reply: Reply
  try {
    if (req.method === 'POST' && req.path.startsWith(routes.twirpPrefix)) {
      reply = answerTwirp(() => routes.twirp(req.path.slice(routes.twirpPrefix.length)))
    } else if (req.path.startsWith(routes.blobPrefix)) {
      reply = routes.blob()
    } else {
      reply = twirpReply(404, { code: 'bad_route', msg: `no handler for ${req.method} ${req.path}` })
    }
  } catch (error) {
    reply = twirpReply(500, { code: 'internal', msg: `fake failed: ${String(error)}` })
  }
  return { ...reply, headers: { 'content-length': String(Buffer.byteLength(reply.body)), ...reply.headers } }
}

// ---- the runtime token: an unsigned JWT (the clients send it, and @actions/artifact reads it, without verifying)

/** A job's runtime token (ACTIONS_RUNTIME_TOKEN): an unsigned JWT of `claims`, by default `issuer`'s for six hours. */
export function runtimeToken(issuer: string, claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000)
  const payload = { iss: issuer, aud: 'vso', nbf: now - 60, exp: now + 6 * 3600, ...claims }
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`
}

/** The claims of a JWT, unverified; throws where the token is not one. */
export function jwtClaims(token: string): Record<string, unknown> {
  const claims: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'))
  if (typeof claims !== 'object' || claims === null) throw new Error('the JWT payload is not an object')
  return claims as Record<string, unknown>
}

/** The claims of the `Authorization: Bearer <runtime token>` header, or an `unauthenticated` Twirp error. */
export function bearerClaims(header: string | undefined): Record<string, unknown> {
  const token = /^Bearer (.+)$/.exec(header ?? '')?.[1]
  if (!token) throw new TwirpError(401, 'unauthenticated', 'no bearer token')
  try {
    return jwtClaims(token)
  } catch {
    throw new TwirpError(401, 'unauthenticated', 'the bearer token is not a JWT')
  }
}

// ---- Azure Blob storage on signed URLs

/** A blob behind signed URLs: the upload signature, the read signatures handed out, staged blocks, committed bytes. */
export interface SignedBlob {
  uploadSig: string
  readSigs: Set<string>
  blocks: Map<string, Buffer>
  blob: Buffer | undefined
  /** the service finalized it: no more writes */
  finalized: boolean
}

/** A new blob, nothing uploaded. */
export function newSignedBlob(): SignedBlob {
  return {
    uploadSig: randomBytes(12).toString('hex'),
    readSigs: new Set(),
    blocks: new Map(),
    blob: undefined,
    finalized: false
  }
}

/**
 * `target`'s URL at `base` signed (a SAS valid for an hour) to upload (create and write, with its upload signature)
 * or to read (with a new read signature).
 */
export function signedUrl(base: string, target: SignedBlob, access: 'upload' | 'read'): string {
  let sig = target.uploadSig
  if (access === 'read') {
    sig = randomBytes(12).toString('hex')
    target.readSigs.add(sig)
  }
  const expiry = new Date(Date.now() + 3600_000).toISOString()
  const sp = access === 'read' ? 'r' : 'cw'
  return `${base}?${new URLSearchParams({ sv: STORAGE_VERSION, se: expiry, sr: 'b', sp, sig }).toString()}`
}

export type BlobOperation = 'PutBlob' | 'PutBlock' | 'PutBlockList' | 'GetBlob'

export interface BlobRequest {
  method: string
  query: URLSearchParams
  headers: http.IncomingHttpHeaders
  bytes: Buffer
}

export interface BlobOptions<T extends SignedBlob> {
  /** the operations the fake serves */
  serves: readonly BlobOperation[]
  /** the blob the request's path names, if there is one */
  target: T | undefined
  faults: Fault<string>[]
  /** the message of the error on a write to a finalized blob */
  finalizedMessage: string
  /** the headers of a download (default: Blob storage's, as application/octet-stream) */
  downloadHeaders?: (target: T) => Record<string, string>
}

/**
 * Blob storage's answer to a request on `target` (undefined: no such blob), and the operation it was (null: none the
 * fake `serves`): a fault, the signature check, then Get Blob (the committed bytes with `downloadHeaders`), or on a
 * blob not yet finalized Put Block (staged), Put Block List (the staged blocks committed in the list's order) or Put
 * Blob (committed whole).
 */
export function blobReply<T extends SignedBlob>(
  req: BlobRequest,
  options: BlobOptions<T>
): { operation: BlobOperation | null; reply: Reply } {
  const named = operationOf(req)
  const operation = named !== null && options.serves.includes(named) ? named : null
  return { operation, reply: operationReply(operation, req, options) }
}

/** The Blob service operation a request is, or null. */
function operationOf(req: BlobRequest): BlobOperation | null {
  const comp = req.query.get('comp')
  if ((req.method === 'GET' || req.method === 'HEAD') && comp === null) return 'GetBlob'
  if (req.method !== 'PUT') return null
  if (comp === 'block') return 'PutBlock'
  if (comp === 'blocklist') return 'PutBlockList'
  return comp === null && req.headers['x-ms-blob-type'] === 'BlockBlob' ? 'PutBlob' : null
}

function operationReply<T extends SignedBlob>(
  operation: BlobOperation | null,
  req: BlobRequest,
  options: BlobOptions<T>
): Reply {
  if (!operation) {
    return blobError(
      400,
      'UnsupportedOperation',
      `the fake does not implement ${req.method} comp=${req.query.get('comp')}`
    )
  }
  const fault = takeFault(options.faults, operation)
  if (fault) return blobError(fault.status, 'InternalError', fault.msg ?? `fake fault on ${operation}`)
  const { target } = options
  const sig = req.query.get('sig') ?? ''
  if (operation === 'GetBlob') {
    if (!target || !target.readSigs.has(sig)) return blobError(403, 'AuthenticationFailed', 'bad signature')
    if (!target.blob) return blobError(404, 'BlobNotFound', 'The specified blob does not exist.')
    return {
      status: 200,
      headers: options.downloadHeaders?.(target) ?? {
        ...blobHeaders(),
        'content-type': 'application/octet-stream'
      },
      body: target.blob
    }
  }
  if (!target || sig !== target.uploadSig) return blobError(403, 'AuthenticationFailed', 'bad signature')
  if (target.finalized) return blobError(409, 'BlobImmutable', options.finalizedMessage)
  if (operation === 'PutBlock') {
    const blockId = req.query.get('blockid')
    if (!blockId) return blobError(400, 'InvalidQueryParameterValue', 'blockid is missing')
    target.blocks.set(blockId, req.bytes)
    return { status: 201, headers: blobHeaders(), body: '' }
  }
  if (operation === 'PutBlob') {
    target.blob = req.bytes
  } else {
    const ids = [...req.bytes.toString('utf8').matchAll(/<(?:Latest|Committed|Uncommitted)>([^<]*)<\//g)].map(
      m => m[1] ?? ''
    )
    const parts: Buffer[] = []
    for (const blockId of ids) {
      const part = target.blocks.get(blockId)
      if (!part) return blobError(400, 'InvalidBlockList', `block ${blockId} was never staged`)
      parts.push(part)
    }
    target.blob = Buffer.concat(parts)
  }
  target.blocks.clear()
  return {
    status: 201,
    headers: { ...blobHeaders(), etag: `"0x${randomBytes(8).toString('hex')}"` },
    body: ''
  }
}

/** The headers Blob storage puts on every answer. */
function blobHeaders(): Record<string, string> {
  return {
    'x-ms-request-id': randomUUID(),
    'x-ms-version': STORAGE_VERSION,
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
