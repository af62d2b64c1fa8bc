// The `codex-args` input: split like a shell would split words (quotes, backslashes; no expansion, nothing is run),
// then refuse the arguments that would undo what the action relies on: Codex's sandbox, and the working directory
// the action chooses (the worktree).
import { accept, reject, shown, type Verdict } from './settings-fields.js'

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

/**
 * The value given to an option at words[i], in any spelling clap accepts: `-s v`, `-sv`, `-s=v`, `--sandbox v`,
 * `--sandbox=v`. null when words[i] is not that option.
 */
function optionValue(words: string[], i: number, short: string, long: string): string | null {
  const word = words[i] ?? ''
  if (word === short || word === long) return words[i + 1] ?? ''
  if (word.startsWith(`${long}=`)) return word.slice(long.length + 1)
  if (word.startsWith(short) && !word.startsWith('--')) return word.slice(short.length).replace(/^=/, '')
  return null
}

const SANDBOX_WHY =
  "the action relies on Codex's sandbox to keep the agent off the network and away from the job's credentials"

/** Configuration keys the action owns: an override would weaken the sandbox or expose a secret. */
const PROTECTED_KEYS =
  /^(sandbox_workspace_write|shell_environment_policy|mcp_servers|model_providers|model_provider|approval_policy|web_search|features\.plugins|analytics)\b/

const REFUSED_FLAGS = new Map([
  ['--add-dir', 'it makes another directory writable to the agent, outside the worktree the action checks'],
  ['--dangerously-bypass-hook-trust', 'it runs hooks from the repository, which the agent may have written'],
  [
    '--ignore-user-config',
    'it drops the configuration the action writes (sandbox, environment policy, MCP server)'
  ],
  ['--trust', 'the worktree holds code the agent edits; it must stay untrusted']
])

function argumentProblems(words: string[]): string[] {
  const problems: string[] = []
  words.forEach((word, i) => {
    if (word === '--dangerously-bypass-approvals-and-sandbox' || word === '--yolo') {
      problems.push(
        `Input '${NAME}' contains ${word}, which turns the sandbox off: remove it; ${SANDBOX_WHY}.`
      )
    }
    if (optionValue(words, i, '-s', '--sandbox') === 'danger-full-access') {
      problems.push(`Input '${NAME}' asks for the danger-full-access sandbox: remove it; ${SANDBOX_WHY}.`)
    }
    const config = optionValue(words, i, '-c', '--config')
    if (config?.includes('danger-full-access')) {
      problems.push(`Input '${NAME}' sets ${shown(config)} through -c: remove it; ${SANDBOX_WHY}.`)
    } else if (config !== null && PROTECTED_KEYS.test(config.trim())) {
      problems.push(
        `Input '${NAME}' overrides ${shown(config.split('=')[0]!.trim())} through -c: remove it; the action writes that part of Codex's configuration itself (sandbox, shell environment, MCP server, model provider) and an override could hand the agent a credential or the network.`
      )
    }
    if (REFUSED_FLAGS.has(word.split('=')[0]!)) {
      problems.push(
        `Input '${NAME}' contains ${word.split('=')[0]}: remove it; ${REFUSED_FLAGS.get(word.split('=')[0]!)}.`
      )
    }
    if (optionValue(words, i, '-C', '--cd') !== null) {
      problems.push(
        `Input '${NAME}' contains ${word.startsWith('--') ? '--cd' : '-C'}: remove it; the action runs Codex in the worktree it made for each issue, and a different directory would put the agent outside it.`
      )
    }
  })
  return problems
}

export function codexArgs(value: string): Verdict<string[]> {
  const split = shellWords(value)
  if (!split.ok) return split
  const problems = argumentProblems(split.value)
  return problems.length > 0 ? reject(...problems) : split
}
