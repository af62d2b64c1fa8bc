import { test } from 'node:test'
import assert from 'node:assert/strict'
import { suggest } from '../src/search/suggest.js'
import { CATALOG } from '../src/data/catalog.js'

test('suggests names starting with the query, best sellers first', () => {
  assert.deepEqual(suggest('mu', CATALOG), ['Muesli 1 kg', 'Mug, classic', 'Mug, travel'])
})

test('ignores case', () => {
  assert.deepEqual(suggest('TEA', CATALOG), [
    'Tea, black (100 bags)',
    'Tea, green (100 bags)',
    'Tea towel',
    'Teapot'
  ])
})

test('waits for two characters', () => {
  assert.deepEqual(suggest('t', CATALOG), [])
})
