// The Codex CLI's config.toml for one agent run, built as ONE object and serialised with a TOML library (never a
// string template): a top-level key written after a [table] would silently land inside that table.
//
// What it guarantees (verified against codex 0.171.0, see the research notes on Codex and the pipeline tests):
// - commands run sandboxed (workspace-write: the worktree, /tmp and $TMPDIR writable, no network) and are never
//   escalated (approval_policy never);
// - nothing leaves the machine but the model requests: web search off (the tool is not even offered), analytics and
//   plugin sync off; the Sentry MCP server only talks to the configured Sentry host;
// - no credential is written into this file: the file lives in CODEX_HOME, which the sandbox lets the agent READ.
//   The model key is named by the provider's `env_key` and the Sentry token by the MCP server's `env_vars`: both are
//   variables of the codex process alone, which the agent's commands cannot see (inherit = "core", and each sandboxed
//   command runs in its own PID namespace, so /proc/<codex>/environ is out of reach);
// - the Sentry MCP server gets the smallest surface that fixes an issue: --skills inspect (+ seer when allowed), a
//   short allow-list of tools, and an environment of HOME, PATH and the token (no SENTRY_DSN: that would switch on
//   its telemetry; no model key: that would switch on its AI provider).
import { stringify } from 'smol-toml'

/** The MCP server's name in config.toml; codex namespaces its tools as `mcp__sentry`. */
export const SENTRY_MCP_SERVER = 'sentry'

/** The variable codex forwards to the Sentry MCP server (`env_vars`); it is set on the codex process only. */
export const SENTRY_TOKEN_ENV = 'SENTRY_ACCESS_TOKEN'

/** `codex exec` reads the key of its built-in OpenAI provider from this variable (not OPENAI_API_KEY). */
export const OPENAI_KEY_ENV = 'CODEX_API_KEY'

/** The provider used when `openai-base-url` is set (Azure OpenAI, a gateway, a local fake model). */
export const CUSTOM_PROVIDER_ID = 'sentry-codex-triage'
export const CUSTOM_PROVIDER_KEY_ENV = 'SENTRY_CODEX_TRIAGE_MODEL_KEY'

/**
 * Variables never handed to the agent's commands. `inherit = "core"` already limits them to HOME, PATH, SHELL,
 * USER, TMPDIR and the like; these globs (case-insensitive in codex) are the second line, should a user's
 * `codex-args` widen `inherit`.
 */
export const SHELL_ENV_EXCLUDES = [
  '*TOKEN*',
  '*KEY*',
  '*SECRET*',
  '*PASSWORD*',
  '*CREDENTIAL*',
  '*_AUTH*',
  'SENTRY_*',
  'OPENAI_*',
  'ACTIONS_*',
  'GITHUB_*',
  'RUNNER_*',
  'INPUT_*'
] as const

/**
 * The Sentry MCP tools the agent may call. `execute_sentry_tool` (and its index, `search_sentry_tools`) is left out on
 * purpose: through it the `inspect` skill also reaches search_docs and get_doc, which fetch from mcp.sentry.dev and
 * docs.sentry.io — a channel out of the machine that no sandbox sees (the MCP server runs outside codex's sandbox).
 * search_issues and search_events are left out too: they accept a `regionUrl` (Sentry's region domains) that the
 * model could use to send a self-hosted user's token to sentry.io. get_sentry_resource reads the issue, its latest
 * event and stack trace, which is all the agent needs.
 */
export const SENTRY_MCP_TOOLS = ['get_sentry_resource'] as const
export const SENTRY_MCP_SEER_TOOLS = ['analyze_issue_with_seer'] as const

export const MCP_STARTUP_TIMEOUT_SEC = 60
export const MCP_TOOL_TIMEOUT_SEC = 120
/** analyze_issue_with_seer polls Seer for up to 5 minutes */
export const MCP_SEER_TOOL_TIMEOUT_SEC = 330

export interface CodexConfigInput {
  /** a model slug codex knows (`codex debug models --bundled`), e.g. gpt-5.5 */
  model: string
  /** model_reasoning_effort, or null for the model's default */
  reasoningEffort: string | null
  /** the Responses API base URL (`openai-base-url`), or null for OpenAI's own API */
  openaiBaseUrl: string | null
  /** request and stream retries of the custom provider (0 in tests); null keeps codex's defaults */
  modelRetries: number | null
  sentry: {
    /** host[:port], no scheme */
    host: string
    /** plain http: accepted for a loopback host only (local sandboxes and tests) */
    insecureHttp: boolean
    org: string
    projects: string[]
  }
  /** whether analyze_issue_with_seer is offered (the `seer` skill) */
  seer: boolean
  mcp: {
    /** the node executable that runs the action (process.execPath): @sentry/mcp-server needs Node >= 22.13 */
    nodePath: string
    /** @sentry/mcp-server's dist/index.js */
    entry: string
    startupTimeoutSec?: number
    toolTimeoutSec?: number
  }
  /** NODE_EXTRA_CA_CERTS of the action's environment (a self-hosted Sentry behind a private CA), or null */
  extraCaCerts: string | null
}

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable
export interface TomlTable {
  [key: string]: TomlValue
}

