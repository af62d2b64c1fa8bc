// Reads the `inputs:` block of action.yml with the `yaml` library, so that tests build their inputs from the same
// defaults the runner fills in, rather than from a copy that can drift. The failsafe schema keeps every scalar a
// string, as the runner reads them (`default: 1.0` stays '1.0', `required: true` is the text 'true').
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'

export interface ActionInput {
  default?: string
  required?: boolean
}

export const ACTION_YML = path.resolve(import.meta.dirname, '..', 'action.yml')

/** `${{ expr }}` values the runner would evaluate, as tests want them. */
export const DEFAULT_SUBSTITUTE: Record<string, string> = {
  'github.token': 'ghs_test',
  'github.run_id': '123'
}

function substituted(value: string, substitute: Record<string, string>): string {
  return value.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expression: string) => {
    const replacement = substitute[expression]
    if (replacement === undefined)
      throw new Error(`action.yml default uses \${{ ${expression} }}: pass it in substitute`)
    return replacement
  })
}

/** Every input of action.yml with its default (expressions replaced through `substitute`) and required flag. */
export function actionYmlInputs(
  substitute: Record<string, string> = DEFAULT_SUBSTITUTE,
  file: string = ACTION_YML
): Record<string, ActionInput> {
  const parsed: unknown = parse(readFileSync(file, 'utf8'), { schema: 'failsafe' })
  const declared = record(record(parsed, file).inputs, `${file}: inputs`)
  const inputs: Record<string, ActionInput> = {}
  for (const [name, value] of Object.entries(declared)) {
    const fields = record(value ?? {}, `${file}: input ${name}`)
    const input: ActionInput = {}
    if (typeof fields.default === 'string') input.default = substituted(fields.default, substitute)
    if (fields.required !== undefined) input.required = fields.required === 'true'
    inputs[name] = input
  }
  return inputs
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`${what} is not a mapping`)
  return value as Record<string, unknown>
}

/**
 * The raw value of every input as the runner would pass it when a workflow sets only `given`: action.yml's default,
 * or '' for an input that has none.
 */
export function inputValues(
  given: Record<string, string> = {},
  substitute: Record<string, string> = DEFAULT_SUBSTITUTE
): Record<string, string> {
  const values: Record<string, string> = {}
  for (const [name, input] of Object.entries(actionYmlInputs(substitute))) values[name] = input.default ?? ''
  for (const [name, value] of Object.entries(given)) {
    if (!(name in values)) throw new Error(`action.yml has no input named ${name}`)
    values[name] = value
  }
  return values
}

/** The `INPUT_<NAME>` environment the runner sets for those values (name upper-cased, hyphens kept). */
export function inputEnv(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])
  )
}
