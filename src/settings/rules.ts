// Hand-written rules for the inputs whose shape a single zod check cannot express: hosts and URLs, git ref names,
// globs, Sentry's query and period syntax, lists, and token prices. Each is a pure function of the trimmed input value.
import picomatch from 'picomatch'
import type { TokenPrices } from '../domain/cost.js'
import { accept, emptyMessage, reject, shown, type Verdict } from './fields.js'

// ---------- lists ----------

/** Splits on commas and newlines, trims, drops empty entries. */
export function splitList(value: string): string[] {
  return value
    .split(/[,\n]/)
    .map(entry => entry.trim())
    .filter(entry => entry !== '')
}

/** Like splitList, but a comma inside `{...}` or `[...]` belongs to a glob (`**\/*.{pem,key}`), not the list. */
function splitGlobs(value: string): string[] {
  const entries: string[] = []
  let entry = ''
  let depth = 0
  for (const c of value) {
    if (c === '{' || c === '[') depth++
    if ((c === '}' || c === ']') && depth > 0) depth--
    if ((c === ',' && depth === 0) || c === '\n') {
      entries.push(entry)
      entry = ''
      depth = 0 // a line ends an entry, even one with a bracket left open (reported as such)
    } else {
      entry += c
    }
  }
  entries.push(entry)
  return entries.map(e => e.trim()).filter(e => e !== '')
}

const unique = <T>(values: T[]): T[] => [...new Set(values)]

// ---------- Sentry ----------

const SLUG = /^[a-z0-9_-]+$/
const SLUG_FIX = "lower-case letters, digits, '_' and '-', as in the address of the page in Sentry"

export function sentryOrg(value: string): Verdict<string> {
  if (value === '') return reject(`Input 'sentry-org' is required: set it to your Sentry organisation slug.`)
  if (!SLUG.test(value)) {
    return reject(
      `Input 'sentry-org' is not a Sentry slug (got ${shown(value)}): use the organisation's slug, ${SLUG_FIX}.`
    )
  }
  return accept(value)
}

export function sentryProjects(value: string): Verdict<string[]> {
  const slugs = unique(splitList(value))
  if (slugs.length === 0) {
    return reject(
      `Input 'sentry-project' is required: set it to one or more Sentry project slugs, e.g. payments-api.`
    )
  }
  const bad = slugs.filter(slug => !SLUG.test(slug))
  if (bad.length > 0) {
    return reject(
      `Input 'sentry-project' has ${bad.length === 1 ? 'a value that is not a slug' : 'values that are not slugs'} (${bad.map(shown).join(', ')}): use project slugs, ${SLUG_FIX}, separated by commas or newlines.`
    )
  }
  return accept(slugs)
}

export interface SentryEndpoint {
  host: string
  baseUrl: string
  insecureHttp: boolean
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/
const DNS_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/

/** Why `hostname[:port]` is not one, or null. */
function hostPortProblem(value: string): string | null {
  if (value.includes('@')) return 'it contains user info (@); the token authenticates, write only the host'
  if (value.includes('/')) return 'it contains a path; write only the host, as Sentry is served at its root'
  const match = HOST_PORT.exec(value)
  if (!match) return 'it is not a host name'
  const [, hostname = '', port] = match
  if (!hostname.startsWith('[') && !hostname.split('.').every(label => DNS_LABEL.test(label))) {
    return 'it is not a valid host name'
  }
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535))
    return 'its port is not between 1 and 65535'
  return null
}

const hostnameOf = (hostPort: string): string => (HOST_PORT.exec(hostPort)?.[1] ?? '').toLowerCase()

export function sentryHost(given: string): Verdict<SentryEndpoint> {
  const name = 'sentry-host'
  if (given === '') return reject(emptyMessage(name, 'a host name such as sentry.io or sentry.example.com'))
  const value = given.replace(/\/$/, '')
  // user info may hold a password: never quote such a value back
  const got = given.includes('@') ? 'value not shown: it has user info' : `got ${shown(given)}`
  const notBare = (problem: string) =>
    reject(`Input '${name}' must be a bare hostname[:port] (${got}): ${problem}.`)
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value)
  if (!scheme) {
    const problem = hostPortProblem(value)
    return problem
      ? notBare(problem)
      : accept({ host: value, baseUrl: `https://${value}`, insecureHttp: false })
  }
  const rest = value.slice(scheme[0].length)
  const protocol = scheme[1]?.toLowerCase()
  if (protocol === 'http' && LOOPBACK.has(hostnameOf(rest.split('/')[0] ?? ''))) {
    // Local sandboxes and tests only: nothing leaves the machine.
    const problem = hostPortProblem(rest)
    return problem ? notBare(problem) : accept({ host: rest, baseUrl: `http://${rest}`, insecureHttp: true })
  }
  const bare = shown(rest.replace(/^[^@/]*@/, '').split('/')[0] || 'sentry.example.com')
  if (protocol === 'http') {
    return reject(
      `Input '${name}' uses http:// for a host that is not this machine (${got}): the Sentry token would travel in clear text; write the bare host ${bare}, which is reached over https (plain http is accepted only for 127.0.0.1, localhost and [::1]).`
    )
  }
  return reject(
    `Input '${name}' must be a bare hostname[:port] without a scheme (${got}): drop '${scheme[0]}' and write ${bare}.`
  )
}

