// A local fake of the OpenAI Responses API, as the Codex CLI (0.171) drives it: `POST {base}/v1/responses` with
// `stream: true` and the whole conversation in `input` (codex is stateless), answered with Server-Sent Events:
// `response.created`, one `response.output_item.done` per output item, then `response.completed` with `usage`
// (codex fails the turn without it). A script decides each turn from what the request carries; every request is
// logged (parsed body + headers) so that tests can assert what the agent was sent, e.g. a command's output.
//
// Item shapes follow the codex-rs test suite's mock server and were checked against the real binary:
// - a shell command is a `function_call` named `exec_command` whose `arguments` are JSON `{"cmd": "..."}`;
// - `apply_patch` is a freeform `custom_tool_call` whose `input` is the patch text;
// - MCP tools are deferred: the model first emits a `tool_search_call` (arguments an object, execution "client"),
//   codex answers with a `tool_search_output` listing `{type: "namespace", name: "mcp__sentry", tools}`, and the
//   model then calls a `function_call` with `namespace: "mcp__sentry"` and the tool's own name;
// - the final answer is an assistant `message` with one `output_text`.
import type http from 'node:http'
import { startFakeServer, type FakeResponse, type RecordedRequest } from './http-fake.js'

// ------------------------------------------------------------------------------------------------------ types

/** One item of a request's `input` or of a turn's output, as the Responses API shapes it. */
export type ResponseItem = { type: string } & Record<string, unknown>

export interface ModelRequest {
  /** 0-based, in arrival order */
  index: number
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  /** the parsed JSON body (undefined when the body was not JSON) */
  body: ResponsesBody | undefined
  raw: string
}

export interface ResponsesBody {
  model?: string
  instructions?: string
  input?: ResponseItem[]
  tools?: Record<string, unknown>[]
  text?: { format?: Record<string, unknown> } & Record<string, unknown>
  stream?: boolean
  [key: string]: unknown
}

export interface TokenUsage {
  input_tokens: number
  cached_input_tokens: number
  output_tokens: number
  reasoning_output_tokens: number
}

/** What the model does on one request. */
export type ModelTurn =
  | {
      kind: 'items'
      items: ResponseItem[]
      /** this turn's usage (default DEFAULT_TURN_USAGE) */
      usage?: Partial<TokenUsage>
      /** wait this long before streaming (on top of the server-wide latency) */
      latencyMs?: number
    }
  /** open the stream, send response.created, then go silent until the client or the fake closes */
  | { kind: 'hang' }
  /** answer with an HTTP error instead of a stream */
  | { kind: 'http-error'; status: number; body: unknown }
  /** stream a `response.failed` event */
  | { kind: 'failed'; code: string; message: string }

/** A request as a script sees it. */
export interface Conversation {
  request: ModelRequest
  input: ResponseItem[]
  /** every user message's input_text, joined with newlines (the prompt, and codex's own context messages) */
  userText: string
  /** how many tool results the conversation holds so far (function, custom tool and tool search outputs) */
  toolResults: number
  /** the output text codex sent back for a call id, or undefined */
  outputOf(callId: string): string | undefined
}

export type ModelScript = (conversation: Conversation) => ModelTurn

export interface FakeModelOptions {
  /** answer every request after this delay */
  latencyMs?: number
  /** close by itself after this long (default 10 minutes) */
  lifetimeMs?: number
}

export interface FakeModel {
  /** http://127.0.0.1:PORT/v1 — a provider's base_url */
  baseUrl: string
  port: number
  /** every request, in arrival order */
  requests: ModelRequest[]
  /** the requests to /v1/responses only */
  responsesRequests(): ModelRequest[]
  close(): Promise<void>
}

export const DEFAULT_TURN_USAGE: TokenUsage = {
  input_tokens: 1000,
  cached_input_tokens: 200,
  output_tokens: 50,
  reasoning_output_tokens: 10
}

// ------------------------------------------------------------------------------------------------- item builders

let callCounter = 0
const nextCallId = (prefix: string): string => `${prefix}_${++callCounter}`

/** A shell command: codex's `exec_command` tool (unified exec). */
export function shellCall(cmd: string, options: { callId?: string; workdir?: string } = {}): ResponseItem {
  const args: Record<string, unknown> = { cmd }
  if (options.workdir !== undefined) args.workdir = options.workdir
  return {
    type: 'function_call',
    name: 'exec_command',
    arguments: JSON.stringify(args),
    call_id: options.callId ?? nextCallId('call_exec')
  }
}

