import { test } from 'node:test'
import assert from 'node:assert/strict'
import { applyDiscount, isKnownCode } from '../src/cart/discounts.js'

test('takes the percentage off, rounding down to whole cents', () => {
  assert.equal(applyDiscount(1000, 'SAVE10'), 900)
  assert.equal(applyDiscount(999, 'WELCOME5'), 949)
})

test('refuses a code that does not exist', () => {
  assert.throws(() => applyDiscount(1000, 'FREEMONEY'), /discount code not found/)
  assert.equal(isKnownCode('FREEMONEY'), false)
})
