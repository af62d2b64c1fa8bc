// Facts about the workflow run. @actions/github's Context, built when the run starts, gives what the runner says about
// the run (URLs, event, commit, workflow); the environment gives the runner variables Context does not cover. Read once
// by the composition root and passed down, so that nothing else reads process.env or @actions/github's context.
import path from 'node:path'
import { context as contextAtImport } from '@actions/github'
import { z } from 'zod'
import { zodMessages } from './domain/zod-errors.js'

export interface RunContext {
  repository: { owner: string; repo: string }
  runId: string
  runAttempt: number
  /** without a trailing slash */
  serverUrl: string
  /** without a trailing slash */
  apiUrl: string
  eventName: string
  runnerTemp: string
  workspace: string
  workflow: string
  sha: string | null
  ref: string | null
  /** the most days an artifact may be kept here (repository or organisation setting), when the runner says */
  retentionDaysCap: number | null
}

/** @actions/github's Context. The package exports the one it built at import, not the class. */
export type GitHubContext = typeof contextAtImport

/** A Context read now, from process.env and the event file (GITHUB_EVENT_PATH), not when the bundle was loaded. */
export function readGitHubContext(): GitHubContext {
  const Context = contextAtImport.constructor as new () => GitHubContext
  return new Context()
}

/** An unset or empty variable. */
const unset = (value: unknown) => value === undefined || value === ''
const orDefault = (fallback: () => string) =>
  z.preprocess(value => (unset(value) ? fallback() : value), z.string())
const orNull = <T extends z.ZodType>(schema: T) =>
  z.preprocess(value => (unset(value) ? null : value), schema.nullable())

/** A variable every runner sets: without it the action is not running in GitHub Actions. */
function required(name: string, example: string) {
  const fix = `run the action in GitHub Actions, or set ${name} as the runner would (e.g. ${example})`
  return z.string({ error: `${name} is not set: ${fix}.` }).min(1, `${name} is empty: ${fix}.`)
}

const httpUrl = (name: string, fallback: string) =>
  orDefault(() => fallback)
    .pipe(z.url({ protocol: /^https?$/, error: `${name} is not an http(s) URL.` }))
    .transform(url => url.replace(/\/+$/, ''))

const wholeNumber = (name: string) =>
  z
    .string()
    .regex(/^\d+$/, `${name} is not a whole number.`)
    .transform(Number)
    .pipe(z.number().min(1, `${name} is 0.`))

const envSchema = z.object({
  GITHUB_REPOSITORY: required('GITHUB_REPOSITORY', 'octo-org/payments-api')
    .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, {
      error: iss =>
        `GITHUB_REPOSITORY is ${JSON.stringify(iss.input)}: it must be owner/repo, e.g. octo-org/payments-api.`
    })
    .transform(value => {
      const [owner = '', repo = ''] = value.split('/')
      return { owner, repo }
    }),
  GITHUB_RUN_ID: required('GITHUB_RUN_ID', '1234567890').regex(/^\d+$/, 'GITHUB_RUN_ID is not a number.'),
  GITHUB_RUN_ATTEMPT: orDefault(() => '1').pipe(wholeNumber('GITHUB_RUN_ATTEMPT')),
  GITHUB_SERVER_URL: httpUrl('GITHUB_SERVER_URL', 'https://github.com'),
  GITHUB_API_URL: httpUrl('GITHUB_API_URL', 'https://api.github.com'),
  GITHUB_EVENT_NAME: orDefault(() => 'unknown'),
  RUNNER_TEMP: required('RUNNER_TEMP', '/home/runner/work/_temp').refine(path.isAbsolute, {
    error: 'RUNNER_TEMP is not an absolute path.'
  }),
  GITHUB_WORKSPACE: orDefault(() => process.cwd()),
  GITHUB_WORKFLOW: orDefault(() => ''),
  GITHUB_SHA: orNull(z.string().regex(/^[0-9a-f]{40,64}$/, 'GITHUB_SHA is not a commit SHA.')),
  GITHUB_REF: orNull(z.string()),
  GITHUB_RETENTION_DAYS: orNull(wholeNumber('GITHUB_RETENTION_DAYS'))
})

/**
 * Throws one Error listing every problem when the run's context is not a runner's. `github` is a Context read from
 * `env` (readGitHubContext, in the action); `env` gives what Context does not cover, and the text of GITHUB_REPOSITORY,
 * GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT, which Context reads leniently (it takes "a/b/c" as a/b and "12abc" as 12).
 */
export function readRunContext(github: GitHubContext, env: NodeJS.ProcessEnv): RunContext {
  const result = envSchema.safeParse({
    GITHUB_REPOSITORY: env.GITHUB_REPOSITORY,
    GITHUB_RUN_ID: env.GITHUB_RUN_ID,
    GITHUB_RUN_ATTEMPT: env.GITHUB_RUN_ATTEMPT,
    GITHUB_SERVER_URL: github.serverUrl,
    GITHUB_API_URL: github.apiUrl,
    GITHUB_EVENT_NAME: github.eventName,
    RUNNER_TEMP: env.RUNNER_TEMP,
    GITHUB_WORKSPACE: env.GITHUB_WORKSPACE,
    GITHUB_WORKFLOW: github.workflow,
    GITHUB_SHA: github.sha,
    GITHUB_REF: github.ref,
    GITHUB_RETENTION_DAYS: env.GITHUB_RETENTION_DAYS
  })
  if (!result.success) {
    const problems = zodMessages(result.error).map(message => `  - ${message}`)
    throw new Error(`The workflow run's environment is not usable:\n${problems.join('\n')}`)
  }
  const e = result.data
  return {
    repository: e.GITHUB_REPOSITORY,
    runId: e.GITHUB_RUN_ID,
    runAttempt: e.GITHUB_RUN_ATTEMPT,
    serverUrl: e.GITHUB_SERVER_URL,
    apiUrl: e.GITHUB_API_URL,
    eventName: e.GITHUB_EVENT_NAME,
    runnerTemp: e.RUNNER_TEMP,
    workspace: e.GITHUB_WORKSPACE,
    workflow: e.GITHUB_WORKFLOW,
    sha: e.GITHUB_SHA,
    ref: e.GITHUB_REF,
    retentionDaysCap: e.GITHUB_RETENTION_DAYS
  }
}
