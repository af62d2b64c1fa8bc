// Pure: the commit message, PR title and PR body of a fix. Every text from Sentry or the model is attacker-controlled
// (Sentry DSNs are public, the model reads event text): it is stripped of invisible characters, HTML-escaped, its
// Markdown links/images, @mentions and GitHub references (#N, owner/repo#N, GH-N, owner/repo@sha, issue, PR,
// discussion and commit URLs: domain/github-references.ts) defused, its closing keywords defused, and capped, by the
// escapers of domain/markdown.ts. Only the action's own values (Sentry ids, branch, run URL, action SHA, the pushed
// commit's SHA) reach the machine-readable trailer, which the fix-quality ledger (domain/ledger.ts) reads back. The
// action's own links (the Sentry permalink, the regressed-from PR, the run) are written by this module around the
// inert text, never through it.
import type { SentryFixResult } from '../schemas/agent-result.js'
import type { IssueFacts, MeasuredTests } from '../schemas/summary.js'
import type { Reproduction } from './reproduction.js'
import { defuseClosingKeywords, defuseMentions, defuseReferences } from './github-references.js'
import { codeBlock, codeSpan, inertCell, inertProse, inertText, markdownLink, safeUrl } from './markdown.js'
import { cap, oneLine, stripInvisible } from './text.js'

/** GitHub rejects PR bodies over 65,536 characters; stay well under it (UTF-16 units, so never under-counted). */
export const PR_BODY_MAX = 65_000
export const SUBJECT_MAX = 100
export const TRAILER_TAG = 'sentry-codex-triage'

const ROOT_CAUSE_COMMIT_MAX = 500
const ROOT_CAUSE_MAX = 4_000
const SUMMARY_MAX = 300
const TITLE_MAX = 200
const PATH_MAX = 200
const COMMAND_MAX = 200
const TRUNCATED = '*(truncated)*'

export interface CommitInput {
  shortId: string
  summary: string
  rootCause: string
  permalink: string
}

export interface FileChange {
  path: string
  additions: number
  deletions: number
}

export interface PrBodyInput {
  issue: IssueFacts
  result: SentryFixResult
  filesChanged: FileChange[]
  /** The test result as the action measured it; null when no test-command is configured. */
  tests: MeasuredTests | null
  /** The reproduction run's verdict; null when no test-command is configured. */
  reproduction?: Reproduction | null
  /** the fix's tokens (input + output) and, with token-prices, its cost: the ledger's cost per accepted fix */
  spend?: { tokens: number; cost_usd: number | null } | null
  /** The earlier fix PR of this issue that did not hold (the issue was seen after it merged). */
  regressedFrom: { number: number; url: string } | null
  runUrl: string
  actionSha: string | null
  /** the fix branch the action pushed */
  branch: string
  /** the SHA of the fix commit the action pushed (the fix-quality ledger compares the merged PR's commits to it) */
  commitSha: string | null
}

/**
 * The machine-readable trailer at the end of every PR body the action opens: how the fix-quality ledger recognises
 * the action's PRs later. `branch` and `commit` were added with the ledger: a trailer written before has neither,
 * and reads back with both null.
 */
export interface PrTrailer {
  issue_id: string
  short_id: string
  /** the head branch the action pushed; null in a trailer written before the ledger existed */
  branch: string | null
  run: string
  /** the action's own version (commit SHA), null when unknown */
  action_sha: string | null
  /** the fix commit the action pushed; null in a trailer written before the ledger existed */
  commit: string | null
  /** the reproduction verdict; null (or absent) when unknown, and in a trailer written before it existed */
  reproduced?: boolean | null
  /** the fix's tokens (input + output) and cost in USD; null (or absent) when unknown (older trailers, no prices) */
  tokens?: number | null
  cost_usd?: number | null
}

// ---------------------------------------------------------------------------------------------------------------
// Untrusted text

/** Where the tests and earlier callers import it from; it lives with the other GitHub defusers. */
export { defuseClosingKeywords }

/**
 * Untrusted text as one line of plain text (a commit message, a PR title): no closing keyword, mention or GitHub
 * reference. Invisible characters are removed first, so none can split a keyword, a mention or a reference that
 * oneLine would then join up again.
 */
