import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import {
  formatSettingsErrors,
  INPUT_NAMES,
  parseSettings,
  readSettings,
  type Settings,
  type SettingsResult
} from '../../src/settings/settings.js'
import { ACTION_YML, actionYmlInputs, inputValues } from '../../test-support/action-inputs.js'

// Token values distinctive enough that finding them in a message can only mean a leak.
const SENTRY_TOKEN = 'sntrys_SECRET_sentry_6f1c'
const GITHUB_TOKEN = 'ghs_SECRET_github_91ab'
const OPENAI_KEY = 'sk-SECRET-openai-77de'
const TOKENS = [SENTRY_TOKEN, GITHUB_TOKEN, OPENAI_KEY]
const SUBSTITUTE = { 'github.token': GITHUB_TOKEN, 'github.run_id': '4242' }

/** What a workflow must give; everything else comes from action.yml's defaults. */
const REQUIRED = {
  'sentry-token': SENTRY_TOKEN,
  'sentry-org': 'acme',
  'sentry-project': 'payments-api',
  'openai-api-key': OPENAI_KEY
}

function parse(given: Record<string, string> = {}): SettingsResult {
  const values = inputValues({ ...REQUIRED, ...given }, SUBSTITUTE)
  return parseSettings(name => values[name] ?? '')
}

function parsed(given: Record<string, string> = {}): { settings: Settings; warnings: string[] } {
  const result = parse(given)
  if (!result.ok) throw new Error(`expected valid inputs, got:\n${formatSettingsErrors(result.errors)}`)
  return result
}

function errorsOf(given: Record<string, string>): string[] {
  const result = parse(given)
  if (result.ok) throw new Error(`expected invalid inputs: ${JSON.stringify(given)}`)
  return result.errors
}

const EXPECTED_DEFAULTS: Settings = {
  mode: 'fix',
  sentry: {
    token: SENTRY_TOKEN,
    org: 'acme',
    projects: ['payments-api'],
    host: 'sentry.io',
    baseUrl: 'https://sentry.io',
    insecureHttp: false,
    environment: 'production',
    query: 'is:unresolved',
    statsPeriod: '7d',
    release: null
  },
  selection: {
    minEvents: 1,
    top: 5,
    analyzeTop: 3,
    maxPrs: 2,
    spareCandidates: 2,
    historyDays: 90,
    minQuality: 0.6
  },
  agent: {
    openaiApiKey: OPENAI_KEY,
    model: 'gpt-5.5',
    openaiBaseUrl: null,
    reasoningEffort: null,
    codexVersion: '0.171.0',
    codexArgs: [],
    instructions: '',
    seer: true,
    testCommand: null,
    testPaths: [
      '**/test/**',
      '**/tests/**',
      '**/__tests__/**',
      '**/spec/**',
      '**/*.test.*',
      '**/*.spec.*',
      '**/*_test.*',
      '**/test_*.py',
      '**/*Test.java',
      '**/*_spec.rb'
    ],
    requireReproduction: false,
    fixAttempts: 3,
    issueTimeoutMinutes: 20,
    concurrency: 2
  },
  budget: { maxTokensPerIssue: null, maxTokensPerRun: null, tokenPrices: null },
  policy: {
    denyPaths: [
      '.github/**',
      '**/.env*',
      '**/*.pem',
      '**/secrets/**',
      '**/.npmrc',
      '**/.yarnrc',
      '**/.yarnrc.yml',
      '**/.pnpmfile.cjs'
    ],
    maxChangedFiles: 10,
    maxChangedLines: 400
  },
  pr: {
    branchPrefix: 'fix/sentry-',
    baseBranch: null,
    labels: ['sentry', 'automated-fix'],
    reviewers: [],
    teamReviewers: [],
    draft: false,
    author: { name: 'github-actions[bot]', email: '41898282+github-actions[bot]@users.noreply.github.com' }
  },
  github: { token: GITHUB_TOKEN },
  artifact: { name: 'sentry-triage-4242', retentionDays: 30 },
  issue: null
}

