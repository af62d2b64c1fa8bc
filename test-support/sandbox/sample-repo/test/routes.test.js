import { test } from 'node:test'
import assert from 'node:assert/strict'
import { handleRequest, orders } from '../src/server.js'
import { summarize } from '../src/cart/totals.js'

const url = path => new URL(path, 'http://localhost')

test('GET /api/cart answers with the cart total', () => {
  const session = { cart: summarize({ items: [{ sku: 'teapot', unitPrice: 3900, quantity: 1 }] }) }
  assert.deepEqual(handleRequest('GET', url('/api/cart'), session, {}), {
    status: 200,
    body: { items: 1, total: 4395 }
  })
})

test('GET /api/search suggests products', () => {
  const result = handleRequest('GET', url('/api/search?q=tea'), {}, {})
  assert.equal(result.body.suggestions.length, 4)
})

test('GET /api/orders/:id shows a placed order', () => {
  orders.set('o-7', { id: 'o-7', status: 'paid', placedAt: '2025-06-01T08:00:00Z' })
  assert.deepEqual(handleRequest('GET', url('/api/orders/o-7'), {}, {}).body, {
    id: 'o-7',
    status: 'paid',
    placed: 'Jun 1, 2025'
  })
})

test('unknown paths are 404', () => {
  assert.equal(handleRequest('GET', url('/nope'), {}, {}).status, 404)
})
