// `npm run readme`: regenerates the Inputs and Outputs tables of README.md from action.yml, between the markers
// <!-- inputs:start --> / <!-- inputs:end --> and <!-- outputs:start --> / <!-- outputs:end -->, formatted with the
// project's prettier settings (so `prettier --check` and the README test agree). `npm run readme -- --check` only
// reports whether README.md is up to date (exit 1 when not). __tests__/repo/readme-tables.test.ts runs the check.
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import * as prettier from 'prettier'
import { parse } from 'yaml'

export const ROOT = path.resolve(import.meta.dirname, '..')
export const README = path.join(ROOT, 'README.md')
export const ACTION_YML = path.join(ROOT, 'action.yml')

interface ActionInput {
  description: string
  required?: boolean
  default?: string
}
interface ActionMetadata {
  inputs: Record<string, ActionInput>
  outputs: Record<string, { description: string }>
}

/** Reads the inputs and outputs of an action.yml text (descriptions with their folded lines joined). */
export function readActionMetadata(actionYml: string): ActionMetadata {
  const parsed = parse(actionYml) as Partial<ActionMetadata> | null
  if (!parsed?.inputs || !parsed.outputs) throw new Error('action.yml has no inputs or no outputs')
  return { inputs: parsed.inputs, outputs: parsed.outputs }
}

/** Text for a table cell: one line, `|` and `<` escaped (GitHub would read `<prefix>` as an HTML tag). */
function cell(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|').replace(/</g, '\\<')
}

/** A code span that holds any text (longer backtick fences when the text has backticks). */
function code(text: string): string {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map(run => run.length))
  const fence = '`'.repeat(longestRun + 1)
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : ''
  return `${fence}${pad}${text.replace(/\|/g, '\\|')}${pad}${fence}`
}

export function inputsTable(metadata: ActionMetadata): string {
  const rows = Object.entries(metadata.inputs).map(([name, input]) => {
    const fallback =
      input.default === undefined ? '—' : input.default === '' ? '(empty)' : code(String(input.default))
    return `| ${code(name)} | ${input.required ? 'yes' : 'no'} | ${fallback} | ${cell(input.description)} |`
  })
  return ['| input | required | default | description |', '| --- | --- | --- | --- |', ...rows].join('\n')
}

export function outputsTable(metadata: ActionMetadata): string {
  const rows = Object.entries(metadata.outputs).map(
    ([name, output]) => `| ${code(name)} | ${cell(output.description)} |`
  )
  return ['| output | description |', '| --- | --- |', ...rows].join('\n')
}

/** Replaces what lies between `<!-- NAME:start -->` and `<!-- NAME:end -->`; throws when the markers are missing. */
function between(text: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} ... ${end} block`)
  return `${text.slice(0, from + start.length)}\n\n${content}\n\n${text.slice(to)}`
}

/** README text with both tables regenerated from action.yml, formatted as prettier would. */
export async function renderReadme(readme: string, actionYml: string): Promise<string> {
  const metadata = readActionMetadata(actionYml)
  const updated = between(between(readme, 'inputs', inputsTable(metadata)), 'outputs', outputsTable(metadata))
  const options = (await prettier.resolveConfig(README)) ?? {}
  return prettier.format(updated, { ...options, filepath: README })
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check')
  const [readme, actionYml] = await Promise.all([readFile(README, 'utf8'), readFile(ACTION_YML, 'utf8')])
  const rendered = await renderReadme(readme, actionYml)
  if (rendered === readme) {
    console.log('README.md tables match action.yml.')
    return
  }
  if (check) {
    console.error('README.md tables differ from action.yml: run `npm run readme`.')
    process.exitCode = 1
    return
  }
  await writeFile(README, rendered)
  console.log('README.md tables regenerated from action.yml.')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