describe('action.yml', () => {
  const inputs = actionYmlInputs(SUBSTITUTE)

  it('declares exactly the inputs that settings reads', () => {
    expect(Object.keys(inputs).sort()).toEqual([...INPUT_NAMES].sort())
  })

  it('marks only the Sentry organisation and project as required, with no default', () => {
    const required = Object.entries(inputs).filter(([, input]) => input.required === true)
    expect(required.map(([name]) => name).sort()).toEqual(['sentry-org', 'sentry-project'])
    // the token is required by the settings rules in every mode but land, and has no default either
    expect(inputs['sentry-token']?.default).toBeUndefined()
    for (const [, input] of required) expect(input.default).toBeUndefined()
  })

  it('gives the defaults of the design table', () => {
    const defaults = Object.fromEntries(
      Object.entries(actionYmlInputs()).map(([name, i]) => [name, i.default])
    )
    expect(defaults).toMatchObject({
      'codex-version': '0.171.0',
      'artifact-name': 'sentry-triage-123',
      'github-token': 'ghs_test',
      'spare-candidates': '',
      'openai-api-key': '',
      concurrency: '2',
      'deny-paths':
        '.github/**, **/.env*, **/*.pem, **/secrets/**, **/.npmrc, **/.yarnrc, **/.yarnrc.yml, **/.pnpmfile.cjs',
      'sentry-host': 'sentry.io',
      'require-reproduction': 'false',
      'max-tokens-per-issue': '',
      'max-tokens-per-run': '',
      'token-prices': ''
    })
  })

  it('declares every output of the design, plus base-sha for the fan-out, with a description', () => {
    const text = readFileSync(ACTION_YML, 'utf8')
    const block = text.slice(text.indexOf('\noutputs:'), text.indexOf('\nruns:'))
    const outputs = [...block.matchAll(/^ {2}([a-z-]+):\n {4}description: .+$/gm)].map(m => m[1])
    expect(outputs.sort()).toEqual(
      [
        'summary-file',
        'pull-requests',
        'opened',
        'skipped',
        'failed',
        'matrix',
        'base-sha',
        'merged-unmodified-rate',
        'regressed',
        'input-tokens',
        'output-tokens',
        'cost-usd'
      ].sort()
    )
  })

  it('runs dist/index.js on node24', () => {
    expect(readFileSync(ACTION_YML, 'utf8')).toMatch(
      /runs:\n {2}using: 'node24'\n {2}main: 'dist\/index\.js'/
    )
  })
})

describe('parseSettings', () => {
  it('turns the action.yml defaults plus the required inputs into the expected Settings, with no warning', () => {
    expect(parse()).toEqual({ ok: true, settings: EXPECTED_DEFAULTS, warnings: [] })
  })

  it('trims every value it reads', () => {
    const { settings } = parsed({ top: ' 7 \n', 'sentry-org': '  acme ', model: '\tgpt-5.5 ' })
    expect(settings.selection.top).toBe(7)
    expect(settings.sentry.org).toBe('acme')
    expect(settings.agent.model).toBe('gpt-5.5')
  })

  it('reads optional inputs and lists when they are given', () => {
    const { settings } = parsed({
      'sentry-project': 'payments-api, web\ncheckout,web',
      'sentry-environment': '',
      release: 'web@2.4.1',
      'openai-base-url': 'http://127.0.0.1:8080/v1/',
      'reasoning-effort': 'high',
      'test-command': 'npm test',
      instructions: 'Never touch the billing module.',
      'base-branch': 'refs/heads/develop',
      labels: 'sentry\nbug, sentry',
      draft: 'True',
      'issue-timeout-minutes': '0.5'
    })
    expect(settings.sentry.projects).toEqual(['payments-api', 'web', 'checkout'])
    expect(settings.sentry.environment).toBeNull()
    expect(settings.sentry.release).toBe('web@2.4.1')
    expect(settings.agent.openaiBaseUrl).toBe('http://127.0.0.1:8080/v1')
    expect(settings.agent.reasoningEffort).toBe('high')
    expect(settings.agent.testCommand).toBe('npm test')
    expect(settings.agent.instructions).toBe('Never touch the billing module.')
    expect(settings.agent.issueTimeoutMinutes).toBe(0.5)
    expect(settings.pr.baseBranch).toBe('develop')
    expect(settings.pr.labels).toEqual(['sentry', 'bug'])
    expect(settings.pr.draft).toBe(true)
  })
})

interface InvalidCase {
  why: string
  given: Record<string, string>
  input: string
  hint: string
}

