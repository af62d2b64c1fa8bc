// Text from Sentry and from the model is attacker-controlled. Everything a person reads (job summary, logs, PR bodies)
// goes through these functions: one line, no invisible or bidi characters, capped. Markup is markdown.ts's.

// Zero-width, bidi overrides/isolates, BOM, soft hyphen, and other format characters that hide or reorder text.
const INVISIBLE =
  // eslint-disable-next-line no-misleading-character-class -- the class lists the very characters to remove
  /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]/g
// C0/C1 control characters except tab and newline.
// eslint-disable-next-line no-control-regex -- control characters are what this removes
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g

export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, '').replace(CONTROL, '')
}

/** Cuts to at most max characters (code points), marking the cut. */
export function cap(text: string, max: number): string {
  const chars = Array.from(text)
  if (chars.length <= max) return text
  return chars.slice(0, Math.max(0, max - 1)).join('') + '…'
}

/** One line of plain text: invisible characters removed, whitespace folded, capped. */
export function oneLine(text: string, max: number): string {
  return cap(stripInvisible(text).replace(/\s+/g, ' ').trim(), max)
}

// Markdown escaping is markdown.ts's. This re-export only serves callers that still import markdownCell from here
// (__tests__/unit/text.test.ts); it makes an import cycle with markdown.ts, harmless (nothing runs at load time).
export { markdownCell } from './markdown.js'
