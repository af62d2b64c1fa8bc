import { describe, expect, it } from '@jest/globals'
import { readGitHubContext, readRunContext, type RunContext } from '../../src/run-context.js'

const SHA = 'a'.repeat(40)

/** The variables a GitHub-hosted runner sets for a step. */
const RUNNER_ENV: NodeJS.ProcessEnv = {
  GITHUB_REPOSITORY: 'octo-org/payments-api',
  GITHUB_RUN_ID: '9876543210',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_API_URL: 'https://api.github.com',
  GITHUB_EVENT_NAME: 'schedule',
  RUNNER_TEMP: '/home/runner/work/_temp',
  GITHUB_WORKSPACE: '/home/runner/work/payments-api/payments-api',
  GITHUB_WORKFLOW: 'Sentry triage',
  GITHUB_SHA: SHA,
  GITHUB_REF: 'refs/heads/main',
  GITHUB_RETENTION_DAYS: '30',
  PATH: '/usr/bin'
}

const without = (...names: string[]): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(RUNNER_ENV).filter(([name]) => !names.includes(name)))

/**
 * The run context as main.ts reads it on a runner whose environment is `env`: from @actions/github's Context (which
 * reads process.env; jest gives each test file its own copy) and from `env` itself.
 */
function readFrom(env: NodeJS.ProcessEnv): RunContext {
  const saved = process.env
  process.env = env
  try {
    return readRunContext(readGitHubContext(), env)
  } finally {
    process.env = saved
  }
}

describe('readRunContext', () => {
  it("reads a runner's environment", () => {
    expect(readFrom(RUNNER_ENV)).toEqual({
      repository: { owner: 'octo-org', repo: 'payments-api' },
      runId: '9876543210',
      runAttempt: 2,
      serverUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
      eventName: 'schedule',
      runnerTemp: '/home/runner/work/_temp',
      workspace: '/home/runner/work/payments-api/payments-api',
      workflow: 'Sentry triage',
      sha: SHA,
      ref: 'refs/heads/main',
      retentionDaysCap: 30
    })
  })

  it('falls back to github.com, the working directory and attempt 1 when those are not set', () => {
    const context = readFrom(
      without(
        'GITHUB_SERVER_URL',
        'GITHUB_API_URL',
        'GITHUB_WORKSPACE',
        'GITHUB_RUN_ATTEMPT',
        'GITHUB_EVENT_NAME'
      )
    )
    expect(context).toMatchObject({
      serverUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
      workspace: process.cwd(),
      runAttempt: 1,
      eventName: 'unknown'
    })
  })

  it('reads unset or empty sha, ref and retention cap as null', () => {
    const context = readFrom({ ...without('GITHUB_SHA', 'GITHUB_RETENTION_DAYS'), GITHUB_REF: '' })
    expect(context).toMatchObject({ sha: null, ref: null, retentionDaysCap: null })
  })

  it('drops a trailing slash from GitHub Enterprise URLs', () => {
    const context = readFrom({
      ...RUNNER_ENV,
      GITHUB_SERVER_URL: 'https://ghe.example.com/',
      GITHUB_API_URL: 'https://ghe.example.com/api/v3/'
    })
    expect(context.serverUrl).toBe('https://ghe.example.com')
    expect(context.apiUrl).toBe('https://ghe.example.com/api/v3')
  })

  it('throws a clear error when GITHUB_REPOSITORY is missing', () => {
    expect(() => readFrom(without('GITHUB_REPOSITORY'))).toThrow(
      'GITHUB_REPOSITORY is not set: run the action in GitHub Actions'
    )
  })

  it.each(['payments-api', 'octo-org/payments-api/extra', 'octo org/api'])(
    'throws a clear error when GITHUB_REPOSITORY is %s',
    repository => {
      expect(() => readFrom({ ...RUNNER_ENV, GITHUB_REPOSITORY: repository })).toThrow(
        `GITHUB_REPOSITORY is ${JSON.stringify(repository)}: it must be owner/repo`
      )
    }
  )

  it('requires RUNNER_TEMP, saying to run in GitHub Actions or set it', () => {
    expect(() => readFrom(without('RUNNER_TEMP'))).toThrow(
      'RUNNER_TEMP is not set: run the action in GitHub Actions, or set RUNNER_TEMP'
    )
    expect(() => readFrom({ ...RUNNER_ENV, RUNNER_TEMP: 'relative/tmp' })).toThrow('not an absolute path')
  })

  it('lists every problem in one error', () => {
    let message = ''
    try {
      readFrom({ ...without('GITHUB_REPOSITORY', 'RUNNER_TEMP'), GITHUB_RETENTION_DAYS: 'forever' })
    } catch (error) {
      message = String(error)
    }
    expect(message).toContain('GITHUB_REPOSITORY is not set')
    expect(message).toContain('RUNNER_TEMP is not set')
    expect(message).toContain('GITHUB_RETENTION_DAYS is not a whole number')
  })

  it.each([
    ['GITHUB_RUN_ID', 'abc', 'GITHUB_RUN_ID is not a number'],
    ['GITHUB_RUN_ATTEMPT', '0', 'GITHUB_RUN_ATTEMPT is 0'],
    ['GITHUB_API_URL', 'ftp://example.com', 'GITHUB_API_URL is not an http(s) URL'],
    ['GITHUB_SHA', 'main', 'GITHUB_SHA is not a commit SHA']
  ])('rejects a malformed %s', (name, value, message) => {
    expect(() => readFrom({ ...RUNNER_ENV, [name]: value })).toThrow(message)
  })
})