const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

/** Whether `host[:port]` names this machine. */
export function isLoopbackHost(host: string): boolean {
  const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '')
  return LOOPBACK_HOSTNAMES.has(hostname.toLowerCase())
}

/** The variable that must hold the model key in codex's environment. */
export function modelKeyEnv(input: Pick<CodexConfigInput, 'openaiBaseUrl'>): string {
  return input.openaiBaseUrl === null ? OPENAI_KEY_ENV : CUSTOM_PROVIDER_KEY_ENV
}

/** The skills granted to the MCP server: never triage or project-management (they write to Sentry). */
export function sentryMcpSkills(seer: boolean): string {
  return seer ? 'inspect,seer' : 'inspect'
}

/** Arguments of `node <entry> ...` for @sentry/mcp-server over stdio. The token is not among them. */
export function sentryMcpArgs(input: Pick<CodexConfigInput, 'sentry' | 'seer' | 'mcp'>): string[] {
  const { host, insecureHttp, org, projects } = input.sentry
  if (insecureHttp && !isLoopbackHost(host)) {
    throw new Error(
      `Refusing plain http for the Sentry host ${host}: only 127.0.0.1, localhost and [::1] may be reached without TLS.`
    )
  }
  return [
    input.mcp.entry,
    `--host=${host}`,
    ...(insecureHttp ? ['--insecure-http'] : []),
    `--organization-slug=${org}`,
    ...(projects.length === 1 ? [`--project-slug=${projects[0]}`] : []),
    `--skills=${sentryMcpSkills(input.seer)}`
  ]
}

function modelProvider(input: CodexConfigInput): TomlTable {
  if (input.openaiBaseUrl === null) return { model_provider: 'openai' }
  const provider: TomlTable = {
    name: 'openai-base-url of sentry-codex-triage',
    base_url: input.openaiBaseUrl,
    wire_api: 'responses',
    env_key: CUSTOM_PROVIDER_KEY_ENV
  }
  if (input.modelRetries !== null) {
    provider.request_max_retries = input.modelRetries
    provider.stream_max_retries = input.modelRetries
  }
  return { model_provider: CUSTOM_PROVIDER_ID, model_providers: { [CUSTOM_PROVIDER_ID]: provider } }
}

function sentryMcpServer(input: CodexConfigInput): TomlTable {
  const server: TomlTable = {
    command: input.mcp.nodePath,
    args: sentryMcpArgs(input),
    env_vars: [SENTRY_TOKEN_ENV],
    required: true,
    startup_timeout_sec: input.mcp.startupTimeoutSec ?? MCP_STARTUP_TIMEOUT_SEC,
    tool_timeout_sec:
      input.mcp.toolTimeoutSec ?? (input.seer ? MCP_SEER_TOOL_TIMEOUT_SEC : MCP_TOOL_TIMEOUT_SEC),
    default_tools_approval_mode: 'approve',
    enabled_tools: [...SENTRY_MCP_TOOLS, ...(input.seer ? SENTRY_MCP_SEER_TOOLS : [])]
  }
  // A path, not a secret: Node in the MCP server needs it to trust a private CA.
  if (input.extraCaCerts !== null) server.env = { NODE_EXTRA_CA_CERTS: input.extraCaCerts }
  return server
}

/** The config.toml object for one run. */
export function codexConfig(input: CodexConfigInput): TomlTable {
  const { model_providers: providers, ...provider } = modelProvider(input)
  return {
    model: input.model,
    ...(input.reasoningEffort === null ? {} : { model_reasoning_effort: input.reasoningEffort }),
    ...provider,
    approval_policy: 'never',
    sandbox_mode: 'workspace-write',
    web_search: 'disabled',
    // The worktree is the only writable root: /tmp and $TMPDIR would otherwise be writable too, and on a runner whose
    // RUNNER_TEMP (or workspace) lies under them the agent could reach other issues' worktrees and the checkout's .git.
    sandbox_workspace_write: { network_access: false, exclude_slash_tmp: true, exclude_tmpdir_env_var: true },
    shell_environment_policy: {
      inherit: 'core',
      ignore_default_excludes: false,
      exclude: [...SHELL_ENV_EXCLUDES]
    },
    analytics: { enabled: false },
    // shell_snapshot: codex would start `bash -lc` OUTSIDE its sandbox, with its own environment (the model key) and
    // the runner HOME's shell start-up files sourced; the agent's commands need no snapshot of the user's shell
    features: { plugins: false, shell_snapshot: false },
    ...(providers === undefined ? {} : { model_providers: providers }),
    mcp_servers: { [SENTRY_MCP_SERVER]: sentryMcpServer(input) }
  }
}

/** config.toml's text (smol-toml puts every plain key before the first table). */
export function codexConfigToml(input: CodexConfigInput): string {
  return stringify(codexConfig(input))
}
