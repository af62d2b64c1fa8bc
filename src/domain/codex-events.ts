// What codex's output says, read without I/O: the JSONL event stream of `codex exec --json` (the audit, the usage, how
// the turn ended), the usage records of its session log, and the line of its stderr that says what went wrong. The
// events come from the model and its tools: every string kept for the audit is capped, unknown events and non-JSON
// lines become audit entries instead of being dropped.
import type { AgentUsage, AuditEntry } from '../ports.js'

/** the cap of a failure reason built from codex's output */
export const REASON_MAX = 300
const AUDIT_TEXT_MAX = 2_000

export const EMPTY_USAGE: AgentUsage = {
  input_tokens: 0,
  cached_input_tokens: 0,
  output_tokens: 0,
  model_requests: 0
}

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0)
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null)

function capText(text: string, max = AUDIT_TEXT_MAX): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text
}

/** Strings in a value capped (MCP arguments come from the model and may be long). */
function capped(value: unknown): unknown {
  if (typeof value === 'string') return capText(value)
  if (Array.isArray(value)) return value.slice(0, 50).map(capped)
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, capped(v)]))
  return value
}

/** What the JSONL stream of `codex exec --json` told: the audit, usage, and how the turn ended. */
export interface CodexEventLog {
  push(line: string): void
  readonly audit: AuditEntry[]
  readonly usage: { input_tokens: number; cached_input_tokens: number; output_tokens: number }
  readonly turnsCompleted: number
  readonly threadId: string | null
  /** the message of turn.failed, or null */
  readonly turnFailure: string | null
  /** the last `error` event's message (codex also reports retries this way: not fatal by itself) */
  readonly lastError: string | null
  /** entries for items that started and never completed (a run killed mid-command) */
  unfinished(): AuditEntry[]
}

function itemAudit(item: Json): Pick<AuditEntry, 'type' | 'detail'> {
  const type = str(item.type) ?? 'unknown'
  switch (type) {
    case 'mcp_tool_call': {
      const error = isObject(item.error) ? str(item.error.message) : str(item.error)
      return {
        type: 'mcp_tool_call',
        detail: {
          server: item.server,
          tool: item.tool,
          arguments: capped(item.arguments),
          status: item.status,
          error: error === null ? null : capText(error)
        }
      }
    }
    case 'command_execution':
      return {
        type: 'command_execution',
        detail: {
          command: capText(str(item.command) ?? ''),
          exit_code: item.exit_code ?? null,
          status: item.status
        }
      }
    case 'file_change':
      return {
        type: 'file_change',
        detail: {
          changes: Array.isArray(item.changes)
            ? item.changes.filter(isObject).map(change => ({ path: change.path, kind: change.kind }))
            : [],
          status: item.status
        }
      }
    case 'agent_message':
      return { type: 'agent_message', detail: { text: capText(str(item.text) ?? '') } }
    case 'error':
      return { type: 'error', detail: { message: capText(str(item.message) ?? '') } }
    default:
      return { type: 'unknown', detail: { item_type: type } }
  }
}

/** Reads codex's JSONL events one line at a time; unknown events and non-JSON lines become audit entries. */
export function createCodexEventLog(now: () => Date = () => new Date()): CodexEventLog {
  const audit: AuditEntry[] = []
  const usage = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0 }
  const started = new Map<string, Json>()
  let turnsCompleted = 0
  let threadId: string | null = null
  let turnFailure: string | null = null
  let lastError: string | null = null
  const add = (entry: Pick<AuditEntry, 'type' | 'detail'>) =>
    audit.push({ at: now().toISOString(), ...entry })

  function push(line: string): void {
    if (line.trim() === '') return
    let event: unknown
    try {
      event = JSON.parse(line)
    } catch {
      add({
        type: 'error',
        detail: { message: 'a line of codex output that is not JSON', line: capText(line, 200) }
      })
      return
    }
    if (!isObject(event)) {
      add({ type: 'unknown', detail: { event: typeof event } })
      return
    }
    const type = str(event.type) ?? ''
    const item = isObject(event.item) ? event.item : null
    switch (type) {
      case 'thread.started':
        threadId = str(event.thread_id)
        return
      case 'turn.started':
      case 'item.updated':
        return
      case 'item.started':
        if (item && typeof item.id === 'string') started.set(item.id, item)
        return
      case 'item.completed':
        if (!item) break
        if (typeof item.id === 'string') started.delete(item.id)
        if (item.type === 'reasoning') return
        if (item.type === 'error') lastError = str(item.message) ?? lastError
        add(itemAudit(item))
        return
      case 'turn.completed': {
        turnsCompleted += 1
        const u = isObject(event.usage) ? event.usage : {}
        usage.input_tokens += num(u.input_tokens)
        usage.cached_input_tokens += num(u.cached_input_tokens)
        usage.output_tokens += num(u.output_tokens)
        return
      }
      case 'turn.failed': {
        const message = (isObject(event.error) ? str(event.error.message) : null) ?? 'the turn failed'
        turnFailure = message
        add({ type: 'error', detail: { event: 'turn.failed', message: capText(message) } })
        return
      }
      case 'error': {
        const message = str(event.message) ?? ''
        lastError = message
        add({ type: 'error', detail: { event: 'error', message: capText(message) } })
        return
      }
    }
    add({ type: 'unknown', detail: { event: type || null } })
  }

  return {
    push,
    audit,
    usage,
    get turnsCompleted() {
      return turnsCompleted
    },
    get threadId() {
      return threadId
    },
    get turnFailure() {
      return turnFailure
    },
    get lastError() {
      return lastError
    },
    unfinished: () =>
      [...started.values()]
        .filter(item => item.type !== 'reasoning')
        .map(item => {
          const entry = itemAudit(item)
          return {
            at: now().toISOString(),
            type: entry.type,
            detail: { ...entry.detail, status: 'unfinished' }
          }
        })
  }
}

/**
 * Model requests (and their usage) as codex's session logs (the rollout-*.jsonl files below CODEX_HOME/sessions, as
 * read by the agent) record them: one `token_usage_record` per response. The JSONL stream has no per-request event,
 * and a run killed mid-turn never emits turn.completed. An internal format: lines that do not parse are skipped.
 */
export function sessionUsageOf(logs: readonly string[]): AgentUsage {
  const usage = { ...EMPTY_USAGE }
  for (const text of logs) {
    for (const line of text.split('\n')) {
      if (!line.includes('"token_usage_record"')) continue
      try {
        const record = JSON.parse(line) as Json
        const payload = isObject(record.payload) ? record.payload : {}
        const u = isObject(payload.usage) ? payload.usage : {}
        usage.model_requests += 1
        usage.input_tokens += num(u.input_tokens)
        usage.cached_input_tokens += num(u.cached_input_tokens)
        usage.output_tokens += num(u.output_tokens)
      } catch {
        // a partly written last line of a killed run
      }
    }
  }
  return usage
}

/** The first line of stderr that says what went wrong (codex prefixes them with "Error" or a log level). */
export function stderrReason(stderr: string): string | null {
  const lines = stderr
    .split('\n')
    .map(line => line.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z\s+/, '').trim())
    .filter(line => line !== '')
  return (
    lines.find(line => /^(error|fatal)\b/i.test(line)) ??
    lines.find(line => /\berror\b/i.test(line) && !/^warning/i.test(line)) ??
    null
  )
}
