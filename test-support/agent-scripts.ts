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
