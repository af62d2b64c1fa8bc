import { describe, expect, it } from '@jest/globals'
import { nextCursor, parseLinkHeader } from '../../src/domain/link-header.js'

const SENTRY_LINK =
  '<https://sentry.example/api/0/organizations/acme/issues/?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", ' +
  '<https://sentry.example/api/0/organizations/acme/issues/?cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0"'

describe('parseLinkHeader', () => {
  it('reads every target with its quoted attributes, names lower-cased', () => {
    const entries = parseLinkHeader(
      '<https://a.example/?page=2>; REL="next", <https://a.example/?page=9>; rel="last"'
    )
    expect(entries.map(e => [e.url, Object.fromEntries(e.attributes)])).toEqual([
      ['https://a.example/?page=2', { rel: 'next' }],
      ['https://a.example/?page=9', { rel: 'last' }]
    ])
  })

  it('finds nothing in a missing or empty header', () => {
    expect(parseLinkHeader(null)).toEqual([])
    expect(parseLinkHeader('')).toEqual([])
  })
})

describe('nextCursor', () => {
  it('takes the cursor attribute of rel="next" when results="true"', () => {
    expect(nextCursor(SENTRY_LINK)).toBe('0:100:0')
  })

  it('stops when the next link says results="false"', () => {
    expect(nextCursor(SENTRY_LINK.replace('results="true"', 'results="false"'))).toBeUndefined()
  })

  it("falls back to the URL's cursor parameter when the link has no cursor attribute", () => {
    expect(nextCursor('<https://sentry.example/x/?cursor=abc>; rel="next"; results="true"')).toBe('abc')
  })

  it('gives no cursor without a rel="next", for an unparseable URL, or for an empty cursor', () => {
    expect(
      nextCursor('<https://sentry.example/x/?cursor=abc>; rel="previous"; results="true"')
    ).toBeUndefined()
    expect(nextCursor('<not a url>; rel="next"; results="true"')).toBeUndefined()
    expect(nextCursor('<https://sentry.example/x/>; rel="next"; results="true"; cursor=""')).toBeUndefined()
  })
})
