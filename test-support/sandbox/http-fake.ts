// The one base of the project's HTTP fakes: 127.0.0.1, port 0, a request log, and a lifetime after which the server
// closes itself so that a forgotten fake never outlives its test run. A fake is a handler from a recorded request to
// a response (JSON, raw text or bytes, or a stream of chunks such as Server-Sent Events).
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  method: string
  /** the request target as sent (path and query, not decoded) */
  url: string
  /** the path, percent-decoded */
  path: string
  query: URLSearchParams
  headers: http.IncomingHttpHeaders
  /** the body as UTF-8 text */
  body: string
  /** the body's bytes, for binary uploads */
  bytes: Buffer
}

export interface FakeResponse {
  status: number
  headers?: Record<string, string>
  body?: unknown
  /** send this text or these bytes verbatim instead of JSON-encoding body */
  raw?: string | Buffer
  /**
   * Write these chunks one by one (e.g. Server-Sent Events) and end, or with `hold` keep the response open until the
   * client goes away or the server closes (a stream that hangs).
   */
  stream?: { chunks: (string | Buffer)[]; hold?: boolean }
  /** wait before answering (latency, or a hang when larger than the client's timeout) */
  delayMs?: number
}

export type Handler = (req: RecordedRequest) => FakeResponse | Promise<FakeResponse>

export interface FakeServer {
  url: string
  port: number
  requests: RecordedRequest[]
  close(): Promise<void>
}

export interface FakeServerOptions {
  /** close by itself after this long (default 15 minutes) */
  lifetimeMs?: number
  /** answer every request after this delay (mimics real API latency) */
  latencyMs?: number
  /** serve HTTPS with this PEM key and certificate instead of plain HTTP */
  tls?: { key: string | Buffer; cert: string | Buffer }
}

export async function startFakeServer(
  handler: Handler,
  options: FakeServerOptions = {}
): Promise<FakeServer> {
  const requests: RecordedRequest[] = []
  const listener: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      const bytes = Buffer.concat(chunks)
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        path: decodeURIComponent(url.pathname),
        query: url.searchParams,
        headers: req.headers,
        body: bytes.toString('utf8'),
        bytes
      }
      requests.push(recorded)
      void (async () => {
        let response: FakeResponse
        try {
          response = await handler(recorded)
        } catch (error) {
          response = { status: 500, body: { detail: `fake failed: ${String(error)}` } }
        }
        const delay = (options.latencyMs ?? 0) + (response.delayMs ?? 0)
        if (delay > 0) await new Promise(r => setTimeout(r, delay))
        if (res.destroyed) return
        send(res, response)
      })()
    })
  }
  const server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener)
    : http.createServer(listener)
  server.keepAliveTimeout = 1000
  const { port, close } = await listenSelfStopping(server, { lifetimeMs: options.lifetimeMs })
  return { url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`, port, requests, close }
}

function send(res: http.ServerResponse, response: FakeResponse): void {
  if (response.stream) {
    res.writeHead(response.status, { ...response.headers })
    for (const chunk of response.stream.chunks) res.write(chunk)
    if (!response.stream.hold) res.end()
    return
  }
  const payload =
    response.raw !== undefined
      ? response.raw
      : response.body === undefined
        ? ''
        : JSON.stringify(response.body)
  res.writeHead(response.status, {
    ...(response.raw === undefined ? { 'content-type': 'application/json' } : {}),
    ...response.headers
  })
  res.end(payload)
}

/**
 * Listens on 127.0.0.1 (port 0) and stops by itself after `lifetimeMs` (default 15 min), so that no fake outlives its
 * test. `close()` may be called any number of times; it ends every connection, open streams included, and
 * `beforeClose` ends what the server does not track (raw sockets).
 */
export async function listenSelfStopping(
  server: http.Server | https.Server,
  options: { lifetimeMs?: number; beforeClose?: () => void } = {}
): Promise<{ port: number; close(): Promise<void> }> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const lifetime = setTimeout(() => void close(), options.lifetimeMs ?? 15 * 60_000)
  lifetime.unref()
  let closed: Promise<void> | undefined
  function close(): Promise<void> {
    closed ??= new Promise<void>(resolve => {
      clearTimeout(lifetime)
      options.beforeClose?.()
      server.closeAllConnections()
      server.close(() => resolve())
    })
    return closed
  }
  return { port, close }
}

/** A JSON response. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): FakeResponse {
  return { status, body, headers }
}
