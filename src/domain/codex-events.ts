// What codex's output says, read without I/O: the JSONL event stream of `codex exec --json` (the audit, the usage, how
// the turn ended), the usage records of its session log, and the line of its stderr that says what went wrong. The
// events come from the model and its tools: every string kept for the audit is capped, unknown events and non-JSON
// lines become audit entries instead of being dropped.
import type { AgentTimings, AgentUsage, AuditEntry } from '../ports.js'
import { ZERO_USAGE } from './summary.js'

/** the cap of a failure reason built from codex's output */
export const REASON_MAX = 300
const AUDIT_TEXT_MAX = 2_000

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

/** A model response's wait, epoch ms: from its request (as near as the logs tell) to its end. */
export interface ModelWait {
  sentAt: number
  doneAt: number
}

/**
 * When things happened in the stream, epoch ms as the action received each line (the JSONL stream carries no times).
 * Tool items are command_execution, mcp_tool_call and file_change (apply_patch); codex's tool search runs inside
 * codex and has no item.
 */
export interface StreamTimes {
  /** the first turn.started */
  turnStartedAt: number | null
  /** each tool item's start and end (end null: still running when codex ended) */
  tools: { startedAt: number; completedAt: number | null }[]
  /** the model's waits as the stream alone shows them: from turn.started or a tool's end to the next item */
  waits: ModelWait[]
}

/** What the JSONL stream of `codex exec --json` told: the audit, usage, and how the turn ended. */
export interface CodexEventLog {
  /** one line of the stream, and when the action received it (default: now) */
  push(line: string, at?: Date): void
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
  readonly times: StreamTimes
}

const TOOL_ITEMS = new Set(['command_execution', 'mcp_tool_call', 'file_change'])

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
  const times: StreamTimes = { turnStartedAt: null, tools: [], waits: [] }
  const running = new Map<string, StreamTimes['tools'][number]>() // tool items by id
  let waitingSince: number | null = null // a request is out: since turn.started, or since the last tool ended
  let received = now()
  const add = (entry: Pick<AuditEntry, 'type' | 'detail'>) =>
    audit.push({ at: received.toISOString(), ...entry })

  /** An item began or ended: the model answered, if the stream was waiting for it. */
  function itemSeen(at: number): void {
    if (waitingSince === null) return
    times.waits.push({ sentAt: waitingSince, doneAt: at })
    waitingSince = null
  }

  function timeItem(type: string, item: Json, at: number): void {
    const id = typeof item.id === 'string' ? item.id : null
    const tool = typeof item.type === 'string' && TOOL_ITEMS.has(item.type)
    if (type === 'item.started') {
      itemSeen(at)
      if (tool && id !== null && !running.has(id)) {
        const entry = { startedAt: at, completedAt: null }
        running.set(id, entry)
        times.tools.push(entry)
      }
      return
    }
    const entry = id === null ? undefined : running.get(id)
    if (entry) {
      entry.completedAt = at
      running.delete(id!)
      // the tools' results go back to the model once the last running one has ended
      if (running.size === 0) waitingSince = at
      return
    }
    itemSeen(at)
    if (tool) {
      times.tools.push({ startedAt: at, completedAt: at }) // completed without a start: counted, no time
      waitingSince = at
    }
  }

  function push(line: string, at: Date = now()): void {
    received = at
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
    if (item && (type === 'item.started' || type === 'item.completed')) timeItem(type, item, at.getTime())
    switch (type) {
      case 'thread.started':
        threadId = str(event.thread_id)
        return
      case 'turn.started':
        times.turnStartedAt ??= at.getTime()
        waitingSince = at.getTime()
        return
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
        waitingSince = null
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
    times,
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
  const usage = { ...ZERO_USAGE }
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

/**
 * The model's waits as codex's session logs record them, by codex's own clock (ms): each response ends at its
 * `token_usage_record`, and its request left after the last input codex recorded before the response's first output
 * (a tool's output, or the prompt for the first one). Unlike the JSONL stream, this leaves out codex's own work
 * between a tool call and its item (starting the command's sandbox) and sees the responses of its tool search. Seen
 * on 0.171.0 against a local model: the request reached the model 20–30 ms after that last input. An internal
 * format: lines that do not parse are skipped.
 */
export function sessionModelWaits(logs: readonly string[]): ModelWait[] {
  const waits: ModelWait[] = []
  for (const text of logs) {
    let lastInputAt: number | null = null
    let sentAt: number | null = null // frozen at the response's first output
    let previousEnd = -Infinity
    for (const line of text.split('\n')) {
      let record: Json
      try {
        const parsed: unknown = JSON.parse(line)
        if (!isObject(parsed)) continue
        record = parsed
      } catch {
        continue
      }
      const at = Date.parse(str(record.timestamp) ?? '')
      if (Number.isNaN(at)) continue
      const payload = isObject(record.payload) ? record.payload : {}
      if (record.type === 'token_usage_record') {
        waits.push({ sentAt: Math.max(sentAt ?? lastInputAt ?? at, previousEnd), doneAt: at })
        previousEnd = at
        sentAt = null
      } else if (record.type === 'response_item') {
        const itemType = str(payload.type) ?? ''
        const input = itemType.endsWith('_output') || (itemType === 'message' && payload.role !== 'assistant')
        if (input) lastInputAt = at
        else sentAt ??= lastInputAt ?? at
      }
    }
  }
  return waits
}

/**
 * One codex run's timings: the tools from the stream; the model's waits from the session logs where they record any
 * response, else from the stream; the start up to the first request (else up to the first turn.started, which came
 * 30–40 ms before the request on 0.171.0; a run that never asked the model spent all its time starting).
 */
export function agentTimingsOf(input: {
  spawnedAt: number
  exitedAt: number
  stream: StreamTimes
  sessionLogs: readonly string[]
}): AgentTimings {
  const { spawnedAt, exitedAt, stream } = input
  const fromSession = sessionModelWaits(input.sessionLogs)
  const waits = fromSession.length > 0 ? fromSession : stream.waits
  const firstRequest = waits[0]?.sentAt ?? stream.turnStartedAt ?? exitedAt
  const span = (from: number, to: number) => Math.max(0, to - from)
  return {
    totalMs: span(spawnedAt, exitedAt),
    startMs: span(spawnedAt, Math.min(firstRequest, exitedAt)),
    model: { turns: waits.length, ms: waits.reduce((sum, w) => sum + span(w.sentAt, w.doneAt), 0) },
    tools: {
      calls: stream.tools.length,
      ms: stream.tools.reduce((sum, t) => sum + span(t.startedAt, t.completedAt ?? exitedAt), 0)
    }
  }
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