function plainText(text: string, max: number): string {
  return oneLine(defuseReferences(defuseMentions(defuseClosingKeywords(stripInvisible(text)))), max)
}

function dateCell(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime())
    ? inertCell(iso, 40)
    : date.toISOString().slice(0, 16).replace('T', ' ') + ' UTC'
}

// ---------------------------------------------------------------------------------------------------------------
// Commit message and title

/** `fix: resolve <SHORTID> — <summary>`, at most 100 characters. The keyword resolves the Sentry issue on release. */
export function commitSubject(input: { shortId: string; summary: string }): string {
  const prefix = `fix: resolve ${oneLine(input.shortId, 60)}`
  const room = SUBJECT_MAX - Array.from(prefix).length - 3
  const summary = room > 1 ? plainText(input.summary, room) : ''
  return summary === '' ? cap(prefix, SUBJECT_MAX) : `${prefix} — ${summary}`
}

function wrap(text: string, width: number): string {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line === '' ? word : `${line} ${word}`
  }
  if (line !== '') lines.push(line)
  return lines.join('\n')
}

/**
 * Subject, blank line, the root cause (one paragraph, wrapped at 72), and the Sentry link. The last line has a space
 * before its colon, so git reads no trailer in it, and no model text is in the last paragraph.
 */
export function commitMessage(input: CommitInput): string {
  const subject = commitSubject(input)
  const rootCause = plainText(input.rootCause, ROOT_CAUSE_COMMIT_MAX)
  const paragraphs = [subject]
  if (rootCause !== '') paragraphs.push(wrap(rootCause, 72))
  const url = safeUrl(input.permalink)
  if (url) paragraphs.push(`Sentry issue ${oneLine(input.shortId, 60)} at ${url}`)
  return paragraphs.join('\n\n') + '\n'
}

/** The PR title is the commit subject. */
export function prTitle(input: { shortId: string; summary: string }): string {
  return commitSubject(input)
}

// ---------------------------------------------------------------------------------------------------------------
// PR body

interface Limits {
  logTail: number
  notes: number
  fileRows: number
}

// Shortened in stages until the body fits: the log tail first, then the notes, then the rows of the files table.
const STAGES: Limits[] = [
  { logTail: 6_000, notes: 12_000, fileRows: 200 },
  { logTail: 1_500, notes: 12_000, fileRows: 200 },
  { logTail: 0, notes: 12_000, fileRows: 200 },
  { logTail: 0, notes: 3_000, fileRows: 200 },
  { logTail: 0, notes: 500, fileRows: 200 },
  { logTail: 0, notes: 500, fileRows: 50 },
  { logTail: 0, notes: 500, fileRows: 10 }
]