const INVALID: InvalidCase[] = [
  { why: 'a non-integer top', given: { top: '5abc' }, input: 'top', hint: 'whole number from 1 to 100' },
  {
    why: 'an empty top',
    given: { top: '' },
    input: 'top',
    hint: "Input 'top' is empty: set it to a whole number such as 5, or remove it to use the default."
  },
  { why: 'a decimal top', given: { top: '2.5' }, input: 'top', hint: 'write digits only' },
  { why: 'top in exponent notation', given: { top: '1e3' }, input: 'top', hint: 'write digits only' },
  { why: 'top 0', given: { top: '0' }, input: 'top', hint: 'from 1 to 100' },
  { why: 'a negative min-events', given: { 'min-events': '-1' }, input: 'min-events', hint: '0 or more' },
  { why: 'max-prs over 50', given: { 'max-prs': '51', top: '100' }, input: 'max-prs', hint: 'from 0 to 50' },
  {
    why: 'fix-attempts over 10',
    given: { 'fix-attempts': '11' },
    input: 'fix-attempts',
    hint: 'from 0 to 10'
  },
  {
    why: 'retention-days over 90',
    given: { 'retention-days': '91' },
    input: 'retention-days',
    hint: 'from 1 to 90'
  },
  { why: 'history-days 0', given: { 'history-days': '0' }, input: 'history-days', hint: 'from 1 to 365' },
  { why: 'concurrency over 8', given: { concurrency: '9' }, input: 'concurrency', hint: 'from 1 to 8' },
  {
    why: 'a negative spare-candidates',
    given: { 'spare-candidates': '-2' },
    input: 'spare-candidates',
    hint: '0 or more'
  },
  {
    why: 'a too short issue-timeout-minutes',
    given: { 'issue-timeout-minutes': '0.05' },
    input: 'issue-timeout-minutes',
    hint: 'from 0.1 to 360'
  },
  { why: 'min-quality above 1', given: { 'min-quality': '1.5' }, input: 'min-quality', hint: 'from 0 to 1' },
  { why: 'seer yes', given: { seer: 'yes' }, input: 'seer', hint: 'write true or false' },
  { why: 'draft in mixed case', given: { draft: 'tRUE' }, input: 'draft', hint: 'write true or false' },
  {
    why: 'an unknown mode',
    given: { mode: 'auto' },
    input: 'mode',
    hint: 'fix, triage, dry-run, plan, work, land'
  },
  { why: 'a missing sentry-token', given: { 'sentry-token': '' }, input: 'sentry-token', hint: 'event:read' },
  {
    why: 'a token with a space',
    given: { 'sentry-token': `${SENTRY_TOKEN} x` },
    input: 'sentry-token',
    hint: 'the token alone'
  },
  {
    why: 'an empty github-token',
    given: { 'github-token': '' },
    input: 'github-token',
    hint: 'remove it to use the default'
  },
  {
    why: 'an org that is not a slug',
    given: { 'sentry-org': 'Acme Corp' },
    input: 'sentry-org',
    hint: 'lower-case letters'
  },
  {
    why: 'no project at all',
    given: { 'sentry-project': ' ,\n' },
    input: 'sentry-project',
    hint: 'project slugs'
  },
  {
    why: 'a project that is not a slug',
    given: { 'sentry-project': 'api, Web' },
    input: 'sentry-project',
    hint: '"Web"'
  },
  {
    why: 'a host with https://',
    given: { 'sentry-host': 'https://sentry.example.com/' },
    input: 'sentry-host',
    hint: "drop 'https://'"
  },
  {
    why: 'a host over plain http',
    given: { 'sentry-host': 'http://sentry.example.com' },
    input: 'sentry-host',
    hint: 'clear text'
  },
  {
    why: 'a host with a path',
    given: { 'sentry-host': 'sentry.example.com/sentry' },
    input: 'sentry-host',
    hint: 'write only the host'
  },
  {
    why: 'a host with port 0',
    given: { 'sentry-host': 'sentry.example.com:0' },
    input: 'sentry-host',
    hint: 'between 1 and 65535'
  },
  {
    why: 'a period in words',
    given: { 'stats-period': '7 days' },
    input: 'stats-period',
    hint: 'such as 24h, 7d, 14d or 2w'
  },
  {
    why: 'a period over 90 days',
    given: { 'stats-period': '13w' },
    input: 'stats-period',
    hint: 'use 90d or less'
  },
  {
    why: 'a query with OR',
    given: { 'sentry-query': 'is:unresolved OR level:fatal' },
    input: 'sentry-query',
    hint: 'run the action once per query'
  },
  {
    why: 'a query with parentheses',
    given: { 'sentry-query': '(level:error)' },
    input: 'sentry-query',
    hint: 'no boolean operators'
  },
  {
    why: 'a release over two lines',
    given: { release: 'web@1\nweb@2' },
    input: 'release',
    hint: 'on one line'
  },
  {
    why: 'a model URL over plain http',
    given: { 'openai-base-url': 'http://gateway.example.com/v1' },
    input: 'openai-base-url',
    hint: 'https URL'
  },
  {
    why: 'a model URL with credentials',
    given: { 'openai-base-url': 'https://u:p@gw.example.com' },
    input: 'openai-base-url',
    hint: 'openai-api-key'
  },
  {
    why: 'an unknown reasoning effort',
    given: { 'reasoning-effort': 'max' },
    input: 'reasoning-effort',
    hint: 'none, minimal, low, medium, high, xhigh'
  },
  {
    why: 'a model name with a space',
    given: { model: 'gpt 5.5' },
    input: 'model',
    hint: 'the model name alone'
  },
  {
    why: 'codex-version latest',
    given: { 'codex-version': 'latest' },
    input: 'codex-version',
    hint: 'pin an exact version'
  },
  {
    why: 'a codex-version range',
    given: { 'codex-version': '^0.171.0' },
    input: 'codex-version',
    hint: 'pin an exact version'
  },
  {
    why: 'the sandbox bypass in codex-args',
    given: { 'codex-args': '--yolo' },
    input: 'codex-args',
    hint: 'remove it'
  },
  {
    why: 'overlong instructions',
    given: { instructions: 'x'.repeat(20_001) },
    input: 'instructions',
    hint: 'at most 20000'
  },
  {
    why: 'a branch prefix with a space',
    given: { 'branch-prefix': 'fix sentry-' },
    input: 'branch-prefix',
    hint: 'such as fix/sentry-'
  },
  {
    why: 'a base branch with ..',
    given: { 'base-branch': 'main..dev' },
    input: 'base-branch',
    hint: "contains '..'"
  },
  {
    why: 'an absolute deny path',
    given: { 'deny-paths': '/etc/**' },
    input: 'deny-paths',
    hint: 'relative to the repository root'
  },
  {
    why: 'an absolute test path',
    given: { 'test-paths': '/srv/app/test/**' },
    input: 'test-paths',
    hint: 'relative to the repository root'
  },
  {
    why: 'an empty test-paths',
    given: { 'test-paths': ' ,\n' },
    input: 'test-paths',
    hint: "Input 'test-paths' is empty: set it to globs of your test files"
  },
  {
    why: 'require-reproduction yes',
    given: { 'require-reproduction': 'yes' },
    input: 'require-reproduction',
    hint: 'write true or false'
  },
  {
    why: 'require-reproduction without a test-command',
    given: { 'require-reproduction': 'true' },
    input: 'require-reproduction',
    hint: 'set test-command (e.g. npm test), or set require-reproduction to false'
  },
  {
    why: 'a per-issue token budget of 0',
    given: { 'max-tokens-per-issue': '0' },
    input: 'max-tokens-per-issue',
    hint: 'a whole number 1 or more, such as 2000000, or leave it empty for no limit'
  },
  {
    why: 'a per-issue token budget with a unit',
    given: { 'max-tokens-per-issue': '200k' },
    input: 'max-tokens-per-issue',
    hint: 'write digits only'
  },
  {
    why: 'a negative run token budget',
    given: { 'max-tokens-per-run': '-1' },
    input: 'max-tokens-per-run',
    hint: 'or leave it empty for no limit'
  },
  {
    why: 'a token price with an unknown key',
    given: { 'token-prices': 'input=1.25, cache=0.125, output=10' },
    input: 'token-prices',
    hint: 'unknown key "cache": use input, cached-input and output'
  },
  {
    why: 'token prices without an output price',
    given: { 'token-prices': 'input=1.25' },
    input: 'token-prices',
    hint: 'has no output price'
  },
  {
    why: 'a label over 50 characters',
    given: { labels: 'x'.repeat(51) },
    input: 'labels',
    hint: 'shorten them'
  },
  {
    why: 'a reviewer with a space',
    given: { reviewers: 'octo cat' },
    input: 'reviewers',
    hint: 'such as octocat'
  },
  {
    why: 'an artifact name with a slash',
    given: { 'artifact-name': 'triage/1' },
    input: 'artifact-name',
    hint: 'remove it'
  },
  {
    why: 'a missing model key in mode fix',
    given: { 'openai-api-key': '' },
    input: 'openai-api-key',
    hint: 'mode triage'
  },
  { why: 'mode work without an issue', given: { mode: 'work' }, input: 'issue', hint: 'matrix' },
  {
    why: 'mode work with a malformed issue',
    given: { mode: 'work', issue: 'not an id' },
    input: 'issue',
    hint: 'PAYMENTS-API-4521'
  }
]

