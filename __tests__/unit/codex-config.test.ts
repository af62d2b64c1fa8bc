import { describe, expect, it } from '@jest/globals'
import { parse } from 'smol-toml'
import {
  codexConfig,
  codexConfigToml,
  CUSTOM_PROVIDER_ID,
  CUSTOM_PROVIDER_KEY_ENV,
  isLoopbackHost,
  modelKeyEnv,
  OPENAI_KEY_ENV,
  SENTRY_TOKEN_ENV,
  SHELL_ENV_EXCLUDES,
  type CodexConfigInput
} from '../../src/domain/codex-config.js'

const MODEL_KEY = 'sk-test-model-key-0123456789'
const SENTRY_TOKEN = 'sntryu_test_token_0123456789'

function input(overrides: Partial<CodexConfigInput> = {}): CodexConfigInput {
  return {
    model: 'gpt-5.5',
    reasoningEffort: null,
    openaiBaseUrl: null,
    modelRetries: null,
    sentry: { host: 'sentry.io', insecureHttp: false, org: 'acme', projects: ['api'] },
    seer: false,
    mcp: { nodePath: '/opt/node24/bin/node', entry: '/tools/mcp/dist/index.js' },
    extraCaCerts: null,
    ...overrides
  }
}

type Table = Record<string, unknown>
const parsed = (value: CodexConfigInput): Table => parse(codexConfigToml(value)) as Table
const sentryServer = (config: Table): Table => (config.mcp_servers as Table).sentry as Table

describe('codexConfigToml', () => {
  it('writes every plain key at the top level, before any table, so codex does not file them under a table', () => {
    const config = parsed(input({ reasoningEffort: 'high', openaiBaseUrl: 'https://gateway.example.com/v1' }))
    expect(config).toMatchObject({
      model: 'gpt-5.5',
      model_reasoning_effort: 'high',
      model_provider: CUSTOM_PROVIDER_ID,
      approval_policy: 'never',
      sandbox_mode: 'workspace-write',
      web_search: 'disabled'
    })
    const lines = codexConfigToml(input()).split('\n')
    const firstTable = lines.findIndex(line => line.startsWith('['))
    for (const key of ['model', 'model_provider', 'approval_policy', 'sandbox_mode', 'web_search']) {
      const at = lines.findIndex(line => line.startsWith(`${key} = `))
      expect(at).toBeGreaterThanOrEqual(0)
      expect(at).toBeLessThan(firstTable)
    }
  })

  it('round-trips: the TOML text parses back to the config object', () => {
    const value = input({ seer: true, openaiBaseUrl: 'http://127.0.0.1:4000/v1', modelRetries: 0 })
    expect(parsed(value)).toEqual(codexConfig(value))
  })

  it('keeps the sandbox on without network, never asks for approval, and switches side traffic off', () => {
    const config = parsed(input())
    expect(config.sandbox_workspace_write).toEqual({
      network_access: false,
      exclude_slash_tmp: true,
      exclude_tmpdir_env_var: true
    })
    expect(config.analytics).toEqual({ enabled: false })
    expect(config.features).toEqual({ plugins: false, shell_snapshot: false })
  })

  it('gives the agent core variables only and excludes every credential-like name', () => {
    const policy = parsed(input()).shell_environment_policy as Table
    expect(policy.inherit).toBe('core')
    expect(policy.ignore_default_excludes).toBe(false)
    expect(policy.exclude).toEqual([...SHELL_ENV_EXCLUDES])
    for (const pattern of ['*TOKEN*', '*KEY*', '*SECRET*', 'GITHUB_*', 'INPUT_*', 'ACTIONS_*', 'SENTRY_*']) {
      expect(policy.exclude).toContain(pattern)
    }
  })

  it("uses codex's built-in OpenAI provider without a base URL, keyed by CODEX_API_KEY", () => {
    const config = parsed(input())
    expect(config.model_provider).toBe('openai')
    expect(config.model_providers).toBeUndefined()
    expect(modelKeyEnv(input())).toBe(OPENAI_KEY_ENV)
    expect(config).not.toHaveProperty('model_reasoning_effort')
  })

  it('defines a Responses provider for openai-base-url whose key is named, never written', () => {
    const value = input({ openaiBaseUrl: 'http://127.0.0.1:4000/v1', modelRetries: 0 })
    const config = parsed(value)
    expect((config.model_providers as Table)[CUSTOM_PROVIDER_ID]).toEqual({
      name: expect.any(String),
      base_url: 'http://127.0.0.1:4000/v1',
      wire_api: 'responses',
      env_key: CUSTOM_PROVIDER_KEY_ENV,
      request_max_retries: 0,
      stream_max_retries: 0
    })
    expect(modelKeyEnv(value)).toBe(CUSTOM_PROVIDER_KEY_ENV)
  })

  it("leaves retries to codex's defaults unless asked", () => {
    const config = parsed(input({ openaiBaseUrl: 'https://gateway.example.com/v1' }))
    expect((config.model_providers as Table)[CUSTOM_PROVIDER_ID]).not.toHaveProperty('request_max_retries')
  })
})

