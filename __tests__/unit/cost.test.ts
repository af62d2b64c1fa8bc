import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { costOrNull, costPerPrUsd, costUsd, sumCostsUsd, type TokenPrices } from '../../src/domain/cost.js'

// USD per million tokens, as a provider lists them
const PRICES: TokenPrices = { input: 1.25, cachedInput: 0.125, output: 10 }
const usage = (input_tokens: number, cached_input_tokens: number, output_tokens: number) => ({
  input_tokens,
  cached_input_tokens,
  output_tokens
})

describe('costUsd', () => {
  it('prices the uncached part of the input, the cached part and the output each at its own rate', () => {
    // 600k uncached × $1.25/M + 400k cached × $0.125/M + 100k output × $10/M = $0.75 + $0.05 + $1.00
    expect(costUsd(usage(1_000_000, 400_000, 100_000), PRICES)).toBe(1.8)
  })

  it('counts cached input once, as the part of input_tokens that it is', () => {
    expect(costUsd(usage(1_000_000, 0, 0), PRICES)).toBe(1.25)
    expect(costUsd(usage(1_000_000, 1_000_000, 0), PRICES)).toBe(0.125)
  })

  it('costs the same whatever was cached when cached input is priced like input', () => {
    const flat = { input: 1.25, cachedInput: 1.25, output: 10 }
    expect(costUsd(usage(1_000_000, 0, 50_000), flat)).toBe(1.75)
    expect(costUsd(usage(1_000_000, 700_000, 50_000), flat)).toBe(1.75)
  })

  it('prices a scripted fix of five requests (1000 in, 200 of them cached, 50 out each)', () => {
    // 4000 × 1.25 + 1000 × 0.125 + 250 × 10 = 7625 micro-dollars
    expect(costUsd(usage(5000, 1000, 250), PRICES)).toBe(0.007625)
  })

  it('rounds to whole micro-dollars', () => {
    expect(costUsd(usage(1, 0, 0), PRICES)).toBe(0.000001) // 1.25 micro-dollars
    expect(costUsd(usage(3, 3, 0), PRICES)).toBe(0) // 0.375 micro-dollars
    expect(costUsd(usage(7, 0, 0), { input: 0.3, cachedInput: 0.3, output: 0 })).toBe(0.000002)
  })

  it('never counts more cached tokens than input tokens, nor negative counts', () => {
    expect(costUsd(usage(100_000, 250_000, 0), PRICES)).toBe(costUsd(usage(100_000, 100_000, 0), PRICES))
    expect(costUsd(usage(-5, -5, -5), PRICES)).toBe(0)
  })

  it('is the exact amount rounded to whole micro-dollars, for any usage and prices', () => {
    const count = fc.integer({ min: 0, max: 50_000_000 })
    const price = fc.integer({ min: 0, max: 100_000 }).map(cents => cents / 1000)
    fc.assert(
      fc.property(
        count,
        count,
        count,
        price,
        price,
        price,
        (input, cachedShare, output, pIn, pCached, pOut) => {
          const cached = cachedShare % (input + 1)
          const cost = costUsd(usage(input, cached, output), {
            input: pIn,
            cachedInput: pCached,
            output: pOut
          })
          const exactMicro = (input - cached) * pIn + cached * pCached + output * pOut
          const micro = cost * 1e6
          expect(Math.abs(micro - Math.round(micro))).toBeLessThan(1e-3) // whole micro-dollars
          expect(Math.abs(micro - exactMicro)).toBeLessThanOrEqual(0.5 + 1e-3)
        }
      )
    )
  })
})

describe('costOrNull', () => {
  it('computes no cost without prices', () => {
    expect(costOrNull(usage(1000, 0, 10), null)).toBeNull()
    expect(costOrNull(usage(1_000_000, 0, 0), PRICES)).toBe(1.25)
  })
})

describe('sumCostsUsd', () => {
  it('adds issue costs without floating-point noise', () => {
    expect(0.1 + 0.2).not.toBe(0.3)
    expect(sumCostsUsd([0.1, 0.2])).toBe(0.3)
    expect(sumCostsUsd([0.007625, 0.000001, 1.8])).toBe(1.807626)
    expect(sumCostsUsd([])).toBe(0)
  })
})

describe('costPerPrUsd', () => {
  it('divides the run cost by the pull requests opened, in whole micro-dollars', () => {
    expect(costPerPrUsd(1.8, 3)).toBe(0.6)
    expect(costPerPrUsd(1, 3)).toBe(0.333333)
  })

  it('is null without a pull request or without prices', () => {
    expect(costPerPrUsd(1.8, 0)).toBeNull()
    expect(costPerPrUsd(null, 2)).toBeNull()
  })
})