/** A freeform apply_patch call; `patch` is the whole `*** Begin Patch ... *** End Patch` text. */
export function applyPatchCall(patch: string, options: { callId?: string } = {}): ResponseItem {
  return {
    type: 'custom_tool_call',
    name: 'apply_patch',
    input: patch,
    call_id: options.callId ?? nextCallId('call_patch')
  }
}

/** A patch replacing lines in one file (each `-`/`+` line given without its prefix). */
export function updateFilePatch(file: string, change: { remove: string[]; add: string[] }): string {
  return [
    '*** Begin Patch',
    `*** Update File: ${file}`,
    '@@',
    ...change.remove.map(line => `-${line}`),
    ...change.add.map(line => `+${line}`),
    '*** End Patch'
  ].join('\n')
}

/** The client-side tool search that makes codex list deferred (MCP) tools. */
export function toolSearchCall(
  query: string,
  options: { callId?: string; limit?: number } = {}
): ResponseItem {
  return {
    type: 'tool_search_call',
    call_id: options.callId ?? nextCallId('call_search'),
    status: 'completed',
    execution: 'client',
    arguments: { query, limit: options.limit ?? 8 }
  }
}

/** A call of an MCP tool found by tool search: a namespaced function call (`mcp__<server>`). */
export function mcpCall(
  tool: string,
  args: Record<string, unknown>,
  options: { callId?: string; server?: string } = {}
): ResponseItem {
  return {
    type: 'function_call',
    namespace: `mcp__${options.server ?? 'sentry'}`,
    name: tool,
    arguments: JSON.stringify(args),
    call_id: options.callId ?? nextCallId('call_mcp')
  }
}

/** An assistant message (the final answer when it is the last item of a turn without tool calls). */
export function assistantMessage(text: string): ResponseItem {
  return {
    type: 'message',
    role: 'assistant',
    id: nextCallId('msg'),
    content: [{ type: 'output_text', text }]
  }
}

/** The agent's final JSON answer (schemas/sentry-fix.json), with defaults for what is not given. */
export function fixResultMessage(result: Record<string, unknown> = {}): ResponseItem {
  return assistantMessage(
    JSON.stringify({
      status: 'fixed',
      summary: 'Guard against a missing value',
      root_cause: 'A value can be undefined and was dereferenced.',
      confidence: 'high',
      files_changed: [],
      tests_run: null,
      tests_passed: null,
      notes: '',
      ...result
    })
  )
}

// ------------------------------------------------------------------------------------------------- turn builders

export const turn = (
  items: ResponseItem[],
  options: Omit<Extract<ModelTurn, { kind: 'items' }>, 'kind' | 'items'> = {}
): ModelTurn => ({
  kind: 'items',
  items,
  ...options
})
export const hang = (): ModelTurn => ({ kind: 'hang' })
export const httpError = (status: number, body: unknown): ModelTurn => ({ kind: 'http-error', status, body })
export const failedTurn = (code: string, message: string): ModelTurn => ({ kind: 'failed', code, message })

const CALL_TYPES = new Set(['function_call', 'custom_tool_call', 'tool_search_call', 'local_shell_call'])
const RESULT_TYPES = new Set(['function_call_output', 'custom_tool_call_output', 'tool_search_output'])

/**
 * The agent's turns in order. The step a request is at is found from the tool results in its history: step k starts
 * once every call of steps 0..k-1 has its result, so a step may hold several calls. Past the last step the last one
 * repeats (a script should end with a final message).
 */
export function sequence(...steps: (ModelTurn | ResponseItem[])[]): ModelScript {
  const turns = steps.map(step => (Array.isArray(step) ? turn(step) : step))
  return conversation => {
    let done = 0
    for (const step of turns) {
      if (conversation.toolResults <= done) return step
      done += step.kind === 'items' ? step.items.filter(item => CALL_TYPES.has(item.type)).length : 0
    }
    return turns.at(-1) ?? turn([assistantMessage('')])
  }
}

/**
 * Picks a conversation's script by a key that appears, as a whole word, in its user text (e.g. the Sentry short ID in
 * the prompt).
 * A request that matches no key gets an HTTP 400, which makes the run fail loudly.
 */
export function byPrompt(scripts: Record<string, ModelScript>): ModelScript {
  return conversation => {
    for (const [key, script] of Object.entries(scripts)) {
      // as a whole word: API-12 must not pick up a prompt about API-123
      const word = new RegExp(`(?<![\\w-])${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`)
      if (word.test(conversation.userText)) return script(conversation)
    }
    return httpError(400, {
      error: { message: 'fake model: no script matches this prompt', type: 'invalid_request_error' }
    })
  }
}

