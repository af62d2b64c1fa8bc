// Pure: every Markdown escaper of the action (one module per cross-cutting concern). Text from Sentry
// and from the model is attacker-controlled; whatever of it a person reads as Markdown passes one of these:
//   markdownCell            one line for the job summary (table cells and summary lines)
//   inertText, inertProse   one line / many lines for a PR body
//   inertCell               inertText in a PR body's table
//   codeSpan, codeBlock     text shown verbatim
//   safeUrl, markdownLink   the action's own links, written around escaped text, never through it
// The differences are the surfaces': a PR body posts backlinks for GitHub references, notifies mentions and closes
// issues named after a closing keyword, so its text has references and mentions put in code spans and its keywords
// defused (github-references.ts); the job summary does none of that, so there an '@' only becomes an entity.
import { MENTION_SOURCE, REFERENCE_SOURCE, defuseClosingKeywords } from './github-references.js'
import { cap, oneLine, stripInvisible } from './text.js'

// ---------------------------------------------------------------------------------------------------------------
// Escaping

// Markdown punctuation is backslash-escaped, HTML metacharacters, pipes and '@' become entities, in ONE pass so an
// entity's own '#' or '&' is never escaped again. A pipe as an entity is safe in a table cell: GFM does not split
// cells on it. '$' would start GitHub math, '!' an image.
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '|': '&#124;',
  '@': '&#64;',
  '\\': '\\\\',
  '`': '\\`',
  '*': '\\*',
  _: '\\_',
  '[': '\\[',
  ']': '\\]',
  '#': '\\#',
  '~': '\\~',
  '!': '\\!',
  $: '\\$'
}
const ESCAPABLE = /[&<>|@\\`*_[\]#~!$]/g
const ESCAPABLE_KEEPING_MATH = /[&<>|@\\`*_[\]#~]/g

interface EscapeOptions {
  /**
   * Escape '$' (GitHub math) and '!' too. PR bodies do; the job summary's text never has, and is kept byte-identical
   * (its '[' is escaped, so a '!' there starts no image).
   */
  math: boolean
}

/** Text as literal Markdown: no markup, no HTML, no table pipe, no '@' that could mention. One line in, one out. */
function escapeText(text: string, options: EscapeOptions): string {
  return text.replace(options.math ? ESCAPABLE : ESCAPABLE_KEEPING_MATH, c => ESCAPES[c] ?? c)
}

/**
 * Safe inside a Markdown table cell or an HTML summary of the job summary: one line, invisible characters removed,
 * capped, then HTML escaped (so comments and tags cannot hide content), pipes escaped, @mentions defused (a zero-width
 * joiner would be invisible, so the @ becomes its HTML entity, which GitHub does not turn into a mention). A dash
 * when empty, so a table keeps its shape.
 */
export function markdownCell(text: string, max = 120): string {
  return escapeText(oneLine(text, max), { math: false }) || '-'
}

// What becomes a code span in a PR body: a GitHub reference (it starts with no '@') or a mention (it starts with '@').
const CODE_SPANNED = new RegExp(`${REFERENCE_SOURCE}|${MENTION_SOURCE}`, 'gi')

/**
 * One line of untrusted text as inert Markdown. A mention (`@octocat`) and a GitHub reference (`#12`,
 * `acme/other#2`, `GH-7`, `acme/other@1a2b3c4`, `https://github.com/acme/other/issues/5`) become code spans: GitHub
 * neither mentions, links nor posts a cross-reference backlink inside code, and unlike a zero-width joiner the text
 * stays visible, readable, copyable and searchable. A backslash or an entity (`\#12`, `&#35;12`) is not relied on
 * for a reference: both are reported to still link (cmark-gfm issue 181). Any other '@' becomes &#64;.
 */
function inertLine(line: string): string {
  let out = ''
  let last = 0
  for (const match of line.matchAll(CODE_SPANNED)) {
    const at = match.index
    if (match[0].startsWith('@') && /[A-Za-z0-9_`]/.test(line.charAt(at - 1))) continue
    // A span right after another joins it: `a``b` would read as one span fenced by double backticks.
    const joins = at === last && out.endsWith('`')
    out = joins
      ? `${out.slice(0, -1)}${match[0]}\``
      : `${out}${escapeText(line.slice(last, at), { math: true })}\`${match[0]}\``
    last = at + match[0].length
  }
  out += escapeText(line.slice(last), { math: true })
  // A leading '-', '+' or '=' could start a list, a thematic break or a setext heading that restyles the text above.
  return out.replace(/^([-+=])/, '\\$1')
}

/**
 * Multi-line untrusted text as inert Markdown for a PR body: invisible characters removed, closing keywords defused,
 * capped, indentation dropped (no code blocks), blank runs folded, every line escaped.
 */
export function inertProse(text: string, max: number): string {
  const clean = cap(defuseClosingKeywords(stripInvisible(text.replace(/\r\n?/g, '\n'))).trim(), max)
  const lines: string[] = []
  for (const raw of clean.split('\n')) {
    const line = raw.replace(/\t/g, ' ').trim()
    if (line === '' && (lines.length === 0 || lines[lines.length - 1] === '')) continue
    lines.push(line === '' ? '' : inertLine(line.replace(/ {2,}/g, ' ')))
  }
  return lines.join('\n').trim()
}

/**
 * One line of untrusted text as inert Markdown for a PR body. Invisible characters go first: one could split a
 * closing keyword that oneLine would then join up again.
 */
export function inertText(text: string, max: number): string {
  return inertLine(oneLine(defuseClosingKeywords(stripInvisible(text)), max))
}

/** A table cell of a PR body: inert, a dash when empty. */
export function inertCell(text: string, max: number): string {
  return inertText(text, max) || '-'
}

// ---------------------------------------------------------------------------------------------------------------
// Verbatim text

/**
 * A code span that holds any text: the fence is longer than every backtick run inside it. On one line, capped at
 * `max`; with `max` null the text is kept as it is, line breaks included (the prompt quotes a multi-line test-command
 * verbatim, which the model reads as raw text).
 */
export function codeSpan(text: string, max: number | null): string {
  const line = max === null ? text : oneLine(text, max)
  const longest = Math.max(0, ...Array.from(line.matchAll(/`+/g), m => m[0].length))
  const fence = '`'.repeat(longest + 1)
  const pad = line.startsWith('`') || line.endsWith('`') || line === '' ? ' ' : ''
  return `${fence}${pad}${line}${pad}${fence}`
}

/** A fenced code block: GitHub renders no HTML, link or mention inside it. */
export function codeBlock(text: string): string {
  const body = stripInvisible(text.replace(/\r\n?/g, '\n')).replace(/\n+$/, '')
  const longest = Math.max(0, ...Array.from(body.matchAll(/`{3,}|~{3,}/g), m => m[0].length))
  const fence = '`'.repeat(Math.max(3, longest + 1))
  return `${fence}text\n${body}\n${fence}`
}

// ---------------------------------------------------------------------------------------------------------------
// Links

const percent = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`

interface UrlOptions {
  /** The link sits in a table cell: a '|' in the URL, which would split the cell, is percent-encoded too. */
  cell?: boolean
}

/**
 * An http(s) URL safe as a Markdown link target, or null: parsed (so it cannot be malformed), and the characters
 * that would end the target early or break out of it percent-encoded.
 */
export function safeUrl(url: string, options: UrlOptions = {}): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return null
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null
  return parsed.href.replace(options.cell ? /[()<> |]/g : /[()<> ]/g, percent)
}

/**
 * `[text](url)` for the action's own links; `text` must already be Markdown (escaped). Just the text when the URL is
 * not a safe http(s) URL.
 */
export function markdownLink(text: string, url: string, options: UrlOptions = {}): string {
  const href = safeUrl(url, options)
  return href ? `[${text}](${href})` : text
}
