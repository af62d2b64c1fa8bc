import { describe, expect, it } from '@jest/globals'
import { startFakeServer, json } from '../../test-support/http-fake.js'

describe('http fake', () => {
  it('answers on loopback and records the request', async () => {
    const fake = await startFakeServer(() => json(200, { ok: true }))
    try {
      const res = await fetch(`${fake.url}/x?y=1`)
      expect(await res.json()).toEqual({ ok: true })
      expect(fake.requests[0]?.path).toBe('/x')
    } finally {
      await fake.close()
    }
  })
})
