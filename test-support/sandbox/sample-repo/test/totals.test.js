import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cartTotal, summarize, SHIPPING_FEE } from '../src/cart/totals.js'

const mug = { sku: 'mug-classic', unitPrice: 1200, quantity: 2 }
const teapot = { sku: 'teapot', unitPrice: 3900, quantity: 1 }

test('adds shipping below the free-shipping threshold', () => {
  assert.equal(cartTotal(summarize({ items: [mug] })), 2400 + SHIPPING_FEE)
})

test('ships for free from 50.00', () => {
  assert.equal(cartTotal(summarize({ items: [mug, teapot] })), 6300)
})

test('applies the discount code before deciding on shipping', () => {
  const cart = summarize({ items: [mug, teapot], discountCode: 'SAVE10' })
  assert.equal(cartTotal(cart), 5670)
})

test('an empty cart costs nothing', () => {
  assert.equal(cartTotal(summarize({ items: [] })), 0)
})