describe('invalid inputs', () => {
  it.each(INVALID)('rejects $why, naming $input and saying how to fix it', ({ given, input, hint }) => {
    const errors = errorsOf(given)
    const mine = errors.filter(error => error.includes(`Input '${input}'`))
    expect(mine).not.toHaveLength(0)
    expect(mine.join('\n')).toContain(hint)
    for (const error of errors) for (const token of TOKENS) expect(error).not.toContain(token)
  })

  it('never quotes a token back, even a malformed one', () => {
    const errors = errorsOf({
      'sentry-token': `${SENTRY_TOKEN}\nsecond-line`,
      'github-token': `Bearer ${GITHUB_TOKEN}`,
      'openai-api-key': `${OPENAI_KEY} `.repeat(2).trim()
    })
    expect(errors).toHaveLength(3)
    const message = formatSettingsErrors(errors)
    for (const token of TOKENS) expect(message).not.toContain(token)
  })

  it('reports every problem of a run in one pass', () => {
    const errors = errorsOf({
      top: 'five',
      seer: 'maybe',
      mode: 'fix',
      'openai-api-key': '',
      'sentry-host': 'https://sentry.example.com',
      'codex-args': '--yolo --cd /tmp'
    })
    const named = errors.map(error => /^Input '([a-z-]+)'/.exec(error)?.[1])
    expect(named).toEqual(['sentry-host', 'top', 'seer', 'openai-api-key', 'codex-args', 'codex-args'])
  })

  it('still judges the mode rules when any other input is invalid', () => {
    // A zod issue that aborts would silently skip the cross-input rules: check every kind of invalid input.
    const others = INVALID.filter(
      c => !['mode', 'openai-api-key', 'issue'].includes(c.input) && !('mode' in c.given)
    )
    for (const { given } of others) {
      const errors = errorsOf({ ...given, 'openai-api-key': '' })
      expect(
        errors.some(error => error.startsWith("Input 'openai-api-key' is required when mode is fix"))
      ).toBe(true)
    }
  })

  it('accepts every whole-number form only as plain digits', () => {
    for (const top of ['-1', '+3', '3.0', '1e1', '0x10', '5abc', '5 5', '']) {
      expect(errorsOf({ top }).join('\n')).toContain("Input 'top'")
    }
    expect(parsed({ top: '007' }).settings.selection.top).toBe(7)
  })
})

