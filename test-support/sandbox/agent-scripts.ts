// Scripted agent runs for the sample repository: what a well-behaved model does for each sample issue, and the ways
// a run goes wrong. The fake model plays them; the real codex binary and the real Sentry MCP server carry them out.
import {
  applyPatchCall,
  assistantMessage,
  byPrompt,
  fixResultMessage,
  hang,
  mcpCall,
  sequence,
  shellCall,
  toolSearchCall,
  type ModelScript
} from './fake-model.js'
import { SAMPLE_FIXES, type SampleShortId } from './sample-repo.js'

/** Read the issue through MCP, look at the file, print the environment, patch, run the tests, answer. */
export function fixScript(shortId: SampleShortId): ModelScript {
  const fix = SAMPLE_FIXES[shortId]
  return sequence(
    [toolSearchCall('sentry issue details')],
    [
      mcpCall(
        'get_sentry_resource',
        { resourceType: 'issue', resourceId: shortId },
        { callId: `${shortId}-issue` }
      )
    ],
    [shellCall(`cat ${fix.file}`)],
    // A compromised model would do this: the test checks that nothing secret comes back.
    [shellCall('env', { callId: `${shortId}-env` })],
    [applyPatchCall(fix.applyPatch)],
    [shellCall('node --test', { callId: `${shortId}-tests` })],
    [
      fixResultMessage({
        summary: fix.summary,
        root_cause: fix.root_cause,
        confidence: 'high',
        files_changed: [fix.file, fix.testFile],
        tests_run: 'node --test',
        tests_passed: true
      })
    ]
  )
}

/** A run that reads the issue and then never finishes (the stream goes silent). */
export function hangingScript(shortId: string): ModelScript {
  return sequence(
    [toolSearchCall('sentry issue details')],
    [mcpCall('get_sentry_resource', { resourceType: 'issue', resourceId: shortId })],
    hang()
  )
}

/** A run whose final answer is not the schema's JSON. */
export function garbageScript(): ModelScript {
  return sequence([assistantMessage('Done! I fixed everything, trust me.')])
}

/** The sandbox's model: one script per Sentry short id. */
export function sampleModel(scripts: Partial<Record<string, ModelScript>> = {}): ModelScript {
  return byPrompt({
    'API-12': fixScript('API-12'),
    'WEB-9': fixScript('WEB-9'),
    'WEB-7': fixScript('WEB-7'),
    ...(scripts as Record<string, ModelScript>)
  })
}

// ---- runs the policy gate and the action's own tests must catch ----

/** The sample fix's apply_patch body without its Begin/End lines, to combine with other hunks. */
function fixHunks(shortId: SampleShortId): string {
  return SAMPLE_FIXES[shortId].applyPatch
    .replace(/^\*\*\* Begin Patch\n/, '')
    .replace(/\n?\*\*\* End Patch\n?$/, '')
}

function patch(...parts: string[]): string {
  return ['*** Begin Patch', ...parts, '*** End Patch'].join('\n')
}

function answerFor(shortId: SampleShortId): ReturnType<typeof fixResultMessage> {
  const fix = SAMPLE_FIXES[shortId]
  return fixResultMessage({
    summary: fix.summary,
    root_cause: fix.root_cause,
    files_changed: [fix.file, fix.testFile],
    tests_run: 'npm test',
    tests_passed: true
  })
}

/** Fixes the bug and also "fixes" CI by editing a workflow (denied by deny-paths). */
export function ciEditScript(shortId: SampleShortId): ModelScript {
  return sequence(
    [
      applyPatchCall(
        patch(
          fixHunks(shortId),
          '*** Add File: .github/workflows/ci.yml',
          '+name: ci',
          '+on: push',
          '+jobs: {}'
        )
      )
    ],
    [answerFor(shortId)]
  )
}

/** Makes an existing test pass by changing its assertion. */
export function editExistingTestScript(shortId: SampleShortId): ModelScript {
  return sequence(
    [
      applyPatchCall(
        patch(
          fixHunks(shortId),
          '*** Update File: test/totals.test.js',
          '@@',
          "-test('adds shipping below the free-shipping threshold', () => {",
          "+test.skip('adds shipping below the free-shipping threshold', () => {"
        )
      )
    ],
    [answerFor(shortId)]
  )
}

