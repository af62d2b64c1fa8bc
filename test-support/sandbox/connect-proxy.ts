// A corporate HTTP proxy in miniature: HTTP CONNECT tunnels (what git/curl use for an https:// URL behind
// HTTPS_PROXY), on 127.0.0.1, port 0. It records every CONNECT target and tunnels only to 127.0.0.1: any other target
// is answered 403 and never dialled, so a test that goes through it cannot reach the network. Plain proxied requests
// (GET http://...) are answered 405 and recorded too. With `credentials` it demands Basic proxy authentication (407
// with a challenge, as an authenticating corporate proxy does) before it tunnels. It closes by itself after its lifetime.
import { listenSelfStopping } from './http-fake.js'
import { createServer, type IncomingMessage } from 'node:http'
import net, { type Socket } from 'node:net'

export interface ProxyConnect {
  /** the CONNECT request's target, as sent (e.g. "127.0.0.1:43121") */
  target: string
  /** whether it was tunnelled (127.0.0.1 with a valid port, and the proxy credentials when demanded) */
  allowed: boolean
  /** the Proxy-Authorization header as it arrived, or null */
  proxyAuthorization: string | null
  /** every header line of the CONNECT request, as "Name: value" (what the proxy could read; the tunnel is opaque) */
  headers: string[]
}

export interface ConnectProxy {
  /** http://127.0.0.1:PORT, the value of HTTPS_PROXY */
  url: string
  port: number
  connects: ProxyConnect[]
  /** requests that were not CONNECT (a client that sent a proxied plain request), as "METHOD url" */
  refused: string[]
  close(): Promise<void>
}

/** Host and port of a CONNECT target, when it is 127.0.0.1:<1-65535>. */
function loopbackTarget(target: string): { host: string; port: number } | null {
  const match = /^127\.0\.0\.1:(\d{1,5})$/.exec(target)
  const port = Number(match?.[1])
  return match && port >= 1 && port <= 65_535 ? { host: '127.0.0.1', port } : null
}

export async function startConnectProxy(
  options: {
    /** demand these Basic proxy credentials (answer 407 until they come) */
    credentials?: { user: string; password: string }
    /** close by itself after this long (default 15 minutes) */
    lifetimeMs?: number
  } = {}
): Promise<ConnectProxy> {
  const expected = options.credentials
    ? `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.password}`).toString('base64')}`
    : null
  const connects: ProxyConnect[] = []
  const refused: string[] = []
  const sockets = new Set<Socket>()
  const track = (socket: Socket): void => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
  }

  const server = createServer((req, res) => {
    refused.push(`${req.method ?? '?'} ${req.url ?? ''}`)
    res.writeHead(405, { 'Content-Type': 'text/plain', Connection: 'close' })
    res.end('This proxy only tunnels (CONNECT).\n')
  })
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    track(client)
    const target = req.url ?? ''
    const destination = loopbackTarget(target)
    const header = req.headers['proxy-authorization'] ?? null
    const authorized = expected === null || header === expected
    const headers: string[] = []
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
      headers.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
    connects.push({
      target,
      allowed: destination !== null && authorized,
      proxyAuthorization: header,
      headers
    })
    if (!authorized) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corporate"\r\n' +
          'Content-Length: 0\r\nConnection: close\r\n\r\n'
      )
      return
    }
    if (!destination) {
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      return
    }
    const upstream = net.connect(destination.port, destination.host)
    track(upstream)
    let established = false
    upstream.on('connect', () => {
      established = true
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => {
      if (!established && client.writable) {
        client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      } else {
        client.destroy()
      }
    })
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })

  const { port, close } = await listenSelfStopping(server, {
    lifetimeMs: options.lifetimeMs,
    beforeClose: () => {
      for (const socket of sockets) socket.destroy()
    }
  })
  return { url: `http://127.0.0.1:${port}`, port, connects, refused, close }
}
