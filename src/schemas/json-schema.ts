// zod is the source of truth for every file the action reads or writes; schemas/*.json are generated from here
// (npm run bundle) and a test fails when they are stale.
import { z } from 'zod'
import { SentryFixResult } from './agent-result.js'
import { Plan, WorkRecord } from './handoff.js'
import { TriageSummary } from './summary.js'

/** The JSON Schema files generated into schemas/. */
export const GENERATED_SCHEMAS = {
  'triage-summary.json': { schema: TriageSummary, title: 'sentry-codex-triage summary' },
  'plan.json': { schema: Plan, title: 'sentry-codex-triage plan' },
  'work-result.json': { schema: WorkRecord, title: 'sentry-codex-triage work result' },
  'sentry-fix.json': { schema: SentryFixResult, title: 'sentry-codex-triage agent result' }
} as const

export function toJsonSchema(name: keyof typeof GENERATED_SCHEMAS): Record<string, unknown> {
  const { schema, title } = GENERATED_SCHEMAS[name]
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output' }) as Record<string, unknown>
  // The agent's schema is sent to the model in strict mode, which accepts no $schema/title keywords.
  if (name === 'sentry-fix.json') {
    delete json.$schema
    return json
  }
  return { ...json, title }
}
