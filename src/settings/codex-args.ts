// The `codex-args` input: split like a shell would split words (quotes, backslashes; no expansion, nothing is run),
// then let through only what is known to be safe: four options of `codex exec`, and through -c/--config only settings
// of the model's side. Everything else is refused with the reason. A list of known-bad arguments is the wrong shape:
// a setting's name does not say what it opens up (`projects.<dir>.trust_level` is --trust, `notify` runs a program
// outside the sandbox), and every Codex release adds settings.
//
// Verified on codex 0.171.0: clap takes an option's value as `-c v`, `-cv`, `-c=v`, `--config v` and `--config=v`,
// refuses a value word that starts with '-', a repeated single-valued option, and an abbreviated long option; codex
// cuts a -c argument at its first '=', trims the key and splits it at every '.', taking quotes literally
// (`"model_verbosity"` is an unknown field). With --strict-config, which the action passes, an unknown -c key stops
// codex, and a value of the wrong type names the key: that is how each key below was checked.
import { CUSTOM_PROVIDER_ID } from '../domain/codex-config.js'
import { accept, reject, shown, type Verdict } from './fields.js'

const NAME = 'codex-args'

/** Splits text into words with POSIX-shell quoting rules, without any expansion. */
export function shellWords(text: string): Verdict<string[]> {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: "'" | '"' | null = null
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i)
    const next = text.charAt(i + 1)
    if (quote === "'") {
      if (c === "'") quote = null
      else word += c
    } else if (quote === '"') {
      if (c === '"') quote = null
      else if (c === '\\' && '"\\$`'.includes(next) && next !== '') word += text.charAt(++i)
      else word += c
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else if (c === '\\' && next === '\n') {
      i++ // a line continuation, as in a shell
    } else {
      inWord = true
      if (c === "'" || c === '"') quote = c
      else if (c === '\\' && next !== '') word += text.charAt(++i)
      else word += c
    }
  }
  if (quote !== null) {
    return reject(
      `Input '${NAME}' has an unclosed ${quote} quote: close it, or escape the quote with a backslash.`
    )
  }
  if (inWord) words.push(word)
  return accept(words)
}

// ------------------------------------------------------------------------------------------------- -c settings

/** Top-level settings -c may override: how the model reasons and answers, and how much context it keeps. */
const MODEL_KEYS = [
  'model',
  'model_reasoning_effort',
  'model_reasoning_summary',
  'model_verbosity',
  'model_context_window',
  'model_auto_compact_token_limit',
  'hide_agent_reasoning',
  'show_raw_agent_reasoning'
]
/** Timeouts and retries of the provider the action writes for `openai-base-url` (codex refuses them for `openai`). */
const PROVIDER_KEYS = ['stream_idle_timeout_ms', 'request_max_retries', 'stream_max_retries']

/**
 * Every key -c may set, spelled as codex reads it. None can run a program, reach the network, name a path, or change
 * the sandbox, approvals, trust, the shell's environment, MCP servers, the provider's address or key, tools or
 * features; each is a scalar, so a table given as its value is a type error, not a way into other settings.
 */
export const CODEX_CONFIG_KEYS: readonly string[] = [
  ...MODEL_KEYS,
  ...PROVIDER_KEYS.map(key => `model_providers.${CUSTOM_PROVIDER_ID}.${key}`)
]

const CONFIG_KEYS_SHOWN = `${MODEL_KEYS.join(', ')} and, with openai-base-url, model_providers.${CUSTOM_PROVIDER_ID}.{${PROVIDER_KEYS.join(', ')}}`

const SANDBOX_WHY =
  "the action relies on Codex's sandbox to keep the agent off the network and away from the job's credentials"
const UNTRUSTED = 'the worktree holds code the agent edits; it must stay untrusted'
const WRITTEN_BY_ACTION =
  "the action writes that part of Codex's configuration itself (sandbox, shell environment, MCP server, model provider, web search) and an override could hand the agent a credential or the network"
const FEATURES_WHY = `Codex's features include its sandbox's own (use_legacy_landlock) and tools that reach the network, and ${SANDBOX_WHY}`
const RUNS_A_PROGRAM = "it runs a program outside the sandbox, with the job's credentials in its environment"

/** Why a setting is refused, by its first segment; others get CONFIG_WHY_OTHER. */
const CONFIG_WHY = new Map([
  ...['sandbox_mode', 'sandbox_workspace_write', 'approval_policy', 'permissions', 'default_permissions'].map(
    key => [key, SANDBOX_WHY] as const
  ),
  ...['features', 'use_legacy_landlock'].map(key => [key, FEATURES_WHY] as const),
  ['projects', `trusting a directory does what --trust does, and ${UNTRUSTED}`],
  ['notify', RUNS_A_PROGRAM],
  ['hooks', RUNS_A_PROGRAM],
  ['shell_environment_policy', "it decides which of the job's credentials the agent's commands can see"],
  ...['mcp_servers', 'model_provider', 'model_providers', 'web_search', 'tools', 'profile', 'profiles'].map(
    key => [key, WRITTEN_BY_ACTION] as const
  )
])
const CONFIG_WHY_OTHER =
  'the action lets through only settings it has checked cannot run a program, reach the network or loosen the sandbox'

