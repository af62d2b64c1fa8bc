import { z } from 'zod'

/** The agent's final answer (codex exec --output-schema). Strict-mode friendly: every key required, no bounds. */
export const SentryFixResult = z
  .object({
    status: z.enum(['fixed', 'no-fix']).describe('fixed: the worktree holds a fix; no-fix: no confident fix'),
    summary: z.string().describe('one line, imperative, under 72 characters: what the change does'),
    root_cause: z.string().describe('the root cause in a few sentences'),
    confidence: z.enum(['high', 'medium', 'low']),
    files_changed: z.array(z.string()).describe('paths relative to the repository root'),
    tests_run: z.string().nullable().describe('the test command the agent ran, or null'),
    tests_passed: z.boolean().nullable().describe('what the agent saw, or null if it ran none'),
    notes: z.string().describe('anything a reviewer should know; empty if nothing')
  })
  .strict()
export type SentryFixResult = z.infer<typeof SentryFixResult>

