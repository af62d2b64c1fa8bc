// The action's inputs, read once and parsed by one zod schema into a typed Settings. This is the only module that
// reads inputs. Defaults live in action.yml alone: the runner fills them in, so an empty value here means the
// workflow set it empty on purpose, and for most inputs that is an error.
import { z } from 'zod'
import { MODES, type Mode } from '../domain/types.js'
import { MODE_TABLE } from '../domain/modes.js'
import { codexArgs } from './codex-args.js'
import {
  boolean,
  choice,
  decimal,
  emptyMessage,
  filled,
  optional,
  optionalChoice,
  optionalSecret,
  optionalWholeNumber,
  ruled,
  secret,
  shown,
  wholeNumber
} from './fields.js'
import {
  artifactName,
  baseBranch,
  branchPrefix,
  codexVersion,
  denyPaths,
  labels,
  openaiBaseUrl,
  reviewers,
  sentryHost,
  sentryOrg,
  sentryProjects,
  sentryQuery,
  SHORT_ID,
  statsPeriod,
  testPaths,
  tokenPrices
} from './rules.js'
import type { Settings } from './types.js'
import { zodMessages } from '../domain/zod-errors.js'

export { MODES, type Mode }

export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const

/** Every input of action.yml, in its order. */
export const INPUT_NAMES = [
  'sentry-token',
  'sentry-org',
  'sentry-project',
  'sentry-host',
  'sentry-environment',
  'sentry-query',
  'stats-period',
  'release',
  'min-events',
  'top',
  'analyze-top',
  'seer',
  'max-prs',
  'mode',
  'openai-api-key',
  'model',
  'openai-base-url',
  'reasoning-effort',
  'codex-version',
  'codex-args',
  'instructions',
  'test-command',
  'test-paths',
  'require-reproduction',
  'fix-attempts',
  'issue-timeout-minutes',
  'max-tokens-per-issue',
  'max-tokens-per-run',
  'token-prices',
  'concurrency',
  'branch-prefix',
  'base-branch',
  'deny-paths',
  'max-changed-files',
  'max-changed-lines',
  'labels',
  'reviewers',
  'draft',
  'commit-author',
  'github-token',
  'artifact-name',
  'retention-days',
  'issue',
  'spare-candidates',
  'history-days',
  'min-quality'
] as const
export type InputName = (typeof INPUT_NAMES)[number]

/** Inputs masked (core.setSecret) before anything else happens. */
export const SECRET_INPUTS = ['sentry-token', 'github-token', 'openai-api-key'] as const satisfies InputName[]

export type { Settings } from './types.js'

const fields = {
  // required in every mode but land (which reads the plan and talks only to GitHub): see modeRules
  'sentry-token': optionalSecret('sentry-token'),
  'sentry-org': ruled(sentryOrg),
  'sentry-project': ruled(sentryProjects),
  'sentry-host': ruled(sentryHost),
  'sentry-environment': optional('sentry-environment', { singleLine: true }),
  'sentry-query': ruled(sentryQuery),
  'stats-period': ruled(statsPeriod),
  release: optional('release', { singleLine: true, maxLength: 200 }),
  'min-events': wholeNumber('min-events', { min: 0, example: 1 }),
  top: wholeNumber('top', { min: 1, max: 100, example: 5 }),
  'analyze-top': wholeNumber('analyze-top', { min: 0, example: 3 }),
  seer: boolean('seer'),
  'max-prs': wholeNumber('max-prs', { min: 0, max: 50, example: 2 }),
  mode: choice('mode', MODES),
  // whether it is required depends on the mode: see modeRules
  'openai-api-key': optionalSecret('openai-api-key'),
  model: filled('model', 'a Codex model name such as gpt-5.5').pipe(
    z.string().regex(/^\S+$/, {
      error: "Input 'model' contains whitespace: write the model name alone, e.g. gpt-5.5."
    })
  ),
  'openai-base-url': ruled(openaiBaseUrl),
  'reasoning-effort': optionalChoice('reasoning-effort', REASONING_EFFORTS),
  'codex-version': ruled(codexVersion),
  'codex-args': ruled(codexArgs),
  instructions: optional('instructions', { maxLength: 20_000 }).transform(text => text ?? ''),
  'test-command': optional('test-command', {}),
  'test-paths': ruled(testPaths),
  'require-reproduction': boolean('require-reproduction'),
  'fix-attempts': wholeNumber('fix-attempts', { min: 0, max: 10, example: 3 }),
  'issue-timeout-minutes': decimal('issue-timeout-minutes', { min: 0.1, max: 360, example: 20 }),
  'max-tokens-per-issue': optionalWholeNumber('max-tokens-per-issue', {
    min: 1,
    example: 2_000_000,
    empty: 'no limit'
  }),
  'max-tokens-per-run': optionalWholeNumber('max-tokens-per-run', {
    min: 1,
    example: 5_000_000,
    empty: 'no limit'
  }),
  'token-prices': ruled(tokenPrices),
  concurrency: wholeNumber('concurrency', { min: 1, max: 8, example: 2 }),
  'branch-prefix': ruled(branchPrefix),
  'base-branch': ruled(baseBranch),
  'deny-paths': ruled(denyPaths),
  'max-changed-files': wholeNumber('max-changed-files', { min: 1, example: 10 }),
  'max-changed-lines': wholeNumber('max-changed-lines', { min: 1, example: 400 }),
  labels: ruled(labels),
  reviewers: ruled(reviewers),
  draft: boolean('draft'),
  'commit-author': filled('commit-author', 'a git identity such as "Name <email>"').pipe(
    z
      .string()
      .transform(value => /^([^<>\n]*[^<>\s])\s*<([^<>\s@]+@[^<>\s]+)>$/.exec(value))
      .refine(match => match !== null, {
        error:
          'Input \'commit-author\' must be a git identity like "sentry-codex-triage <bot@example.com>": a name, then an e-mail address in angle brackets.'
      })
      .transform(match => ({ name: match![1]!, email: match![2]! }))
  ),
  'github-token': secret(
    'github-token',
    emptyMessage(
      'github-token',
      'a PAT or GitHub App token with contents: write and pull-requests: write (the default is the job token, ${{ github.token }})'
    )
  ),
  'artifact-name': ruled(artifactName),
  'retention-days': wholeNumber('retention-days', { min: 1, max: 90, example: 30 }),
  // checked in modeRules: it matters only in mode work
  issue: z.string().transform(value => value.trim() || null),
  // empty means "as many as max-prs", which is known only after max-prs is clamped: see toSettings
  'spare-candidates': z
    .string()
    .trim()
    .transform(value => value || null)
    .pipe(wholeNumber('spare-candidates', { min: 0, example: 2 }).nullable()),
  'history-days': wholeNumber('history-days', { min: 1, max: 365, example: 90 }),
  'min-quality': decimal('min-quality', { min: 0, max: 1, example: 0.6 })
} satisfies Record<InputName, z.ZodType<unknown, string>>