/**
 * A dotted TOML key's segments, quoted segments unquoted (`projects."/w".trust_level` -> projects, /w, trust_level),
 * or null when the text is not a dotted key.
 */
export function tomlKeyPath(key: string): string[] | null {
  const segment = /[ \t]*(?:([\w-]+)|"((?:[^"\\]|\\.)*)"|'([^']*)')[ \t]*(\.|$)/y
  const path: string[] = []
  for (;;) {
    const match = segment.exec(key)
    if (match === null) return null
    const [, bare, basic, literal, dot] = match
    const name = bare ?? literal ?? (basic === undefined ? null : unescapeBasic(basic))
    if (name === null) return null
    path.push(name)
    if (dot === '') return path
  }
}

function unescapeBasic(text: string): string | null {
  try {
    return JSON.parse(`"${text}"`) as string
  } catch {
    return null // an escape JSON and TOML disagree on, or a control character: not a key the filter can read
  }
}

const sameSegments = (a: string[], b: string[]): boolean =>
  a.length === b.length && a.every((segment, i) => segment === b[i])

/** What is wrong with `-c <setting>`, or null when it sets a key of CODEX_CONFIG_KEYS. */
function configProblem(setting: string): string | null {
  const eq = setting.indexOf('=')
  const key = setting.slice(0, Math.max(eq, 0)).trim()
  if (eq < 0 || key === '') {
    return `Input '${NAME}' has -c ${shown(setting)}, which is not key=value: write it like -c model_verbosity="low".`
  }
  if (CODEX_CONFIG_KEYS.includes(key)) return null
  const path = tomlKeyPath(key)
  const same = path && CODEX_CONFIG_KEYS.find(allowed => sameSegments(allowed.split('.'), path))
  if (same) {
    return `Input '${NAME}' sets ${shown(key)} through -c: write the key as ${same}, without quotes or spaces; codex reads a -c key literally.`
  }
  // a key that is not a dotted TOML key is named by its first segment as codex reads it (split at '.')
  const first = path?.[0] ?? key.split('.')[0]!.trim()
  const named = /^[\w./-]{1,60}$/.test(key) ? key : shown(key)
  return `Input '${NAME}' sets ${named} through -c, which is not one of the settings it may override (${CONFIG_KEYS_SHOWN}): remove it; ${CONFIG_WHY.get(first) ?? CONFIG_WHY_OTHER}.`
}

// ------------------------------------------------------------------------------------------------- options

interface AllowedOption {
  short?: string
  long: string
  /** shown when the value is missing */
  example: string
  /** whether codex takes it more than once (clap refuses a repeated single-valued option) */
  repeatable?: boolean
  /** what is wrong with its value, or null */
  check?: (value: string, flag: string) => string | null
}

function oneOf(values: readonly string[]) {
  return (value: string, flag: string): string | null =>
    values.includes(value)
      ? null
      : `Input '${NAME}' has ${flag} ${shown(value)}: write one of ${values.join(', ')}.`
}

/** The options codex-args may pass. */
const ALLOWED_OPTIONS: readonly AllowedOption[] = [
  {
    short: '-c',
    long: '--config',
    example: '-c model_verbosity="low"',
    repeatable: true,
    check: configProblem
  },
  { short: '-m', long: '--model', example: '-m gpt-5.5' },
  {
    short: '-s',
    long: '--sandbox',
    example: '-s read-only',
    check: (value, flag) =>
      value === 'danger-full-access'
        ? `Input '${NAME}' asks for the danger-full-access sandbox: remove it; ${SANDBOX_WHY}.`
        : oneOf(['read-only', 'workspace-write'])(value, flag)
  },
  { long: '--color', example: '--color never', check: oneOf(['always', 'never', 'auto']) }
]

const OPTIONS_SHOWN = ALLOWED_OPTIONS.map(o =>
  o.short === undefined ? o.long : `${o.short}/${o.long}`
).join(', ')

/**
 * Options of `codex exec` 0.171 that are refused with a reason of their own, and whether each takes a value (so that
 * the value is not taken for a word of its own). Any other option is refused too, with the list of allowed ones.
 */
