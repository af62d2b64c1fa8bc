// Pure: how a policy reason shows what it points at — a path as a person reads it (paths come from the agent) and the
// line numbers of its findings — so that every rule file words its reasons alike.
import { oneLine } from './text.js'

const SHOWN_LINES = 5

/** A path as a person reads it: one line, no invisible characters, capped (paths come from the agent). */
export const shown = (path: string) => oneLine(path, 160)

/** ` (line 3)`, ` (lines 3, 7 and 2 more)`, or nothing when no line number is known. */
export function lineList(lines: (number | null)[]): string {
  const numbers = [...new Set(lines.filter((line): line is number => line !== null))]
  if (numbers.length === 0) return ''
  const listed = numbers.slice(0, SHOWN_LINES).join(', ')
  const more = numbers.length > SHOWN_LINES ? ` and ${numbers.length - SHOWN_LINES} more` : ''
  return numbers.length === 1 ? ` (line ${listed})` : ` (lines ${listed}${more})`
}