const inputsSchema = z.object(fields)
type Inputs = z.output<typeof inputsSchema>

const isMode = (value: unknown): value is Mode => (MODES as readonly unknown[]).includes(value)

/** Rules across inputs. They run even when other inputs failed, so that one run reports every problem. */
function modeRules(inputs: Inputs, ctx: z.RefinementCtx<Inputs>): void {
  const mode = inputs.mode
  const problem = (input: InputName, message: string) =>
    ctx.addIssue({ code: 'custom', path: [input], message })
  // every mode but land (which reads the plan and never asks Sentry) needs the token; an invalid mode too
  if (inputs['sentry-token'] === null && (!isMode(mode) || MODE_TABLE[mode].sentry !== 'never')) {
    problem(
      'sentry-token',
      "Input 'sentry-token' is required: set it to a Sentry auth token with org:read, project:read and event:read, e.g. ${{ secrets.SENTRY_AUTH_TOKEN }}."
    )
  }
  if (!isMode(mode)) return // the mode input reported its own problem, and no mode rule can be judged
  // a mode that runs the agent needs a model key
  if (MODE_TABLE[mode].runsAgent && inputs['openai-api-key'] === null) {
    problem(
      'openai-api-key',
      `Input 'openai-api-key' is required when mode is ${mode}: set it to a model API key, e.g. \${{ secrets.OPENAI_API_KEY }}, or use mode triage to list and report issues without the agent.`
    )
  }
  // the reproduction run is a second run of test-command: without one, no fix could ever be landed
  if (
    MODE_TABLE[mode].runsAgent &&
    inputs['require-reproduction'] === true &&
    inputs['test-command'] === null
  ) {
    problem(
      'require-reproduction',
      `Input 'require-reproduction' is true but test-command is empty: the proof runs test-command without the fix, so no fix could be landed; set test-command (e.g. npm test), or set require-reproduction to false.`
    )
  }
  if (!MODE_TABLE[mode].oneIssue) return
  if (inputs.issue === null) {
    problem(
      'issue',
      "Input 'issue' is required when mode is work: set it to the Sentry short ID this job works, e.g. ${{ matrix.issue }} from the plan job's matrix output."
    )
  } else if (!SHORT_ID.test(inputs.issue)) {
    problem(
      'issue',
      `Input 'issue' is not a Sentry short ID (got ${shown(inputs.issue)}): write one such as PAYMENTS-API-4521.`
    )
  }
}

export interface ParsedSettings {
  settings: Settings
  warnings: string[]
}