describe('selection limits', () => {
  it('clamps max-prs larger than top to top, with a warning rather than an error', () => {
    const { settings, warnings } = parsed({ top: '3', 'max-prs': '7' })
    expect(settings.selection.maxPrs).toBe(3)
    expect(warnings).toEqual([expect.stringContaining("Input 'max-prs' (7) is larger than top (3)")])
  })

  it('clamps analyze-top larger than top to top, with a warning', () => {
    const { settings, warnings } = parsed({ top: '2', 'max-prs': '1', 'analyze-top': '9' })
    expect(settings.selection.analyzeTop).toBe(2)
    expect(warnings).toEqual([expect.stringContaining("Input 'analyze-top' (9) is larger than top (2)")])
  })

  it('takes max-prs, after clamping, as spare-candidates when spare-candidates is empty', () => {
    expect(parsed({ 'max-prs': '4' }).settings.selection.spareCandidates).toBe(4)
    expect(parsed({ top: '3', 'max-prs': '7' }).settings.selection.spareCandidates).toBe(3)
  })

  it('keeps an explicit spare-candidates, zero included', () => {
    expect(parsed({ 'spare-candidates': '0' }).settings.selection.spareCandidates).toBe(0)
    expect(parsed({ 'spare-candidates': '6' }).settings.selection.spareCandidates).toBe(6)
  })
})

describe('mode rules', () => {
  it.each(['triage', 'plan', 'land'])('does not need openai-api-key in mode %s', mode => {
    const { settings } = parsed({ mode, 'openai-api-key': '' })
    expect(settings.mode).toBe(mode)
    expect(settings.agent.openaiApiKey).toBeNull()
  })

  it.each(['fix', 'dry-run'])('requires openai-api-key in mode %s', mode => {
    expect(errorsOf({ mode, 'openai-api-key': '' })).toEqual([
      expect.stringContaining(`Input 'openai-api-key' is required when mode is ${mode}`)
    ])
  })

  it('does not need sentry-token in mode land, which talks only to GitHub', () => {
    const { settings } = parsed({ mode: 'land', 'sentry-token': '', 'openai-api-key': '' })
    expect(settings.sentry.token).toBe('')
  })

  it.each(['fix', 'triage', 'dry-run', 'plan', 'work'])('requires sentry-token in mode %s', mode => {
    expect(errorsOf({ mode, issue: 'API-12', 'sentry-token': '' })).toEqual([
      expect.stringContaining("Input 'sentry-token' is required")
    ])
  })

  it('works the one issue it is given in mode work', () => {
    const { settings, warnings } = parsed({ mode: 'work', issue: ' PAYMENTS-API-4521 ' })
    expect(settings.issue).toBe('PAYMENTS-API-4521')
    expect(warnings).toEqual([])
  })

  it('ignores an issue outside mode work, and says so', () => {
    const { settings, warnings } = parsed({ mode: 'plan', issue: 'PAYMENTS-API-4521' })
    expect(settings.issue).toBeNull()
    expect(warnings).toEqual([expect.stringContaining("Input 'issue' is ignored in mode plan")])
  })
})

describe('sentry-host', () => {
  it.each([
    ['http://127.0.0.1:9000', '127.0.0.1:9000'],
    ['http://localhost:9000/', 'localhost:9000'],
    ['http://[::1]:9000', '[::1]:9000']
  ])('accepts plain http for the loopback host %s', (given, host) => {
    const { settings, warnings } = parsed({ 'sentry-host': given })
    expect(settings.sentry).toMatchObject({ host, baseUrl: `http://${host}`, insecureHttp: true })
    expect(warnings).toEqual([])
  })

  it('reaches a bare self-hosted host with a port over https', () => {
    const { settings } = parsed({ 'sentry-host': 'sentry.internal.example.com:8443', seer: 'false' })
    expect(settings.sentry).toMatchObject({
      host: 'sentry.internal.example.com:8443',
      baseUrl: 'https://sentry.internal.example.com:8443',
      insecureHttp: false
    })
  })

  it('refuses plain http to any other host, suggesting the bare host', () => {
    const [error] = errorsOf({ 'sentry-host': 'http://10.0.0.5:9000' })
    expect(error).toContain('clear text')
    expect(error).toContain('write the bare host "10.0.0.5:9000"')
  })

  it('does not quote a host value that carries user info', () => {
    const [error] = errorsOf({ 'sentry-host': 'https://admin:hunter2@sentry.example.com' })
    expect(error).not.toContain('hunter2')
    expect(error).toContain('"sentry.example.com"')
  })

  it('warns that Seer does not exist on a self-hosted host', () => {
    const { warnings } = parsed({ 'sentry-host': 'sentry.example.com' })
    expect(warnings).toEqual([expect.stringContaining('set seer: false')])
    expect(parsed({ 'sentry-host': 'de.sentry.io' }).warnings).toEqual([])
  })
})