/** The machine-readable trailer: trusted values only, as JSON that cannot close the HTML comment. */
export function prTrailer(trailer: PrTrailer): string {
  const json = JSON.stringify({
    issue_id: trailer.issue_id,
    short_id: trailer.short_id,
    branch: trailer.branch,
    run: trailer.run,
    action_sha: trailer.action_sha,
    commit: trailer.commit,
    reproduced: trailer.reproduced ?? null,
    tokens: trailer.tokens ?? null,
    cost_usd: trailer.cost_usd ?? null
  }).replace(/[<>&-]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return `<!-- ${TRAILER_TAG}: ${json} -->`
}

/**
 * Reads the trailer back from a PR body this action wrote, or null. `branch` and `commit` may be absent (a trailer
 * written before the ledger existed): they read as null. A field of the wrong type makes the whole trailer unreadable.
 */
export function readPrTrailer(body: string): PrTrailer | null {
  const match = /<!-- sentry-codex-triage: (\{[^\n]*\}) -->\s*$/.exec(body)
  if (!match) return null
  try {
    const value = JSON.parse(match[1] ?? '') as unknown
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
    const {
      issue_id,
      short_id,
      branch = null,
      run,
      action_sha,
      commit = null,
      reproduced = null,
      tokens = null,
      cost_usd = null
    } = value as Record<string, unknown>
    if (typeof issue_id !== 'string' || typeof short_id !== 'string' || typeof run !== 'string') return null
    const orNull = (field: unknown): field is string | null => field === null || typeof field === 'string'
    if (!orNull(action_sha) || !orNull(branch) || !orNull(commit)) return null
    if (reproduced !== null && typeof reproduced !== 'boolean') return null
    const amount = (field: unknown): field is number | null =>
      field === null || (typeof field === 'number' && Number.isFinite(field) && field >= 0)
    if (!amount(tokens) || !amount(cost_usd)) return null
    return { issue_id, short_id, branch, run, action_sha, commit, reproduced, tokens, cost_usd }
  } catch {
    return null
  }
}

/** The reproduction line: whether the fix's new test fails without the fix, as the action measured it. */
function reproductionLine(reproduction: Reproduction | null): string[] {
  if (reproduction === null) return []
  const files = reproduction.test_files.map(file => codeSpan(file, COMMAND_MAX)).join(', ')
  if (reproduction.reproduced === true) {
    const base = reproduction.base
    const failing =
      base && base.failing_tests.length > 0
        ? `: ${base.failing_tests.map(n => codeSpan(n, 120)).join(', ')}`
        : ''
    return [
      '',
      `**Reproduction** ✅ ${files} fail${reproduction.test_files.length === 1 ? 's' : ''} without the fix (exit code ${base?.exit_code ?? '?'}${failing}) and pass${reproduction.test_files.length === 1 ? 'es' : ''} with it.`
    ]
  }
  if (reproduction.reproduced === false) {
    return ['', `**Reproduction** ⚠️ ${files} pass without the fix too: the test does not exercise the bug.`]
  }
  return ['', `**Reproduction** not proven: ${inertText(reproduction.reason, 300)}.`]
}

function testsSection(
  tests: MeasuredTests | null,
  reproduction: Reproduction | null,
  result: SentryFixResult,
  limits: Limits
): string[] {
  const lines = ['### Tests (as measured by the action)', '']
  if (tests === null) {
    lines.push('No `test-command` configured: the action ran no tests. Review and test this change yourself.')
  } else {
    const verdict = tests.passed ? '✅ **passed**' : '❌ **failed**'
    const attempts = `${tests.attempts} attempt${tests.attempts === 1 ? '' : 's'}`
    lines.push(`${codeSpan(tests.command, COMMAND_MAX)} ${verdict} (${attempts}).`)
    lines.push(...reproductionLine(reproduction))
    const tail = tests.log_tail ?? ''
    if (tail.trim() !== '') {
      if (limits.logTail > 0) {
        const chars = Array.from(tail)
        const cut = chars.length > limits.logTail
        const kept = cut ? chars.slice(chars.length - limits.logTail).join('') : tail
        lines.push('', '<details><summary>Test output (last lines)</summary>', '')
        if (cut) lines.push(TRUNCATED, '')
        lines.push(codeBlock(kept), '', '</details>')
      } else {
        lines.push('', `Test output omitted ${TRUNCATED}.`)
      }
    }
  }
  if (result.tests_run !== null || result.tests_passed !== null) {
    const claimed = result.tests_passed === null ? 'no result' : result.tests_passed ? 'passed' : 'failed'
    const command = result.tests_run === null ? 'tests' : codeSpan(result.tests_run, COMMAND_MAX)
    lines.push('', `The agent reported ${command}: ${claimed} (its own claim, not the measurement above).`)
  }
  return lines
}

function filesSection(files: FileChange[], limits: Limits): string[] {
  const lines = ['### Files changed', '']
  if (files.length === 0) return [...lines, 'No files changed.']
  lines.push('| File | + | − |', '|---|--:|--:|')
  const shown = files.slice(0, limits.fileRows)
  for (const file of shown) {
    lines.push(`| ${inertCell(file.path, PATH_MAX)} | ${file.additions} | ${file.deletions} |`)
  }
  if (shown.length < files.length) {
    const add = files.reduce((n, f) => n + f.additions, 0)
    const del = files.reduce((n, f) => n + f.deletions, 0)
    lines.push(`| … ${files.length - shown.length} more ${TRUNCATED} | ${add} total | ${del} total |`)
  }
  return lines
}

function renderBody(input: PrBodyInput, limits: Limits): string {
  const { issue, result } = input
  const shortId = inertCell(issue.short_id, 60)
  const lines: string[] = []
  lines.push(`## Fix for Sentry issue ${markdownLink(shortId, issue.permalink)}`, '')
  lines.push(`> ${inertText(issue.title, TITLE_MAX) || '(untitled)'}`)
  if (issue.culprit) lines.push(`>`, `> in ${inertText(issue.culprit, TITLE_MAX)}`)
  lines.push('')
  lines.push('| Project | Level | Events | Users | First seen | Last seen |', '|---|---|--:|--:|---|---|')
  lines.push(
    `| ${inertCell(issue.project, 60)} | ${inertCell(issue.level, 20)} | ${issue.events} | ${issue.users} | ` +
      `${dateCell(issue.first_seen)} | ${dateCell(issue.last_seen)} |`,
    ''
  )
  if (input.regressedFrom) {
    const pr = markdownLink(`#${input.regressedFrom.number}`, input.regressedFrom.url)
    lines.push(
      '> [!IMPORTANT]',
      `> An earlier fix, ${pr}, did not hold: the issue was seen again after it merged.`,
      ''
    )
  }
  lines.push('### Root cause', '', inertProse(result.root_cause, ROOT_CAUSE_MAX) || '(none given)', '')
  lines.push(
    '### What changed and why',
    '',
    `**${inertText(result.summary, SUMMARY_MAX) || '(no summary)'}**`
  )
  const notes = inertProse(result.notes, limits.notes)
  if (notes !== '') {
    lines.push('', notes)
    if (Array.from(result.notes.trim()).length > limits.notes) lines.push('', TRUNCATED)
  }
  lines.push('')
  lines.push(...filesSection(input.filesChanged, limits), '')
  lines.push(...testsSection(input.tests, input.reproduction ?? null, result, limits), '')
  lines.push('### Confidence', '', `The agent rates its confidence in this fix **${result.confidence}**.`, '')
  lines.push(
    '> [!WARNING]',
    '> This pull request is machine-generated by sentry-codex-triage from a Sentry issue and an AI agent. ' +
      'Text above from Sentry and the model is untrusted and shown escaped. It needs human review before merging.',
    '>',
    `> Merging and releasing it resolves ${shortId} in Sentry; if the issue recurs, Sentry marks it regressed.`,
    ''
  )
  const run = safeUrl(input.runUrl)
  if (run) lines.push(`Opened by [this workflow run](${run}).`, '')
  return lines.join('\n')
}

/**
 * The PR body: Sentry facts, root cause, change, files, measured tests, confidence, review note and the trailer,
 * under PR_BODY_MAX. Shortened in stages (log tail, notes, file rows), then cut hard; the trailer is never cut.
 */
export function prBody(input: PrBodyInput): string {
  const trailer = prTrailer({
    issue_id: input.issue.id,
    short_id: input.issue.short_id,
    branch: input.branch,
    run: input.runUrl,
    action_sha: input.actionSha,
    commit: input.commitSha,
    reproduced: input.reproduction?.reproduced ?? null,
    tokens: input.spend?.tokens ?? null,
    cost_usd: input.spend?.cost_usd ?? null
  })
  const room = PR_BODY_MAX - trailer.length - 1
  let body = ''
  for (const limits of STAGES) {
    body = renderBody(input, limits)
    if (body.length <= room) return `${body}\n${trailer}`
  }
  const marker = `\n\n${TRUNCATED}\n`
  let cut = body.slice(0, room - marker.length)
  // Never end inside a line: half a code span (`acme/other#1) would leave its reference live.
  if (cut.lastIndexOf('\n') > 0) cut = cut.slice(0, cut.lastIndexOf('\n'))
  // Never end inside a surrogate pair or an entity.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1)
  cut = cut.replace(/&[#\w]*$/, '')
  return `${cut}${marker}\n${trailer}`
}
