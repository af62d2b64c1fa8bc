// The layer rules of eslint.config.js catch a planted import, and let the allowed ones through.
// Planted files do not exist, so the TypeScript project service cannot type them: the layer tests lint with type
// information switched off for src/ (the import rules need none); one test plants a floating promise into an
// existing, import-free src file to prove the type-aware rules run.
import { beforeAll, describe, expect, it } from '@jest/globals'
import { ESLint } from 'eslint'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '../..')
const RULE = 'no-restricted-imports'

const untyped: ESLint.Options['overrideConfig'] = {
  files: ['src/**/*.ts'],
  languageOptions: { parserOptions: { projectService: false } },
  rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' }
}

let eslint: ESLint

beforeAll(() => {
  eslint = new ESLint({ cwd: root, overrideConfig: untyped })
})

/** The messages of the layer rule for `code` linted as if it were the file `filePath`. */
async function layerMessages(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  expect(result?.messages.filter(m => m.fatal)).toEqual([])
  return (result?.messages ?? []).filter(m => m.ruleId === RULE).map(m => m.message)
}

const importing = (specifier: string) => `import * as planted from '${specifier}'\nexport { planted }\n`

describe('layer rules in eslint.config.js', () => {
  it.each([
    ['../adapters/git-cli.js', 'domain/ imports no adapter'],
    ['../stages/work.js', 'domain/ imports no stage'],
    ['../settings/settings.js', 'domain/ imports no settings module'],
    ['../settings/fields.js', 'domain/ imports no settings module'],
    ['../main.js', 'domain/ imports neither main.ts nor pipeline.ts'],
    ['../pipeline.js', 'domain/ imports neither main.ts nor pipeline.ts'],
    ['@actions/core', 'domain/ imports no @actions/*'],
    ['@octokit/rest', 'domain/ imports no @octokit/*'],
    ['node:child_process', 'domain/ imports no child_process or fs'],
    ['node:fs/promises', 'domain/ imports no child_process or fs'],
    ['fs', 'domain/ imports no child_process or fs']
  ])('rejects a domain file importing %s', async (specifier, says) => {
    const messages = await layerMessages('src/domain/planted.ts', importing(specifier))
    expect(messages).toHaveLength(1)
    expect(messages[0]).toContain(says)
  })

  it('rejects a type-only import and a re-export of an adapter from domain', async () => {
    const code = "import type { GitCli } from '../adapters/git-cli.js'\nexport * from '../adapters/jail.js'\n"
    const messages = await layerMessages('src/domain/planted.ts', `${code}export type Planted = GitCli\n`)
    expect(messages).toHaveLength(2)
  })

  it('lets a domain file import other domain modules, ports, schemas, util, node:crypto and pure libraries', async () => {
    for (const specifier of [
      './types.js',
      '../ports.js',
      '../schemas/summary.js',
      '../util/errors.js',
      'node:crypto',
      'zod'
    ]) {
      expect([specifier, await layerMessages('src/domain/planted.ts', importing(specifier))]).toEqual([
        specifier,
        []
      ])
    }
  })

  it.each([
    ['../adapters/git-cli.js', 'stages/ import no adapter'],
    ['@actions/core', 'stages/ import no @actions/*']
  ])('rejects a stage importing %s', async (specifier, says) => {
    const messages = await layerMessages('src/stages/planted.ts', importing(specifier))
    expect(messages).toHaveLength(1)
    expect(messages[0]).toContain(says)
  })

  it('lets a stage import domain, ports, settings and other stages', async () => {
    for (const specifier of ['../domain/policy.js', '../ports.js', '../settings/settings.js', './work.js']) {
      expect([specifier, await layerMessages('src/stages/planted.ts', importing(specifier))]).toEqual([
        specifier,
        []
      ])
    }
  })

  it.each([
    ['../stages/work.js', 'adapters/ import no stage'],
    ['../pipeline.js', 'adapters/ import neither main.ts nor pipeline.ts'],
    ['../main.js', 'adapters/ import neither main.ts nor pipeline.ts']
  ])('rejects an adapter importing %s', async (specifier, says) => {
    const messages = await layerMessages('src/adapters/planted.ts', importing(specifier))
    expect(messages).toHaveLength(1)
    expect(messages[0]).toContain(says)
  })

  it('lets an adapter import @actions/*, node:child_process, domain, ports and other adapters', async () => {
    for (const specifier of [
      '@actions/core',
      'node:child_process',
      '../domain/text.js',
      '../ports.js',
      './jail.js'
    ]) {
      expect([specifier, await layerMessages('src/adapters/planted.ts', importing(specifier))]).toEqual([
        specifier,
        []
      ])
    }
  })
})

describe('type-aware rules in eslint.config.js', () => {
  it('turns no-floating-promises on with type information for src/ alone', async () => {
    const typed = new ESLint({ cwd: root })
    const src = await typed.calculateConfigForFile('src/domain/planted.ts')
    expect(src.rules['@typescript-eslint/no-floating-promises']).toEqual([2])
    expect(src.rules['@typescript-eslint/no-misused-promises']).toEqual([2])
    expect(src.languageOptions.parserOptions.projectService).toBe(true)
    const tests = await typed.calculateConfigForFile('__tests__/unit/planted.test.ts')
    expect(tests.rules['@typescript-eslint/no-floating-promises']).toBeUndefined()
    expect(tests.languageOptions.parserOptions.projectService).toBeUndefined()
  })

  it('reports a floating promise planted in a src file', async () => {
    const code =
      'export async function later(): Promise<void> {}\nexport function now(): void {\n  later()\n}\n'
    const [result] = await new ESLint({ cwd: root }).lintText(code, { filePath: 'src/util/errors.ts' })
    expect(result?.messages.map(m => m.ruleId)).toEqual(['@typescript-eslint/no-floating-promises'])
  })
})