describe('codex-args', () => {
  it('splits like a shell, with quotes and backslashes and without expansion', () => {
    const { settings } = parsed({
      'codex-args': `-c 'model_verbosity="low"' -m "" -c "model_reasoning_summary=\\"none\\"" -c hide_agent_reasoning=\\$HOME\n--color never`
    })
    expect(settings.agent.codexArgs).toEqual([
      '-c',
      'model_verbosity="low"',
      '-m',
      '',
      '-c',
      'model_reasoning_summary="none"',
      '-c',
      'hide_agent_reasoning=$HOME',
      '--color',
      'never'
    ])
  })

  it.each([
    ['--dangerously-bypass-approvals-and-sandbox', 'turns the sandbox off'],
    ['--yolo', 'turns the sandbox off'],
    ['-s danger-full-access', 'danger-full-access sandbox'],
    ['--sandbox=danger-full-access', 'danger-full-access sandbox'],
    ['-sdanger-full-access', 'danger-full-access sandbox'],
    ['-c sandbox_mode="danger-full-access"', 'through -c'],
    ['--config=sandbox_mode=danger-full-access', 'through -c'],
    ['--cd /tmp', 'the worktree it made'],
    ['-C /tmp', 'the worktree it made'],
    ['-C/tmp', 'the worktree it made'],
    ['--cd=/tmp', 'the worktree it made']
  ])('refuses %s and says why', (args, why) => {
    const errors = errorsOf({ 'codex-args': args })
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain("Input 'codex-args'")
    expect(errors[0]).toContain(why)
  })

  it('accepts the other sandboxes and model-side config overrides', () => {
    const args = '-s workspace-write -c model_reasoning_summary=none --config model_verbosity=low'
    expect(parsed({ 'codex-args': args }).settings.agent.codexArgs).toHaveLength(6)
    expect(parsed({ 'codex-args': '--sandbox read-only' }).settings.agent.codexArgs).toHaveLength(2)
  })

  it('rejects an unclosed quote', () => {
    expect(errorsOf({ 'codex-args': `-c 'model=x` })).toEqual([expect.stringContaining("unclosed ' quote")])
  })
})

describe('deny-paths', () => {
  it('keeps a comma inside braces in one glob, drops empty entries and a leading ./', () => {
    const { settings } = parsed({ 'deny-paths': '**/*.{pem,key}, ,\n./config/secrets/**\n' })
    expect(settings.policy.denyPaths).toEqual(['**/*.{pem,key}', 'config/secrets/**'])
  })

  it.each([
    ['/etc/**', 'it is absolute'],
    ['C:\\Windows\\**', 'it is absolute'],
    ['src/../../outside/**', "'..' segment"],
    ['src/[abc', "'[' is not closed"],
    ['src/{a,b', "'{' is not closed"],
    ['src/a]', 'does not compile']
  ])('rejects the glob %s', (glob, problem) => {
    const [error, ...more] = errorsOf({ 'deny-paths': `.github/**, ${glob}` })
    expect(more).toEqual([])
    expect(error).toContain(`Input 'deny-paths' has an invalid glob ${JSON.stringify(glob)}`)
    expect(error).toContain(problem)
  })

  it('allows an empty list, warning that nothing is denied', () => {
    const { settings, warnings } = parsed({ 'deny-paths': '' })
    expect(settings.policy.denyPaths).toEqual([])
    expect(warnings).toEqual([expect.stringContaining("Input 'deny-paths' is empty")])
  })
})

describe('reviewers', () => {
  it('sends org/team entries to team reviewers and strips a leading @ from users', () => {
    const { settings } = parsed({ reviewers: '@octocat, my-org/backend\nhubot,\n@my-org/sre, Octocat' })
    expect(settings.pr.reviewers).toEqual(['octocat', 'hubot'])
    expect(settings.pr.teamReviewers).toEqual(['backend', 'sre'])
  })

  it('rejects entries that are neither a login nor org/team, listing them all', () => {
    const [error] = errorsOf({ reviewers: 'octocat, a/b/c, -dash, x@y' })
    expect(error).toContain('"a/b/c", "-dash", "x@y"')
  })
})

