// The HTTP server. Sessions and orders live in memory in this sample.
import { createServer } from 'node:http'
import { pathToFileURL } from 'node:url'
import { cartRoute, checkoutRoute, orderRoute, searchRoute } from './api/routes.js'

export const sessions = new Map()
export const orders = new Map()

/** Routes one request; throws what a handler throws. */
export function handleRequest(method, url, session, body) {
  if (method === 'GET' && url.pathname === '/api/cart') return cartRoute(session)
  if (method === 'POST' && url.pathname === '/api/checkout') return checkoutRoute(session, body)
  if (method === 'GET' && url.pathname === '/api/search') return searchRoute(url)
  const order = /^\/api\/orders\/([\w-]+)$/.exec(url.pathname)
  if (method === 'GET' && order) {
    const found = orders.get(order[1])
    return found ? orderRoute(found) : { status: 404, body: { error: 'order not found' } }
  }
  return { status: 404, body: { error: 'not found' } }
}

async function readJson(req) {
  let text = ''
  for await (const chunk of req) text += chunk
  return text ? JSON.parse(text) : {}
}

export function start(port = Number(process.env.PORT ?? 3000)) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost')
    const session = sessions.get(req.headers['x-session-id']) ?? {}
    let result
    try {
      result = handleRequest(req.method, url, session, await readJson(req))
    } catch (error) {
      console.error(error)
      result = { status: 500, body: { error: 'internal error' } }
    }
    res.writeHead(result.status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(result.body))
  })
  return server.listen(port)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) start()