describe('the Sentry MCP server in codexConfig', () => {
  it('runs the pinned server with the action’s node, required, auto-approved, with inspect only', () => {
    const server = sentryServer(parsed(input()))
    expect(server).toMatchObject({
      command: '/opt/node24/bin/node',
      args: [
        '/tools/mcp/dist/index.js',
        '--host=sentry.io',
        '--organization-slug=acme',
        '--project-slug=api',
        '--skills=inspect'
      ],
      required: true,
      default_tools_approval_mode: 'approve',
      startup_timeout_sec: expect.any(Number),
      tool_timeout_sec: expect.any(Number)
    })
    expect(server.enabled_tools).toEqual(['get_sentry_resource'])
  })

  it('grants the seer skill and its tool only when the request allows Seer, with a timeout above its polling', () => {
    const off = sentryServer(parsed(input({ seer: false })))
    const on = sentryServer(parsed(input({ seer: true })))
    expect(off.args).toContain('--skills=inspect')
    expect(JSON.stringify(off)).not.toContain('seer')
    expect(on.args).toContain('--skills=inspect,seer')
    expect(on.enabled_tools).toContain('analyze_issue_with_seer')
    expect(on.tool_timeout_sec as number).toBeGreaterThan(300)
  })

  it('never offers execute_sentry_tool, the way to the docs tools that fetch from the internet', () => {
    for (const seer of [false, true]) {
      const tools = sentryServer(parsed(input({ seer }))).enabled_tools as string[]
      expect(tools).not.toContain('execute_sentry_tool')
      expect(tools).not.toContain('search_sentry_tools')
      expect(tools).not.toContain('update_issue')
    }
  })

  it('passes --insecure-http for a loopback http host only, and refuses it for any other host', () => {
    const local = input({
      sentry: { host: '127.0.0.1:9000', insecureHttp: true, org: 'acme', projects: ['api'] }
    })
    expect(sentryServer(parsed(local)).args).toContain('--insecure-http')
    expect(sentryServer(parsed(local)).args).toContain('--host=127.0.0.1:9000')
    expect(sentryServer(parsed(input())).args).not.toContain('--insecure-http')
    const remote = input({
      sentry: { host: 'sentry.example.com', insecureHttp: true, org: 'acme', projects: ['api'] }
    })
    expect(() => codexConfig(remote)).toThrow(/Refusing plain http for the Sentry host sentry.example.com/)
  })

  it('scopes to the project only when there is exactly one', () => {
    const two = input({
      sentry: { host: 'sentry.io', insecureHttp: false, org: 'acme', projects: ['api', 'web'] }
    })
    const args = sentryServer(parsed(two)).args as string[]
    expect(args.some(arg => arg.startsWith('--project-slug'))).toBe(false)
    expect(args).toContain('--organization-slug=acme')
  })

  it('hands the token over by variable name, so no secret is ever written to config.toml', () => {
    const server = sentryServer(parsed(input()))
    expect(server.env_vars).toEqual([SENTRY_TOKEN_ENV])
    expect(server).not.toHaveProperty('env')
    const text = codexConfigToml(input({ openaiBaseUrl: 'http://127.0.0.1:4000/v1' }))
    for (const secret of [MODEL_KEY, SENTRY_TOKEN]) expect(text).not.toContain(secret)
  })

  it('gives the MCP server no DSN and no model key', () => {
    const text = JSON.stringify(sentryServer(parsed(input({ extraCaCerts: '/etc/ssl/corp.pem' }))))
    for (const name of [
      'SENTRY_DSN',
      'DEFAULT_SENTRY_DSN',
      'OPENAI_API_KEY',
      'ANTHROPIC_API_KEY',
      OPENAI_KEY_ENV
    ]) {
      expect(text).not.toContain(name)
    }
  })

  it('passes NODE_EXTRA_CA_CERTS through when the action has it', () => {
    const server = sentryServer(parsed(input({ extraCaCerts: '/etc/ssl/corp.pem' })))
    expect(server.env).toEqual({ NODE_EXTRA_CA_CERTS: '/etc/ssl/corp.pem' })
  })
})

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1:9000', true],
    ['localhost', true],
    ['[::1]:8080', true],
    ['sentry.io', false],
    ['127.0.0.1.example.com', false],
    ['localhost.example.com:80', false]
  ])('%s -> %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected)
  })
})