/** Touches thirty files (max-changed-files is 10 by default). */
export function thirtyFilesScript(shortId: SampleShortId): ModelScript {
  const files = Array.from({ length: 30 }, (_, i) =>
    [`*** Add File: src/generated/part-${i + 1}.js`, `+export const part${i + 1} = ${i + 1}`].join('\n')
  )
  return sequence([applyPatchCall(patch(fixHunks(shortId), ...files))], [answerFor(shortId)])
}

const BROKEN_TEST = 'test/regression-broken.test.js'

/** Each run adds a regression test that fails: the action's own test run never passes. */
function brokenRun(shortId: SampleShortId): ModelScript {
  return sequence(
    [
      applyPatchCall(
        patch(
          `*** Add File: ${BROKEN_TEST}`,
          "+import { test } from 'node:test'",
          "+import assert from 'node:assert/strict'",
          `+test('${shortId} regression (wrong expectation)', () => assert.equal(1, 2))`
        )
      )
    ],
    [answerFor(shortId)]
  )
}

/** The first run's change fails the tests; the follow-up run (told the failure) removes it and fixes the bug. */
export function secondAttemptScript(shortId: SampleShortId): ModelScript {
  const first = brokenRun(shortId)
  const second = sequence(
    [applyPatchCall(patch(`*** Delete File: ${BROKEN_TEST}`, fixHunks(shortId)))],
    [answerFor(shortId)]
  )
  return conversation =>
    conversation.userText.includes('did not pass the tests') ? second(conversation) : first(conversation)
}

/** Every run's change fails the tests. */
export function alwaysFailingScript(shortId: SampleShortId): ModelScript {
  const run = brokenRun(shortId)
  return conversation => {
    // A follow-up run starts from the broken file already present: add it only if it is not there yet.
    if (conversation.userText.includes('did not pass the tests')) {
      return sequence([shellCall('true')], [answerFor(shortId)])(conversation)
    }
    return run(conversation)
  }
}

// ---- runs the token budget must stop ----

/**
 * An agent that never finishes: every response asks for one more command, costing DEFAULT_TURN_USAGE (1050 tokens:
 * 1000 in, 200 of them cached, 50 out). `latencyMs` delays each response, as a real model takes seconds per response.
 */
export function keepTalkingScript(options: { latencyMs?: number } = {}): ModelScript {
  return conversation => ({
    kind: 'items',
    items: [shellCall(`echo still working, step ${conversation.toolResults + 1}`)],
    latencyMs: options.latencyMs ?? 0
  })
}

// ---- runs the reproduction proof must judge ----

/** The sample fix without its regression test file: the source change alone. */
function sourceOnlyHunks(shortId: SampleShortId): string {
  const fix = SAMPLE_FIXES[shortId]
  const sections = fixHunks(shortId).split(/\n(?=\*\*\* (?:Add|Update|Delete) File: )/)
  return sections.filter(section => !section.startsWith(`*** Add File: ${fix.testFile}`)).join('\n')
}

/** Fixes the bug and adds no test at all. */
export function noTestScript(shortId: SampleShortId): ModelScript {
  return sequence([applyPatchCall(patch(sourceOnlyHunks(shortId)))], [answerFor(shortId)])
}

const IDLE_TEST = 'test/regression-idle.test.js'

/**
 * Fixes the bug with a "regression" test that passes on the unfixed code too: it never calls the code. Told that it
 * did not reproduce the bug, it answers again without changing anything (it never learns).
 */
export function idleTestScript(shortId: SampleShortId): ModelScript {
  const first = sequence(
    [
      applyPatchCall(
        patch(
          sourceOnlyHunks(shortId),
          `*** Add File: ${IDLE_TEST}`,
          "+import { test } from 'node:test'",
          "+import assert from 'node:assert/strict'",
          `+test('${shortId} regression that tests nothing', () => assert.equal(1, 1))`
        )
      )
    ],
    [answerFor(shortId)]
  )
  const again = sequence([shellCall('true')], [answerFor(shortId)])
  return conversation =>
    conversation.userText.includes('did not reproduce the bug') ? again(conversation) : first(conversation)
}