describe('booleans', () => {
  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false]
  ])('reads %s as %s, like core.getBooleanInput', (draft, expected) => {
    expect(parsed({ draft }).settings.pr.draft).toBe(expected)
  })

  it.each(['yes', 'no', 'on', '1', 'tRue'])('rejects %s', draft => {
    expect(errorsOf({ draft })).toEqual([expect.stringContaining("Input 'draft' must be true or false")])
  })
})

describe('readSettings', () => {
  function fakeCore(values: Record<string, string>) {
    const calls: string[] = []
    return {
      calls,
      core: {
        getInput(name: string) {
          calls.push(`get ${name}`)
          return values[name] ?? ''
        },
        setSecret(value: string) {
          calls.push(`mask ${value}`)
        }
      }
    }
  }

  it('masks the three tokens before it reads any other input', () => {
    const { core, calls } = fakeCore(inputValues(REQUIRED, SUBSTITUTE))
    const result = readSettings(core)
    expect(result.ok).toBe(true)
    const firstOther = calls.findIndex(call => call.startsWith('get ') && !/token|api-key/.test(call))
    const masks = calls.filter(call => call.startsWith('mask '))
    expect(masks.sort()).toEqual(
      [`mask ${GITHUB_TOKEN}`, `mask ${OPENAI_KEY}`, `mask ${SENTRY_TOKEN}`].sort()
    )
    for (const mask of masks) expect(calls.indexOf(mask)).toBeLessThan(firstOther)
  })

  it('masks even tokens that then fail validation', () => {
    const { core, calls } = fakeCore(inputValues({ ...REQUIRED, 'sentry-token': 'has space' }, SUBSTITUTE))
    expect(readSettings(core).ok).toBe(false)
    expect(calls).toContain('mask has space')
  })

  it('does not mask an empty value', () => {
    const { core, calls } = fakeCore(
      inputValues({ ...REQUIRED, mode: 'triage', 'openai-api-key': '' }, SUBSTITUTE)
    )
    readSettings(core)
    expect(calls.filter(call => call.startsWith('mask '))).toHaveLength(2)
    expect(calls).not.toContain('mask ')
  })

  it('gives the same result as parseSettings', () => {
    const values = inputValues(REQUIRED, SUBSTITUTE)
    expect(readSettings(fakeCore(values).core)).toEqual(parseSettings(name => values[name] ?? ''))
  })
})

describe('formatSettingsErrors', () => {
  it('lists every problem in one message', () => {
    const message = formatSettingsErrors(errorsOf({ top: 'x', draft: 'y' }))
    expect(message.split('\n')).toEqual([
      "The action's inputs have 2 problems:",
      expect.stringMatching(/^ {2}- Input 'top'/),
      expect.stringMatching(/^ {2}- Input 'draft'/)
    ])
  })

  it('words a single problem in the singular', () => {
    expect(formatSettingsErrors(['Input x is wrong.'])).toBe(
      'An input of the action is not valid:\n  - Input x is wrong.'
    )
  })
})

describe('codex-args that would loosen what the action configures', () => {
  it.each([
    ['--add-dir /home/runner', /--add-dir/],
    ['--trust', /--trust/],
    ['--ignore-user-config', /--ignore-user-config/],
    ['-c shell_environment_policy.inherit=all', /shell_environment_policy/],
    ['--config=sandbox_workspace_write.network_access=true', /sandbox_workspace_write/],
    ['-c mcp_servers.sentry.env.SENTRY_DSN=x', /mcp_servers/]
  ])('refuses %s', async (args, message) => {
    const { codexArgs } = await import('../../src/settings/codex-args.js')
    const verdict = codexArgs(args)
    expect(verdict.ok).toBe(false)
    expect(!verdict.ok && verdict.problems.join('\n')).toMatch(message)
  })

  it('accepts harmless overrides', async () => {
    const { codexArgs } = await import('../../src/settings/codex-args.js')
    expect(codexArgs('-c model_verbosity=low --color never')).toEqual({
      ok: true,
      value: ['-c', 'model_verbosity=low', '--color', 'never']
    })
  })
})

describe('commit-author', () => {
  it('rejects an identity without an e-mail in angle brackets and says how to write it', async () => {
    const { parseSettings } = await import('../../src/settings/settings.js')
    const { inputValues } = await import('../../test-support/action-inputs.js')
    const values = inputValues({
      'sentry-token': 'sntryu_0123456789',
      'sentry-org': 'acme',
      'sentry-project': 'api',
      mode: 'triage',
      'commit-author': 'just a name'
    })
    const result = parseSettings(name => values[name] ?? '')
    expect(result.ok).toBe(false)
    expect(!result.ok && result.errors.join('\n')).toMatch(
      /Input 'commit-author' must be a git identity like/
    )
  })
})