const REFUSED_OPTIONS = new Map(
  (
    [
      [
        ['--dangerously-bypass-approvals-and-sandbox', '--yolo'],
        false,
        `it turns the sandbox off, and ${SANDBOX_WHY}`
      ],
      [
        ['-C', '--cd'],
        true,
        'the action runs Codex in the worktree it made for each issue, and a different directory would put the agent outside it'
      ],
      [
        ['--add-dir'],
        true,
        'it makes another directory writable to the agent, outside the worktree the action checks'
      ],
      [
        ['--worktree'],
        false,
        'it moves the session into a worktree Codex makes, outside the one the action checks'
      ],
      [['--trust'], false, UNTRUSTED],
      [
        ['--dangerously-bypass-hook-trust'],
        false,
        'it runs hooks from the repository, which the agent may have written'
      ],
      [
        ['--ignore-user-config'],
        false,
        'it drops the configuration the action writes (sandbox, environment policy, MCP server)'
      ],
      [['--enable', '--disable'], true, FEATURES_WHY],
      [
        ['--approve-for-me'],
        false,
        'it hands approval requests to an automatic reviewer, and the action lets no command out of the sandbox (approval_policy never)'
      ],
      [['--remote'], true, "it runs the session on another Codex server, outside this runner's sandbox"],
      [
        ['--remote-auth-token-env'],
        true,
        'it sends the token in one of the variables of the job to a remote server'
      ],
      [['--oss'], false, WRITTEN_BY_ACTION],
      [['--local-provider'], true, WRITTEN_BY_ACTION],
      [['-p', '--profile'], true, 'it layers another configuration file over the one the action writes'],
      [['-i', '--image'], true, 'it sends a file of the runner to the model, read outside the sandbox'],
      [
        ['--json', '--skip-git-repo-check', '--strict-config'],
        false,
        'the action passes it already, and codex refuses it twice'
      ],
      [
        ['-o', '--output-last-message', '--output-schema'],
        true,
        "the action passes it already, to read the agent's answer"
      ],
      [
        ['-h', '--help', '-V', '--version'],
        false,
        'Codex would print it and stop without looking at the issue'
      ],
      [['--thread-source', '--cyber-access-program'], true, null]
    ] satisfies [string[], boolean, string | null][]
  ).flatMap(([spellings, takesValue, why]) => spellings.map(flag => [flag, { takesValue, why }] as const))
)

/** `--name=value` -> --name and value; `-xvalue` and `-x=value` -> -x and value (clap's spellings). */
function splitOption(word: string): { flag: string; attached: string | null } {
  if (word.startsWith('--')) {
    const eq = word.indexOf('=')
    return eq < 0 ? { flag: word, attached: null } : { flag: word.slice(0, eq), attached: word.slice(eq + 1) }
  }
  const rest = word.slice(2)
  return { flag: word.slice(0, 2), attached: rest === '' ? null : rest.replace(/^=/, '') }
}

function argumentProblems(words: string[]): string[] {
  const problems: string[] = []
  const given = new Set<string>()
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!
    if (word === '--') {
      problems.push(
        `Input '${NAME}' contains --, after which codex reads every word as the prompt: remove it; the action gives Codex its prompt on stdin.`
      )
      break
    }
    if (!word.startsWith('-') || word === '-') {
      problems.push(
        `Input '${NAME}' contains ${shown(word)}, which is not an option: remove it; the action gives Codex its prompt on stdin, and a word on its own would be read as the prompt or a subcommand (resume, fork, review).`
      )
      continue
    }
    const { flag, attached } = splitOption(word)
    const next = words[i + 1]
    // clap takes the next word as the value unless it looks like an option
    const separate = attached === null && next !== undefined && !next.startsWith('-') ? next : null

    const allowed = ALLOWED_OPTIONS.find(o => o.short === flag || o.long === flag)
    if (allowed !== undefined) {
      const value = attached ?? separate
      if (separate !== null) i++
      if (value === null) {
        problems.push(`Input '${NAME}' has ${flag} without a value: write it as ${allowed.example}.`)
      } else if (!allowed.repeatable && given.has(allowed.long)) {
        problems.push(
          `Input '${NAME}' gives ${allowed.long} more than once: keep one; codex refuses a repeated one.`
        )
      } else {
        given.add(allowed.long)
        const problem = allowed.check?.(value, flag) ?? null
        if (problem !== null) problems.push(problem)
      }
      continue
    }

    const refused = REFUSED_OPTIONS.get(flag)
    if (refused?.takesValue && separate !== null) i++
    problems.push(
      refused?.why
        ? `Input '${NAME}' contains ${flag}: remove it; ${refused.why}.`
        : `Input '${NAME}' contains ${flag}, which is not one of the options it may pass (${OPTIONS_SHOWN}): remove it.`
    )
  }
  return problems
}

export function codexArgs(value: string): Verdict<string[]> {
  const split = shellWords(value)
  if (!split.ok) return split
  const problems = argumentProblems(split.value)
  return problems.length > 0 ? reject(...problems) : split
}
