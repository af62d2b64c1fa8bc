// Pure: the text of a zod error, in one place. Two kinds of schema, two kinds of text:
//   - the action's own inputs and environment, whose every message already names the input and the fix: the
//     messages alone (zodMessages), one per problem;
//   - data from outside (an API answer, an artifact, the agent's final answer), where zod's message ("expected
//     number, received string") says nothing without its place: "path: message; ... (and N more)" on one line
//     (describeZodError), capped, so a bad payload is reported by field, never dumped.
import { z } from 'zod'

export interface DescribeOptions {
  /** How a problem at the root of the value reads in place of a path; `(root)` unless given. */
  root?: string
  /** How many problems are named before "(and N more)"; 3 unless given. */
  max?: number
}

/** A place in the value as zod writes it: `[1].count`, `issues[0].id`, `["short-id"]`. */
export function zodPath(path: readonly PropertyKey[], root = '(root)'): string {
  return path.length === 0 ? root : z.core.toDotPath(path)
}

/** One line naming the first problems by place: `[1].count: expected number, received string (and 2 more)`. */
export function describeZodError(error: z.ZodError, options: DescribeOptions = {}): string {
  const { root = '(root)', max = 3 } = options
  const shown = error.issues.slice(0, Math.max(1, max))
  const problems = shown.map(issue => `${zodPath(issue.path, root)}: ${issue.message}`)
  const rest = error.issues.length - shown.length
  return problems.join('; ') + (rest > 0 ? ` (and ${rest} more)` : '')
}

/**
 * The problems' own messages, for schemas whose messages say what is wrong and how to fix it. In the order `rank`
 * gives their paths (lowest first, ties as zod reported them), or as zod reported them.
 */
export function zodMessages(error: z.ZodError, rank?: (path: readonly PropertyKey[]) => number): string[] {
  const issues = rank ? [...error.issues].sort((a, b) => rank(a.path) - rank(b.path)) : error.issues
  return issues.map(issue => issue.message)
}