const PERIOD_SECONDS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 } as const
const MAX_PERIOD_DAYS = 90

export function statsPeriod(value: string): Verdict<string> {
  const name = 'stats-period'
  if (value === '') return reject(emptyMessage(name, 'a Sentry period such as 24h, 7d or 14d'))
  const match = /^([1-9][0-9]*)([smhdw])$/.exec(value)
  if (!match) {
    return reject(
      `Input '${name}' is not a Sentry period (got ${shown(value)}): write a whole number followed by s, m, h, d or w, such as 24h, 7d, 14d or 2w.`
    )
  }
  const seconds = Number(match[1]) * PERIOD_SECONDS[match[2] as keyof typeof PERIOD_SECONDS]
  if (seconds > MAX_PERIOD_DAYS * 86400) {
    return reject(
      `Input '${name}' is longer than ${MAX_PERIOD_DAYS} days (got ${shown(value)}): Sentry counts events over at most ${MAX_PERIOD_DAYS}d; use ${MAX_PERIOD_DAYS}d or less.`
    )
  }
  return accept(value)
}

export function sentryQuery(value: string): Verdict<string> {
  const name = 'sentry-query'
  if (value === '') return reject(emptyMessage(name, 'Sentry search terms such as is:unresolved'))
  // Quoted values are free text (message:"timeout (ECONNRESET) OR reset"), so only look outside them.
  const outsideQuotes = value.replace(/"(?:[^"\\]|\\.)*"/g, '""')
  const operator = /(?:^|\s)(OR|AND)(?=\s|$)/.exec(outsideQuotes)?.[1]
  const found = operator ?? (/[()]/.test(outsideQuotes) ? 'parentheses' : null)
  if (found !== null) {
    return reject(
      `Input '${name}' uses ${found} (got ${shown(value)}): Sentry issue search takes one query with no boolean operators (OR, AND) or parentheses, and already combines its terms with AND; run the action once per query instead (for example a matrix of queries), or list values of one key, as in level:[error,fatal].`
    )
  }
  return accept(value)
}

// ---------- model ----------

export function openaiBaseUrl(value: string): Verdict<string | null> {
  const name = 'openai-base-url'
  if (value === '') return accept(null)
  // The value is never quoted back: a URL given here may carry a key.
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return reject(`Input '${name}' is not an absolute URL: write one such as https://gateway.example.com/v1.`)
  }
  if (url.username !== '' || url.password !== '') {
    return reject(`Input '${name}' contains credentials: remove them; the key goes in openai-api-key.`)
  }
  if (url.search !== '' || url.hash !== '') {
    return reject(
      `Input '${name}' has a query or fragment: remove it; Codex appends /responses to the base URL.`
    )
  }
  const loopback = LOOPBACK.has(url.hostname.toLowerCase())
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    return reject(
      `Input '${name}' must be an https URL (plain http is accepted only for 127.0.0.1, localhost and [::1]): the model key would travel in clear text otherwise.`
    )
  }
  return accept(value.replace(/\/+$/, ''))
}

const SEMVER = /^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/

export function codexVersion(value: string): Verdict<string> {
  const name = 'codex-version'
  if (value === '') return reject(emptyMessage(name, 'an exact version such as 0.171.0'))
  if (!SEMVER.test(value)) {
    return reject(
      `Input '${name}' is not an exact version (got ${shown(value)}): pin an exact version such as 0.171.0; a range or a tag such as latest would install whatever Codex is newest, which the action was not tested with.`
    )
  }
  return accept(value)
}

// ---------- policy ----------