// ------------------------------------------------------------------------------------------------- request helpers

function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .map(part =>
      part !== null && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string'
        ? (part as { text: string }).text
        : ''
    )
    .join('')
}

/** The output codex sent back for a call, as text (function/custom tool outputs may be a string or content parts). */
export function callOutput(input: ResponseItem[], callId: string): string | undefined {
  const item = input.find(i => RESULT_TYPES.has(i.type) && i.call_id === callId)
  if (item === undefined) return undefined
  if (item.type === 'tool_search_output') return JSON.stringify(item.tools ?? [])
  const output = item.output
  if (typeof output === 'string') return output
  if (output !== null && typeof output === 'object') {
    const content = (output as { content?: unknown }).content
    if (content !== undefined) return textOf(content)
    return textOf(output)
  }
  return undefined
}

export function conversationOf(request: ModelRequest): Conversation {
  const input = request.body?.input ?? []
  const userText = input
    .filter(item => item.type === 'message' && item.role === 'user')
    .map(item => textOf(item.content))
    .join('\n')
  return {
    request,
    input,
    userText,
    toolResults: input.filter(item => RESULT_TYPES.has(item.type)).length,
    outputOf: callId => callOutput(input, callId)
  }
}

// ------------------------------------------------------------------------------------------------- server

function sseEvent(event: Record<string, unknown>): string {
  return `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`
}

function usageJson(usage: TokenUsage): Record<string, unknown> {
  return {
    input_tokens: usage.input_tokens,
    input_tokens_details: { cached_tokens: usage.cached_input_tokens },
    output_tokens: usage.output_tokens,
    output_tokens_details: { reasoning_tokens: usage.reasoning_output_tokens },
    total_tokens: usage.input_tokens + usage.output_tokens
  }
}

const jsonError = (status: number, body: unknown): FakeResponse => ({ status, body })

export async function startFakeModel(
  script: ModelScript,
  options: FakeModelOptions = {}
): Promise<FakeModel> {
  const requests: ModelRequest[] = []
  let responseCounter = 0

  function answer(recorded: RecordedRequest): FakeResponse {
    let body: ResponsesBody | undefined
    try {
      body = JSON.parse(recorded.body) as ResponsesBody
    } catch {
      body = undefined
    }
    const request: ModelRequest = {
      index: requests.length,
      method: recorded.method,
      path: new URL(recorded.url, 'http://127.0.0.1').pathname,
      headers: recorded.headers,
      body,
      raw: recorded.body
    }
    requests.push(request)
    if (!(request.method === 'POST' && /\/responses$/.test(request.path))) {
      return jsonError(404, { error: { message: `fake model: no route ${request.method} ${request.path}` } })
    }
    if (request.body === undefined)
      return jsonError(400, { error: { message: 'fake model: body is not JSON' } })
    let next: ModelTurn
    try {
      next = script(conversationOf(request))
    } catch (error) {
      next = httpError(500, { error: { message: `fake model script failed: ${String(error)}` } })
    }
    const delayMs = (options.latencyMs ?? 0) + (next.kind === 'items' ? (next.latencyMs ?? 0) : 0)
    if (next.kind === 'http-error') return { ...jsonError(next.status, next.body), delayMs }
    const id = `resp_fake_${++responseCounter}`
    const sse = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }
    const created = sseEvent({ type: 'response.created', response: { id } })
    // a hang stays silent after response.created until the client or close() ends the connection
    if (next.kind === 'hang')
      return { status: 200, headers: sse, stream: { chunks: [created], hold: true }, delayMs }
    if (next.kind === 'failed') {
      const failed = sseEvent({
        type: 'response.failed',
        response: { id, error: { code: next.code, message: next.message } }
      })
      return { status: 200, headers: sse, stream: { chunks: [created, failed] }, delayMs }
    }
    const usage = { ...DEFAULT_TURN_USAGE, ...next.usage }
    const chunks = [
      created,
      ...next.items.map(item => sseEvent({ type: 'response.output_item.done', item })),
      sseEvent({ type: 'response.completed', response: { id, usage: usageJson(usage) } })
    ]
    return { status: 200, headers: sse, stream: { chunks }, delayMs }
  }

  const server = await startFakeServer(answer, { lifetimeMs: options.lifetimeMs ?? 10 * 60_000 })
  return {
    baseUrl: `${server.url}/v1`,
    port: server.port,
    requests,
    responsesRequests: () => requests.filter(r => /\/responses$/.test(r.path)),
    close: () => server.close()
  }
}