function toSettings(inputs: Inputs): ParsedSettings {
  const warnings: string[] = []
  const top = inputs.top
  const capped = (name: InputName, value: number, why: string): number => {
    if (value <= top) return value
    warnings.push(
      `Input '${name}' (${value}) is larger than top (${top}) and ${why}: using ${top}; raise top to go higher.`
    )
    return top
  }
  const maxPrs = capped('max-prs', inputs['max-prs'], 'a pull request can only come from a triaged issue')
  const analyzeTop = capped('analyze-top', inputs['analyze-top'], 'only triaged issues are analysed')
  const mode = inputs.mode
  if (inputs.issue !== null && !MODE_TABLE[mode].oneIssue) {
    warnings.push(`Input 'issue' is ignored in mode ${mode}: it names the one issue a mode work job works.`)
  }
  if (inputs['deny-paths'].length === 0) {
    warnings.push("Input 'deny-paths' is empty: a fix may touch any file, .github/workflows included.")
  }
  const endpoint = inputs['sentry-host']
  if (inputs.seer && !endpoint.insecureHttp && !/(^|\.)sentry\.io(:\d+)?$/.test(endpoint.host)) {
    warnings.push(
      `Input 'seer' is true but sentry-host (${endpoint.host}) is not sentry.io: Seer exists only on sentry.io; set seer: false for self-hosted Sentry.`
    )
  }
  const settings: Settings = {
    mode,
    sentry: {
      // empty only in mode land, which never calls Sentry
      token: inputs['sentry-token'] ?? '',
      org: inputs['sentry-org'],
      projects: inputs['sentry-project'],
      ...endpoint,
      environment: inputs['sentry-environment'],
      query: inputs['sentry-query'],
      statsPeriod: inputs['stats-period'],
      release: inputs.release
    },
    selection: {
      minEvents: inputs['min-events'],
      top,
      analyzeTop,
      maxPrs,
      spareCandidates: inputs['spare-candidates'] ?? maxPrs,
      historyDays: inputs['history-days'],
      minQuality: inputs['min-quality']
    },
    agent: {
      openaiApiKey: inputs['openai-api-key'],
      model: inputs.model,
      openaiBaseUrl: inputs['openai-base-url'],
      reasoningEffort: inputs['reasoning-effort'],
      codexVersion: inputs['codex-version'],
      codexArgs: inputs['codex-args'],
      instructions: inputs.instructions,
      seer: inputs.seer,
      testCommand: inputs['test-command'],
      testPaths: inputs['test-paths'],
      requireReproduction: inputs['require-reproduction'],
      fixAttempts: inputs['fix-attempts'],
      issueTimeoutMinutes: inputs['issue-timeout-minutes'],
      concurrency: inputs.concurrency
    },
    budget: {
      maxTokensPerIssue: inputs['max-tokens-per-issue'],
      maxTokensPerRun: inputs['max-tokens-per-run'],
      tokenPrices: inputs['token-prices']
    },
    policy: {
      denyPaths: inputs['deny-paths'],
      maxChangedFiles: inputs['max-changed-files'],
      maxChangedLines: inputs['max-changed-lines']
    },
    pr: {
      branchPrefix: inputs['branch-prefix'],
      baseBranch: inputs['base-branch'],
      labels: inputs.labels,
      reviewers: inputs.reviewers.users,
      teamReviewers: inputs.reviewers.teams,
      draft: inputs.draft,
      author: inputs['commit-author']
    },
    github: { token: inputs['github-token'] },
    artifact: { name: inputs['artifact-name'], retentionDays: inputs['retention-days'] },
    issue: MODE_TABLE[mode].oneIssue ? inputs.issue : null
  }
  return { settings, warnings }
}

/**
 * Raw input strings (keyed by input name) -> Settings plus warnings. The cross-input rules run with `when` so they
 * are judged even when another input already failed.
 */
export const settingsSchema = inputsSchema.superRefine(modeRules, { when: () => true }).transform(toSettings)

export type SettingsResult =
  { ok: true; settings: Settings; warnings: string[] } | { ok: false; errors: string[] }

/** Pure: `read` returns an input's raw value ('' when absent). */
export function parseSettings(read: (name: string) => string): SettingsResult {
  const raw = Object.fromEntries(INPUT_NAMES.map(name => [name, read(name)]))
  const result = settingsSchema.safeParse(raw)
  if (result.success) return { ok: true, ...result.data }
  // In action.yml's order, so that the list reads like the workflow file.
  const order = (path: readonly PropertyKey[]) => INPUT_NAMES.indexOf(path[0] as InputName)
  return { ok: false, errors: zodMessages(result.error, order) }
}

export interface InputSource {
  getInput(name: string): string
  setSecret(value: string): void
}

/** Masks the credentials first, so that nothing logged afterwards (a parse error included) can show them. */
export function readSettings(core: InputSource): SettingsResult {
  for (const name of SECRET_INPUTS) {
    const value = core.getInput(name)
    if (value !== '') core.setSecret(value)
  }
  return parseSettings(name => core.getInput(name))
}

export function formatSettingsErrors(errors: string[]): string {
  const heading =
    errors.length === 1
      ? 'An input of the action is not valid:'
      : `The action's inputs have ${errors.length} problems:`
  return [heading, ...errors.map(error => `  - ${error}`)].join('\n')
}
