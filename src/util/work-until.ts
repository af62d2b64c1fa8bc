/**
 * Works items in order, at most `concurrency` at once, until `goal` of them have succeeded. A new item starts only
 * while successes plus items in flight stay below the goal, so the goal is never overshot: this is how the PR cap is
 * enforced in code, and how a spare back-fills a candidate that ended without a fix.
 * Returns the results of the items that were started, keyed by their index; the others were never started.
 */
export async function workUntil<T, R>(
  items: readonly T[],
  options: { goal: number; concurrency: number },
  work: (item: T, index: number) => Promise<R>,
  succeeded: (result: R) => boolean
): Promise<Map<number, R>> {
  const results = new Map<number, R>()
  const inFlight = new Map<number, Promise<void>>()
  let next = 0
  let successes = 0
  const canStart = () =>
    next < items.length && inFlight.size < options.concurrency && successes + inFlight.size < options.goal
  while (true) {
    while (canStart()) {
      const index = next++
      inFlight.set(
        index,
        work(items[index] as T, index).then(result => {
          results.set(index, result)
          if (succeeded(result)) successes++
          inFlight.delete(index)
        })
      )
    }
    if (inFlight.size === 0) return results
    await Promise.race(inFlight.values())
  }
}