describe('test-paths', () => {
  it('matches the common test layouts by default', () => {
    expect(parsed().settings.agent.testPaths).toEqual(EXPECTED_DEFAULTS.agent.testPaths)
  })

  it('reads comma and newline separated globs, keeping a comma inside braces and dropping a leading ./', () => {
    const { settings } = parsed({ 'test-paths': 'src/**/*.check.{js,ts}\n./qa/**, qa/**' })
    expect(settings.agent.testPaths).toEqual(['src/**/*.check.{js,ts}', 'qa/**'])
  })

  it('reports every invalid glob', () => {
    const errors = errorsOf({ 'test-paths': 'test/[abc\n../other/**, tests/**' })
    expect(errors).toEqual([
      expect.stringContaining(`Input 'test-paths' has an invalid glob "test/[abc"`),
      expect.stringContaining(`Input 'test-paths' has an invalid glob "../other/**"`)
    ])
  })
})

describe('require-reproduction', () => {
  it('is off by default and on when set, with a test-command', () => {
    expect(parsed().settings.agent.requireReproduction).toBe(false)
    const { settings } = parsed({ 'require-reproduction': 'true', 'test-command': 'npm test' })
    expect(settings.agent.requireReproduction).toBe(true)
  })

  it.each(['triage', 'plan', 'land'])(
    'does not need a test-command in mode %s, which runs no agent',
    mode => {
      const { settings } = parsed({ mode, 'openai-api-key': '', 'require-reproduction': 'true' })
      expect(settings.agent.requireReproduction).toBe(true)
    }
  )

  it('needs a test-command in mode work', () => {
    const errors = errorsOf({ mode: 'work', issue: 'API-12', 'require-reproduction': 'true' })
    expect(errors).toEqual([
      expect.stringContaining("Input 'require-reproduction' is true but test-command is empty")
    ])
  })
})

describe('token budgets', () => {
  it('have no limit by default', () => {
    expect(parsed().settings.budget).toMatchObject({ maxTokensPerIssue: null, maxTokensPerRun: null })
  })

  it('read whole numbers of tokens, trimmed', () => {
    const { settings } = parsed({ 'max-tokens-per-issue': ' 250000 ', 'max-tokens-per-run': '1000000\n' })
    expect(settings.budget).toMatchObject({ maxTokensPerIssue: 250_000, maxTokensPerRun: 1_000_000 })
  })

  it.each(['1e6', '250,000', '2.5', '+5', '0'])('refuse %s, saying that empty means no limit', value => {
    const errors = errorsOf({ 'max-tokens-per-issue': value, 'max-tokens-per-run': value })
    expect(errors).toHaveLength(2)
    expect(errors[0]).toMatch(/^Input 'max-tokens-per-issue' /)
    expect(errors[1]).toMatch(/^Input 'max-tokens-per-run' /)
    for (const error of errors) expect(error).toContain('or leave it empty for no limit')
  })
})

describe('token-prices', () => {
  it('is not set by default: cost is not computed', () => {
    expect(parsed().settings.budget.tokenPrices).toBeNull()
  })

  it('reads USD per million tokens for input, cached input and output', () => {
    const { settings } = parsed({ 'token-prices': 'input=1.25, cached-input=0.125, output=10' })
    expect(settings.budget.tokenPrices).toEqual({ input: 1.25, cachedInput: 0.125, output: 10 })
  })

  it('takes newlines, spaces around = and any order', () => {
    const { settings } = parsed({ 'token-prices': 'output = 8\ncached-input= 0.5\n input =2\n' })
    expect(settings.budget.tokenPrices).toEqual({ input: 2, cachedInput: 0.5, output: 8 })
  })

  it('prices cached input like input when cached-input is not given', () => {
    const { settings } = parsed({ 'token-prices': 'input=3, output=15' })
    expect(settings.budget.tokenPrices).toEqual({ input: 3, cachedInput: 3, output: 15 })
  })

  it('accepts a price of 0 (a model that costs nothing)', () => {
    const { settings } = parsed({ 'token-prices': 'input=0, output=0' })
    expect(settings.budget.tokenPrices).toEqual({ input: 0, cachedInput: 0, output: 0 })
  })

  it('reports every bad entry: not key=value, twice, not a number', () => {
    const errors = errorsOf({ 'token-prices': 'input 1.25, output=10, output=12, cached-input=$0.1' })
    expect(errors).toEqual([
      expect.stringContaining(`Input 'token-prices' has an entry that is not key=value (got "input 1.25")`),
      "Input 'token-prices' gives output twice: give each price once.",
      expect.stringContaining(
        `Input 'token-prices' has a price that is not a number (got cached-input="$0.1")`
      )
    ])
  })

  it('names both missing prices', () => {
    expect(errorsOf({ 'token-prices': 'cached-input=0.1' })).toEqual([
      "Input 'token-prices' has no input and output price: give input and output (cached-input is optional and defaults to the input price), such as input=1.25, cached-input=0.125, output=10."
    ])
  })
})
