import { describe, expect, it } from '@jest/globals'
import { workUntil } from '../../src/util/work-until.js'

const tick = (ms: number) => new Promise(r => setTimeout(r, ms))

describe('workUntil', () => {
  it('stops starting items once the goal is met, one at a time', async () => {
    const started: number[] = []
    const results = await workUntil(
      [1, 2, 3, 4],
      { goal: 2, concurrency: 1 },
      async x => (started.push(x), x),
      () => true
    )
    expect(started).toEqual([1, 2])
    expect([...results.keys()]).toEqual([0, 1])
  })

  it('back-fills a failed item with the next one', async () => {
    const started: string[] = []
    await workUntil(
      ['ok', 'fail', 'ok', 'ok'],
      { goal: 2, concurrency: 1 },
      async x => (started.push(x), x),
      r => r === 'ok'
    )
    expect(started).toEqual(['ok', 'fail', 'ok'])
  })

  it('never runs more than the concurrency, and never overshoots the goal', async () => {
    let running = 0
    let peak = 0
    const results = await workUntil(
      Array.from({ length: 10 }, (_, i) => i),
      { goal: 3, concurrency: 2 },
      async () => {
        running++
        peak = Math.max(peak, running)
        await tick(5)
        running--
        return true
      },
      r => r
    )
    expect(peak).toBe(2)
    expect([...results.values()].filter(Boolean)).toHaveLength(3)
  })

  it('starts nothing for a goal of zero', async () => {
    expect(
      (
        await workUntil(
          [1],
          { goal: 0, concurrency: 1 },
          async () => true,
          () => true
        )
      ).size
    ).toBe(0)
  })
})