/** The first `[` or `{` left open (escapes respected), or null. */
function unclosedBracket(glob: string): string | null {
  const open: string[] = []
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charAt(i)
    if (c === '\\') i++
    else if (c === '[' || c === '{') open.push(c)
    else if ((c === ']' && open.at(-1) === '[') || (c === '}' && open.at(-1) === '{')) open.pop()
  }
  return open[0] ?? null
}

function globProblem(glob: string): string | null {
  if (/^(?:\/|\\|[A-Za-z]:[\\/])/.test(glob))
    return 'it is absolute; write it relative to the repository root'
  if (glob.split('/').includes('..')) return "it has a '..' segment; write it relative to the repository root"
  const unclosed = unclosedBracket(glob)
  if (unclosed) return `its '${unclosed}' is not closed; close it, or escape it as '\\${unclosed}'`
  try {
    picomatch.makeRe(glob, { strictBrackets: true, dot: true })
  } catch (error) {
    return `it does not compile (${error instanceof Error ? error.message : String(error)}); fix the pattern`
  }
  return null
}

function globList(name: string, value: string): Verdict<string[]> {
  const globs: string[] = []
  const problems: string[] = []
  for (const entry of splitGlobs(value)) {
    const glob = entry.replace(/^\.\//, '') // changed paths are matched without a leading ./
    const problem = globProblem(glob)
    if (problem) problems.push(`Input '${name}' has an invalid glob ${shown(entry)}: ${problem}.`)
    else globs.push(glob)
  }
  return problems.length > 0 ? reject(...problems) : accept(unique(globs))
}

export const denyPaths = (value: string): Verdict<string[]> => globList('deny-paths', value)

// ---------- reproduction ----------

export function testPaths(value: string): Verdict<string[]> {
  const name = 'test-paths'
  const verdict = globList(name, value)
  if (verdict.ok && verdict.value.length === 0) {
    return reject(
      emptyMessage(
        name,
        'globs of your test files (comma or newline separated) such as **/test/**, **/*.test.*'
      )
    )
  }
  return verdict
}

// ---------- budgets ----------

const PRICE_KEYS = ['input', 'cached-input', 'output'] as const
type PriceKey = (typeof PRICE_KEYS)[number]
const isPriceKey = (key: string): key is PriceKey => (PRICE_KEYS as readonly string[]).includes(key)
const PRICES_EXAMPLE = 'input=1.25, cached-input=0.125, output=10'

/** `input=1.25, cached-input=0.125, output=10` (USD per million tokens); empty: no cost is computed (null). */
export function tokenPrices(value: string): Verdict<TokenPrices | null> {
  const name = 'token-prices'
  if (value === '') return accept(null)
  const given: Partial<Record<PriceKey, number>> = {}
  const problems: string[] = []
  for (const entry of splitList(value)) {
    const match = /^([^=\s]+)\s*=\s*(.*)$/.exec(entry)
    if (!match) {
      problems.push(
        `Input '${name}' has an entry that is not key=value (got ${shown(entry)}): write prices in USD per million tokens, such as ${PRICES_EXAMPLE}.`
      )
      continue
    }
    const [, key = '', price = ''] = match
    if (!isPriceKey(key)) {
      problems.push(
        `Input '${name}' has an unknown key ${shown(key)}: use input, cached-input and output, such as ${PRICES_EXAMPLE}.`
      )
    } else if (given[key] !== undefined) {
      problems.push(`Input '${name}' gives ${key} twice: give each price once.`)
    } else if (!/^\d+(?:\.\d+)?$/.test(price)) {
      problems.push(
        `Input '${name}' has a price that is not a number (got ${key}=${shown(price)}): write USD per million tokens as digits with an optional decimal point, such as ${key}=1.25.`
      )
    } else {
      given[key] = Number(price)
    }
  }
  const missing = (['input', 'output'] as const).filter(key => given[key] === undefined)
  if (problems.length === 0 && missing.length > 0) {
    problems.push(
      `Input '${name}' has no ${missing.join(' and ')} price: give input and output (cached-input is optional and defaults to the input price), such as ${PRICES_EXAMPLE}.`
    )
  }
  if (problems.length > 0) return reject(...problems)
  const input = given.input!
  return accept({ input, cachedInput: given['cached-input'] ?? input, output: given.output! })
}

// ---------- git and pull requests ----------

/** Why a name breaks `git check-ref-format` (as a branch, or the start of one), or null. */
function refProblem(ref: string, { prefix }: { prefix: boolean }): string | null {
  const forbidden = /[\s\p{Cc}~^:?*[\\]/u.exec(ref)?.[0]
  if (forbidden !== undefined) return `it contains ${shown(forbidden)}`
  for (const sequence of ['..', '@{', '//']) if (ref.includes(sequence)) return `it contains '${sequence}'`
  if (ref.startsWith('/') || ref.startsWith('-')) return `it starts with '${ref.charAt(0)}'`
  if (ref.endsWith('.lock') || ref.endsWith('.')) return `it ends with '${ref.endsWith('.') ? '.' : '.lock'}'`
  if (!prefix && ref.endsWith('/')) return "it ends with '/'"
  if (ref === '@') return "it is '@'"
  const parts = ref.split('/')
  if (parts.some(part => part.startsWith('.'))) return "a part of it starts with '.'"
  if (parts.some(part => part.endsWith('.lock'))) return "a part of it ends with '.lock'"
  return null
}

export function branchPrefix(value: string): Verdict<string> {
  const name = 'branch-prefix'
  if (value === '') return reject(emptyMessage(name, 'the start of a branch name such as fix/sentry-'))
  if (value.length > 100)
    return reject(`Input '${name}' is ${value.length} characters long: shorten it to at most 100.`)
  const problem = refProblem(value, { prefix: true })
  if (problem) {
    return reject(
      `Input '${name}' cannot start a git branch name (got ${shown(value)}): ${problem}; use letters, digits, '-', '_', '.' and '/', such as fix/sentry-.`
    )
  }
  return accept(value)
}

export function baseBranch(value: string): Verdict<string | null> {
  if (value === '') return accept(null)
  const branch = value.replace(/^refs\/heads\//, '') // the API and git both want the short name
  const problem = branch === '' ? 'it is empty' : refProblem(branch, { prefix: false })
  if (problem) {
    return reject(
      `Input 'base-branch' is not a valid git branch name (got ${shown(value)}): ${problem}; write the branch name, such as main, or leave it empty for the repository's default branch.`
    )
  }
  return accept(branch)
}

const LABEL_MAX = 50 // GitHub's limit

export function labels(value: string): Verdict<string[]> {
  const all = unique(splitList(value))
  const long = all.filter(label => label.length > LABEL_MAX)
  if (long.length > 0) {
    return reject(
      `Input 'labels' has labels longer than ${LABEL_MAX} characters (${long.map(shown).join(', ')}): shorten them; GitHub refuses longer labels.`
    )
  }
  return accept(all)
}

const LOGIN = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/
const TEAM_SLUG = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/

export function reviewers(value: string): Verdict<{ users: string[]; teams: string[] }> {
  const users: string[] = []
  const teams: string[] = []
  const bad: string[] = []
  for (const entry of splitList(value)) {
    const reviewer = entry.replace(/^@/, '') // people write @login; GitHub wants login
    const [owner = '', team, ...more] = reviewer.split('/')
    if (team === undefined && LOGIN.test(owner)) users.push(owner)
    else if (team !== undefined && more.length === 0 && LOGIN.test(owner) && TEAM_SLUG.test(team))
      teams.push(team)
    else bad.push(entry)
  }
  if (bad.length > 0) {
    return reject(
      `Input 'reviewers' has entries that are neither a GitHub login nor org/team (${bad.map(shown).join(', ')}): write logins such as octocat and teams such as my-org/backend, separated by commas or newlines.`
    )
  }
  const distinct = (names: string[]) =>
    names.filter((n, i) => names.findIndex(m => m.toLowerCase() === n.toLowerCase()) === i)
  return accept({ users: distinct(users), teams: distinct(teams) })
}

// ---------- artifact ----------

const ARTIFACT_FORBIDDEN = /[":<>|*?\\/\r\n]/

export function artifactName(value: string): Verdict<string> {
  const name = 'artifact-name'
  if (value === '') return reject(emptyMessage(name, 'an artifact name such as sentry-triage'))
  const forbidden = ARTIFACT_FORBIDDEN.exec(value)?.[0]
  if (forbidden !== undefined) {
    return reject(
      `Input '${name}' contains ${shown(forbidden)} (got ${shown(value)}): artifact names may not contain " : < > | * ? \\ / or line breaks; remove it.`
    )
  }
  if (value.length > 200)
    return reject(`Input '${name}' is ${value.length} characters long: shorten it to at most 200.`)
  return accept(value)
}

// ---------- fan-out ----------

/** A Sentry short ID: the project's prefix, a hyphen, and a base-36 counter (PAYMENTS-API-4521). */
export const SHORT_ID = /^[A-Za-z0-9_][A-Za-z0-9_-]*-[0-9A-Za-z]+$/
