import { describe, expect, it } from '@jest/globals'
import { z } from 'zod'
import { describeZodError, zodMessages, zodPath } from '../../src/domain/zod-errors.js'

function errorOf(schema: z.ZodType, value: unknown): z.ZodError {
  const result = schema.safeParse(value)
  if (result.success) throw new Error('expected a parse failure')
  return result.error
}

describe('describeZodError', () => {
  const Item = z.object({ id: z.string(), count: z.number() })

  it('names each problem by its place in the value, as zod writes paths', () => {
    const error = errorOf(z.array(Item), [
      { id: '1', count: 1 },
      { id: '2', count: 'lots' }
    ])
    expect(describeZodError(error)).toBe('[1].count: Invalid input: expected number, received string')
  })

  it('names at most three problems by default, then says how many more there are', () => {
    const error = errorOf(z.array(Item), [{}, {}, {}])
    expect(error.issues).toHaveLength(6)
    expect(describeZodError(error)).toBe(
      '[0].id: Invalid input: expected string, received undefined; ' +
        '[0].count: Invalid input: expected number, received undefined; ' +
        '[1].id: Invalid input: expected string, received undefined (and 3 more)'
    )
    expect(describeZodError(error, { max: 1 })).toMatch(/^\[0\]\.id: .* \(and 5 more\)$/)
  })

  it('says where a problem at the root is in the words the caller gives', () => {
    const error = errorOf(Item, 'text')
    expect(describeZodError(error)).toBe('(root): Invalid input: expected object, received string')
    expect(describeZodError(error, { root: '(response)' })).toMatch(/^\(response\): /)
  })

  it('quotes a key that is not a plain name', () => {
    expect(zodPath(['issues', 0, 'short-id'])).toBe('issues[0]["short-id"]')
  })
})

describe('zodMessages', () => {
  const Inputs = z.object({
    a: z.string({ error: "Input 'a' is required." }),
    b: z.string({ error: "Input 'b' is required." })
  })

  it('lists the messages alone, in the order given', () => {
    const error = errorOf(Inputs, {})
    expect(zodMessages(error)).toEqual(["Input 'a' is required.", "Input 'b' is required."])
    const bFirst = (path: readonly PropertyKey[]) => (path[0] === 'b' ? 0 : 1)
    expect(zodMessages(error, bFirst)).toEqual(["Input 'b' is required.", "Input 'a' is required."])
  })
})
