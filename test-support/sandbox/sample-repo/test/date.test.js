import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatOrderDate } from '../src/format/date.js'

test('shows the day an order was placed, in UTC', () => {
  assert.equal(formatOrderDate({ id: 'o-1', placedAt: '2025-03-04T23:30:00Z' }), 'Mar 4, 2025')
})

test('accepts epoch milliseconds', () => {
  assert.equal(formatOrderDate({ id: 'o-2', placedAt: Date.UTC(2024, 11, 31, 12) }), 'Dec 31, 2024')
})
