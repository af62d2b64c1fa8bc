// Reads the `inputs:` block of action.yml with a minimal line-based parser (no YAML library is installed), so that
// tests build their inputs from the same defaults the runner fills in, rather than from a copy that can drift.
// It understands exactly what action.yml uses: two-space indentation, `key: value` with plain, 'single' or "double"
// quoted scalars, and folded/literal block scalars (skipped, as only descriptions use them).
import { readFileSync } from 'node:fs'
import path from 'node:path'

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

function scalar(text: string): string {
  const value = text.trim()
  if (value.startsWith("'")) {
    if (!value.endsWith("'") || value.length < 2) throw new Error(`unterminated quote: ${value}`)
    return value.slice(1, -1).replaceAll("''", "'")
  }
  if (value.startsWith('"')) return JSON.parse(value) as string // YAML double quotes escape like JSON for our values
  return value.replace(/\s+#.*$/, '') // a plain scalar ends where a comment begins
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
  const inputs: Record<string, ActionInput> = {}
  let inInputs = false
  let current: ActionInput | null = null
  let blockIndent: number | null = null // inside a `key: |` or `key: >` block scalar deeper than this
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue
    const indent = line.length - line.trimStart().length
    if (blockIndent !== null && indent > blockIndent) continue
    blockIndent = null
    if (indent === 0) {
      inInputs = line.startsWith('inputs:')
      continue
    }
    if (!inInputs) continue
    const match = /^\s*([A-Za-z0-9_-]+):(?:\s+(.*))?$/.exec(line)
    if (!match) throw new Error(`action.yml: cannot read line ${JSON.stringify(line)}`)
    const [, key = '', rest = ''] = match
    if (indent === 2) {
      current = {}
      inputs[key] = current
    } else if (current && indent === 4) {
      if (/^[|>][-+]?$/.test(rest.trim())) blockIndent = indent
      else if (key === 'default') current.default = substituted(scalar(rest), substitute)
      else if (key === 'required') current.required = scalar(rest) === 'true'
    }
  }
  return inputs
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
