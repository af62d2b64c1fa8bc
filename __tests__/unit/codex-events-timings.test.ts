// Where a codex run's time went, from its JSONL stream (stamped as each line arrived) and its session log. The stream and
// the session log below are a real run of codex 0.171.0 against the local fake model (300 ms a response: tool search,
// an MCP issue read, `cat`, `sleep 0.5`, apply_patch, the answer), cut to the fields the timings read, times relative
// to the spawn. The fake model saw the six requests at 1220, 1553, 2087, 2743, 3883 and 4293 ms.
import { describe, expect, it } from '@jest/globals'
import { agentTimingsOf, createCodexEventLog, sessionModelWaits } from '../../src/domain/codex-events.js'

const SPAWN = Date.parse('2026-12-06T16:44:23.000Z')
const EXIT = SPAWN + 4686

const STREAM: [number, object][] = [
  [1063, { type: 'thread.started', thread_id: 't-1' }],
  [1124, { type: 'turn.started' }],
  [1870, { type: 'item.started', item: { id: 'item_0', type: 'mcp_tool_call', status: 'in_progress' } }],
  [2066, { type: 'item.completed', item: { id: 'item_0', type: 'mcp_tool_call', status: 'completed' } }],
  [2588, { type: 'item.started', item: { id: 'item_1', type: 'command_execution', command: 'cat' } }],
  [2670, { type: 'item.completed', item: { id: 'item_1', type: 'command_execution', command: 'cat' } }],
  [3206, { type: 'item.started', item: { id: 'item_2', type: 'command_execution', command: 'sleep' } }],
  [3861, { type: 'item.completed', item: { id: 'item_2', type: 'command_execution', command: 'sleep' } }],
  [4190, { type: 'item.started', item: { id: 'item_3', type: 'file_change', changes: [] } }],
  [4262, { type: 'item.completed', item: { id: 'item_3', type: 'file_change', changes: [] } }],
  [4597, { type: 'item.completed', item: { id: 'item_4', type: 'agent_message', text: '{}' } }],
  [4610, { type: 'turn.completed', usage: { input_tokens: 6000, output_tokens: 300 } }]
]

const SESSION: [number, string, object?][] = [
  [1083, 'session_meta'],
  [1083, 'event_msg', { type: 'task_started' }],
  [1182, 'response_item', { type: 'message', role: 'developer' }],
  [1182, 'response_item', { type: 'message', role: 'user' }],
  [1184, 'world_state'],
  [1185, 'turn_context'],
  [1191, 'response_item', { type: 'message', role: 'user' }],
  [1192, 'event_msg', { type: 'item_completed' }],
  [1523, 'response_item', { type: 'tool_search_call' }],
  [1525, 'token_usage_record'],
  [1526, 'response_item', { type: 'tool_search_output' }],
  [1527, 'event_msg', { type: 'token_count' }],
  [1855, 'response_item', { type: 'function_call' }],
  [1856, 'token_usage_record'],
  [2049, 'event_msg', { type: 'item_completed' }],
  [2055, 'response_item', { type: 'function_call_output' }],
  [2056, 'event_msg', { type: 'token_count' }],
  [2388, 'response_item', { type: 'function_call' }],
  [2389, 'token_usage_record'],
  [2667, 'event_msg', { type: 'item_completed' }],
  [2675, 'response_item', { type: 'function_call_output' }],
  [3045, 'response_item', { type: 'function_call' }],
  [3047, 'token_usage_record'],
  [3863, 'response_item', { type: 'function_call_output' }],
  [4184, 'response_item', { type: 'custom_tool_call' }],
  [4186, 'token_usage_record'],
  [4264, 'response_item', { type: 'custom_tool_call_output' }],
  [4265, 'event_msg', { type: 'token_count' }],
  // the answer's item_completed is recorded before the answer itself: not an input, so not the request's start
  [4595, 'event_msg', { type: 'item_completed' }],
  [4597, 'response_item', { type: 'message', role: 'assistant' }],
  [4598, 'token_usage_record'],
  [4602, 'event_msg', { type: 'task_complete' }]
]

const iso = (offset: number) => new Date(SPAWN + offset).toISOString()
const sessionLog = (records = SESSION) =>
  records
    .map(([offset, type, payload]) =>
      JSON.stringify({ timestamp: iso(offset), type, payload: payload ?? {} })
    )
    .join('\n') + '\n'

