import { describe, expect, it } from '@jest/globals'
import { failingTestNames } from '../../src/domain/test-failures.js'

describe('failingTestNames', () => {
  it("reads node:test's spec reporter, once per test although its summary repeats them", () => {
    const output = [
      '✔ works (0.5ms)',
      '✖ applies the discount to the total (1.06666ms)',
      '▶ suite',
      '  ✖ nested fails (0.12792ms)',
      '✖ suite (0.336279ms)',
      '✖ failing tests:',
      '',
      'test at test/a.test.js:3:1',
      '✖ applies the discount to the total (1.06666ms)',
      '  AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:'
    ].join('\n')
    expect(failingTestNames(output)).toEqual(['applies the discount to the total', 'nested fails', 'suite'])
  })

  it('reads TAP, Jest, Mocha, pytest, go test and RSpec failure lines', () => {
    expect(failingTestNames('ok 1 - fine\nnot ok 2 - rounds totals # time=3ms\n')).toEqual(['rounds totals'])
    expect(failingTestNames('  ● cart › rejects an empty cart\n    expect(received)')).toEqual([
      'cart › rejects an empty cart'
    ])
    expect(failingTestNames('  ✓ passes (2 ms)\n  ✕ totals the cart (5 ms)')).toEqual(['totals the cart'])
    expect(failingTestNames('  2 passing\n  1 failing\n\n  1) cart totals:\n     Error')).toEqual([
      'cart totals:'
    ])
    expect(failingTestNames('FAILED tests/test_cart.py::test_total - AssertionError')).toEqual([
      'tests/test_cart.py::test_total'
    ])
    expect(failingTestNames('--- FAIL: TestTotal (0.00s)')).toEqual(['TestTotal'])
    expect(failingTestNames('rspec ./spec/cart_spec.rb:12 # Cart totals the items')).toEqual([
      'Cart totals the items'
    ])
  })

  it('gives no names for an output it does not know, and at most ten, each one line without invisible characters', () => {
    expect(failingTestNames('Error: something broke\n    at x (y.js:1:1)')).toEqual([])
    const many = Array.from({ length: 15 }, (_, i) => `not ok ${i + 1} - case ${i + 1}`).join('\n')
    expect(failingTestNames(many)).toHaveLength(10)
    expect(failingTestNames('not ok 1 - hid\u200bden @every\u202eone')).toEqual(['hidden @everyone'])
  })
})
