// README.md's Inputs and Outputs tables are generated from action.yml (npm run readme): they must not drift apart.
import { describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import {
  ACTION_YML,
  README,
  inputsTable,
  outputsTable,
  readActionMetadata,
  renderReadme
} from '../../scripts/readme-tables.js'

const [readme, actionYml] = await Promise.all([readFile(README, 'utf8'), readFile(ACTION_YML, 'utf8')])

/** Names in the first column of the table between `<!-- NAME:start -->` and `<!-- NAME:end -->`. */
function tableNames(text: string, block: string): string[] {
  const start = text.indexOf(`<!-- ${block}:start -->`)
  const end = text.indexOf(`<!-- ${block}:end -->`)
  if (start < 0 || end < start) return []
  return [...text.slice(start, end).matchAll(/^\| `([^`]+)` +\|/gm)].map(m => m[1]!)
}

describe('README tables', () => {
  it('list every input and output of action.yml, in its order', () => {
    const metadata = readActionMetadata(actionYml)
    expect(tableNames(readme, 'inputs')).toEqual(Object.keys(metadata.inputs))
    expect(tableNames(readme, 'outputs')).toEqual(Object.keys(metadata.outputs))
  })

  it('are exactly what `npm run readme` generates from action.yml', async () => {
    // On failure: run `npm run readme` and commit README.md.
    expect(await renderReadme(readme, actionYml)).toBe(readme)
  })

  it('go stale when an input description, a default or an output changes', async () => {
    const changed = [
      actionYml.replace("default: 'is:unresolved'", "default: 'is:unresolved level:error'"),
      actionYml.replace('Sentry organisation slug.', 'Sentry organization slug.'),
      actionYml.replace(/\n {2}regressed:\n {4}description: .*\n/, '\n'),
      actionYml.replace('\ninputs:\n', "\ninputs:\n  new-input:\n    description: 'A new one.'\n")
    ]
    for (const text of changed) {
      expect(text).not.toBe(actionYml)
      expect(await renderReadme(readme, text)).not.toBe(readme)
    }
  })

  it('escape what Markdown would swallow and show defaults as code', () => {
    const metadata = readActionMetadata(
      [
        'inputs:',
        '  a:',
        "    description: 'Named <prefix><ID>, one | two.'",
        '    required: true',
        '  b:',
        "    description: 'Folded'",
        "    default: '**/.env*'",
        '  c:',
        '    description: >-\n      two\n      lines',
        "    default: ''",
        'outputs:',
        '  o:',
        "    description: 'Out | put'"
      ].join('\n')
    )
    expect(inputsTable(metadata).split('\n').slice(2)).toEqual([
      '| `a` | yes | — | Named \\<prefix>\\<ID>, one \\| two. |',
      '| `b` | no | `**/.env*` | Folded |',
      '| `c` | no | (empty) | two lines |'
    ])
    expect(outputsTable(metadata).split('\n')[2]).toBe('| `o` | Out \\| put |')
  })

  it('need both marker pairs in README.md', async () => {
    await expect(renderReadme('# no markers\n', actionYml)).rejects.toThrow(/inputs:start/)
  })
})