function streamTimes(lines = STREAM) {
  const log = createCodexEventLog()
  for (const [offset, event] of lines) log.push(JSON.stringify(event), new Date(SPAWN + offset))
  return log
}

describe('agentTimingsOf', () => {
  it('takes the model waits from the session log and the tools from the stream, each part within the run', () => {
    const timings = agentTimingsOf({
      spawnedAt: SPAWN,
      exitedAt: EXIT,
      stream: streamTimes().times,
      sessionLogs: [sessionLog()]
    })
    expect(timings).toEqual({
      totalMs: 4686,
      // up to the prompt's last record: the fake model saw the request 29 ms later
      startMs: 1191,
      model: {
        turns: 6,
        ms: 1525 - 1191 + (1856 - 1526) + (2389 - 2055) + (3047 - 2675) + (4186 - 3863) + (4598 - 4264)
      },
      // the MCP call, two commands and the patch; the tool search has no item
      tools: { calls: 4, ms: 2066 - 1870 + (2670 - 2588) + (3861 - 3206) + (4262 - 4190) }
    })
    expect(timings.startMs + timings.model.ms + timings.tools.ms).toBeLessThanOrEqual(timings.totalMs)
  })

  it('falls back to the stream alone without a session log: from turn.started or a tool’s end to the next item', () => {
    const timings = agentTimingsOf({
      spawnedAt: SPAWN,
      exitedAt: EXIT,
      stream: streamTimes().times,
      sessionLogs: []
    })
    expect(timings.startMs).toBe(1124)
    expect(timings.model).toEqual({
      turns: 5,
      ms: 1870 - 1124 + (2588 - 2066) + (3206 - 2670) + (4190 - 3861) + (4597 - 4262)
    })
    expect(timings.tools.calls).toBe(4)
  })

  it('counts a tool still running when codex was killed up to the exit, and a run that never asked the model as start', () => {
    const killed = streamTimes([
      [900, { type: 'turn.started' }],
      [1500, { type: 'item.started', item: { id: 'c1', type: 'command_execution', command: 'sleep 313' } }]
    ])
    const timings = agentTimingsOf({
      spawnedAt: SPAWN,
      exitedAt: SPAWN + 3000,
      stream: killed.times,
      sessionLogs: [sessionLog(SESSION.slice(0, 10))] // the first response only
    })
    expect(timings).toEqual({
      totalMs: 3000,
      startMs: 1191,
      model: { turns: 1, ms: 1525 - 1191 },
      tools: { calls: 1, ms: 1500 }
    })

    const neverAsked = agentTimingsOf({
      spawnedAt: SPAWN,
      exitedAt: SPAWN + 800,
      stream: streamTimes([[700, { type: 'thread.started' }]]).times,
      sessionLogs: []
    })
    expect(neverAsked).toEqual({
      totalMs: 800,
      startMs: 800,
      model: { turns: 0, ms: 0 },
      tools: { calls: 0, ms: 0 }
    })
  })
})

describe('sessionModelWaits', () => {
  it('starts a response at the last input before its first output, never before the previous response ended', () => {
    const waits = sessionModelWaits([
      sessionLog([
        [100, 'response_item', { type: 'message', role: 'user' }],
        [400, 'response_item', { type: 'function_call' }],
        // a tool that ran while the response was still streaming: its output does not move the request's start
        [450, 'response_item', { type: 'function_call_output' }],
        [500, 'token_usage_record'],
        // a response with no input before it (codex asked again): it starts where the last one ended
        [800, 'response_item', { type: 'message', role: 'assistant' }],
        [900, 'token_usage_record']
      ]) + 'not json\n{"timestamp":"garbage","type":"token_usage_record"}\n'
    ])
    expect(waits).toEqual([
      { sentAt: SPAWN + 100, doneAt: SPAWN + 500 },
      { sentAt: SPAWN + 500, doneAt: SPAWN + 900 }
    ])
  })
})

describe('createCodexEventLog', () => {
  it('stamps the audit with the time each line arrived', () => {
    const log = streamTimes()
    expect(log.audit[0]).toMatchObject({ at: iso(2066), type: 'mcp_tool_call' })
    expect(log.times.turnStartedAt).toBe(SPAWN + 1124)
  })
})
