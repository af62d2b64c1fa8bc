// zod building blocks for action inputs. Every input arrives as a string (the runner fills in action.yml's defaults,
// the one place defaults live), so each block is a schema from that string to a typed value, and every message names
// the input, says what is wrong and how to fix it.
//
// No block uses `abort: true` or a fatal issue: an explicitly aborting issue would stop the cross-input checks in
// settings.ts from running, and a user should see every problem of a run at once. Stages are chained with `.pipe`,
// which stops one input's chain at its first problem without aborting the whole object.
import { z } from 'zod'

/** A hand-written rule's verdict on one input: its value, or every problem found (complete sentences). */
export type Verdict<T> = { ok: true; value: T } | { ok: false; problems: string[] }

export const accept = <T>(value: T): Verdict<T> => ({ ok: true, value })
export const reject = (...problems: string[]): Verdict<never> => ({ ok: false, problems })

/** A value as quoted in a message: escaped (control characters visible) and shortened. Never for secret inputs. */
export function shown(value: unknown): string {
  const text = String(value)
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)
}

/** The message for an empty input whose action.yml default is not empty: the user cleared it explicitly. */
export const emptyMessage = (name: string, what: string): string =>
  `Input '${name}' is empty: set it to ${what}, or remove it to use the default.`

/** Wraps a hand-written rule (a pure function of the trimmed value) as a schema. */
export function ruled<T>(rule: (value: string) => Verdict<T>) {
  return z.string().transform((raw, ctx): T => {
    const verdict = rule(raw.trim())
    if (verdict.ok) return verdict.value
    for (const message of verdict.problems) ctx.addIssue({ code: 'custom', message })
    return z.NEVER
  })
}

/** A trimmed string that must not be empty (its action.yml default is not). */
export function filled(name: string, what: string) {
  return z
    .string()
    .trim()
    .min(1, { error: emptyMessage(name, what) })
}

/** A trimmed string where empty means "not set". */
export function optional(
  name: string,
  { maxLength, singleLine }: { maxLength?: number; singleLine?: boolean }
) {
  let text = z.string().trim()
  if (singleLine)
    text = text.regex(/^[^\r\n]*$/, { error: `Input '${name}' has a line break: write it on one line.` })
  if (maxLength !== undefined) {
    text = text.max(maxLength, {
      error: iss =>
        `Input '${name}' is ${String(iss.input).length} characters long: shorten it to at most ${maxLength}.`
    })
  }
  return text.transform(value => (value === '' ? null : value))
}

interface Range {
  min: number
  max?: number
  /** shown in messages as a value that works */
  example: number
  /** for an input where empty is allowed: what empty means, e.g. "no limit" */
  empty?: string
}

function numberInput(name: string, range: Range, kind: { noun: string; pattern: RegExp; syntax: string }) {
  const bounds = range.max === undefined ? `${range.min} or more` : `from ${range.min} to ${range.max}`
  const orEmpty = range.empty === undefined ? '' : `, or leave it empty for ${range.empty}`
  const fix = `set it to ${kind.noun} ${bounds}, such as ${range.example}${orEmpty}`
  const max = range.max ?? Number.MAX_SAFE_INTEGER
  return filled(name, `${kind.noun} such as ${range.example}`)
    .pipe(
      z.string().regex(kind.pattern, {
        error: iss =>
          `Input '${name}' must be ${kind.noun} (got ${shown(iss.input)}): ${kind.syntax}; ${fix}.`
      })
    )
    .transform(Number)
    .pipe(
      z.number().refine(n => n >= range.min && n <= max, {
        error: iss => `Input '${name}' is out of range (got ${shown(iss.input)}): ${fix}.`
      })
    )
}

/** Digits only: a sign, a decimal point, an exponent or trailing text is refused rather than guessed at. */
export const wholeNumber = (name: string, range: Range) =>
  numberInput(name, range, { noun: 'a whole number', pattern: /^\d+$/, syntax: 'write digits only' })

/** A whole number where empty means `empty` (null), e.g. no limit. */
export const optionalWholeNumber = (name: string, range: Range & { empty: string }) =>
  z
    .string()
    .trim()
    .transform(value => (value === '' ? null : value))
    .pipe(wholeNumber(name, range).nullable())

export const decimal = (name: string, range: Range) =>
  numberInput(name, range, {
    noun: 'a number',
    pattern: /^\d+(?:\.\d+)?$/,
    syntax: 'write digits with an optional decimal point'
  })

const TRUE = ['true', 'True', 'TRUE'] as const
const FALSE = ['false', 'False', 'FALSE'] as const

/**
 * The YAML 1.2 core booleans, exactly as core.getBooleanInput accepts them. (Not z.stringbool: its failure aborts the
 * enclosing object, which would hide the cross-input problems.)
 */
export function boolean(name: string) {
  return filled(name, 'true or false')
    .pipe(
      z.enum([...TRUE, ...FALSE], {
        error: iss => `Input '${name}' must be true or false (got ${shown(iss.input)}): write true or false.`
      })
    )
    .transform(value => (TRUE as readonly string[]).includes(value))
}

export function choice<const T extends readonly [string, ...string[]]>(name: string, values: T) {
  return filled(name, `one of ${values.join(', ')}`).pipe(
    z.enum(values, {
      error: iss =>
        `Input '${name}' must be one of ${values.join(', ')} (got ${shown(iss.input)}): pick one of them.`
    })
  )
}

/** A choice where empty means "not set" (null). */
export function optionalChoice<const T extends readonly [string, ...string[]]>(name: string, values: T) {
  return z
    .string()
    .trim()
    .transform(value => (value === '' ? null : value))
    .pipe(
      z
        .enum(values, {
          error: iss =>
            `Input '${name}' must be one of ${values.join(', ')} (got ${shown(iss.input)}): pick one, or leave it empty.`
        })
        .nullable()
    )
}

// Credentials are masked by readSettings before parsing, and never quoted back in a message.

function credential(name: string, value: string): Verdict<string> {
  // A token with a space or line break in it was pasted with something else; it would also break HTTP headers.
  if (/[\s\p{Cc}]/u.test(value)) {
    return reject(
      `Input '${name}' contains a space, line break or control character: set it to the token alone (the value is not shown here).`
    )
  }
  return accept(value)
}

/** A credential that must be set; `emptyProblem` says how to set it. */
export const secret = (name: string, emptyProblem: string) =>
  ruled(value => (value === '' ? reject(emptyProblem) : credential(name, value)))

/** A credential where empty means "not given" (null). */
export const optionalSecret = (name: string) =>
  ruled((value): Verdict<string | null> => (value === '' ? accept(null) : credential(name, value)))
