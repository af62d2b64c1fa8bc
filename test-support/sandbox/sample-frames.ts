// The exceptions behind the sample repository's Sentry issues, as the Sentry Node SDK reports them when the sample shop
// (test-support/sandbox/sample-repo) serves the failing requests: real function names, lines and columns, checked against real
// V8 stack traces by __tests__/adapters/git-cli.test.ts. Context lines are read from the sample files, so they are the
// files' real lines. The lead wires these into the world's issues (makeIssue({ latestEvent: { exceptions: [...] } })).
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { SentryWorldException, SentryWorldFrame } from './fake-sentry.js'

/** The sample shop as committed in the sample checkout's first commit (every bug present). */
export const SAMPLE_REPO_DIR = path.resolve(import.meta.dirname, 'sample-repo')

export const SAMPLE_SHORT_IDS = ['API-12', 'WEB-7', 'WEB-9', 'API-31'] as const
export type SampleShortId = (typeof SAMPLE_SHORT_IDS)[number]

/** Where deployed code lives on the shop's servers: absPath prefix of in-app frames. */
export const SAMPLE_DEPLOY_ROOT = '/srv/acme-shop'

/** Lines of context on each side of an in-app frame's line (the Node SDK's default is 7). */
const CONTEXT_LINES = 7

interface InAppFrame {
  /** repository-relative path */
  file: string
  function: string
  lineNo: number
  colNo: number
}

interface SampleStack {
  type: string
  value: string
  /** outermost first, the frame that threw last */
  frames: InAppFrame[]
}

// The request listener resumes after `await readJson(req)`, so the outermost frame is Node's microtask queue.
const TICK_FRAME: SentryWorldFrame = {
  filename: 'node:internal/process/task_queues',
  absPath: 'node:internal/process/task_queues',
  function: 'process.processTicksAndRejections',
  module: 'task_queues',
  lineNo: 104,
  colNo: 5,
  inApp: false,
  context: []
}

const LISTENER: InAppFrame = { file: 'src/server.js', function: 'Server.<anonymous>', lineNo: 34, colNo: 16 }

const STACKS: Record<SampleShortId, SampleStack> = {
  'API-12': {
    type: 'TypeError',
    value: "Cannot read properties of undefined (reading 'total')",
    frames: [
      LISTENER,
      { file: 'src/server.js', function: 'handleRequest', lineNo: 11, colNo: 64 },
      { file: 'src/api/routes.js', function: 'cartRoute', lineNo: 9, colNo: 66 },
      { file: 'src/cart/totals.js', function: 'cartTotal', lineNo: 22, colNo: 33 }
    ]
  },
  'WEB-7': {
    type: 'RangeError',
    value: 'Invalid time value',
    frames: [
      LISTENER,
      { file: 'src/server.js', function: 'handleRequest', lineNo: 17, colNo: 20 },
      { file: 'src/api/routes.js', function: 'orderRoute', lineNo: 18, colNo: 77 },
      { file: 'src/format/date.js', function: 'formatOrderDate', lineNo: 11, colNo: 21 }
    ]
  },
  'WEB-9': {
    type: 'TypeError',
    value: "Cannot read properties of null (reading 'length')",
    frames: [
      LISTENER,
      { file: 'src/server.js', function: 'handleRequest', lineNo: 13, colNo: 66 },
      { file: 'src/api/routes.js', function: 'searchRoute', lineNo: 22, colNo: 46 },
      { file: 'src/search/suggest.js', function: 'suggest', lineNo: 7, colNo: 13 }
    ]
  },
  'API-31': {
    type: 'Error',
    value: 'discount code not found',
    frames: [
      LISTENER,
      { file: 'src/server.js', function: 'handleRequest', lineNo: 12, colNo: 69 },
      { file: 'src/api/routes.js', function: 'checkoutRoute', lineNo: 14, colNo: 42 },
      { file: 'src/cart/totals.js', function: 'cartTotal', lineNo: 24, colNo: 42 },
      { file: 'src/cart/discounts.js', function: 'applyDiscount', lineNo: 11, colNo: 24 }
    ]
  }
}

/**
 * Exception frames per sample issue, in Sentry's order: outermost first, the frame that threw LAST. In-app frames carry
 * the sample file's real lines as context ([lineNo, line] pairs, up to 7 on each side).
 */
export function sampleStackFrames(): Record<SampleShortId, SentryWorldFrame[]> {
  const lines = new Map<string, string[]>()
  const fileLines = (file: string): string[] => {
    let cached = lines.get(file)
    if (!cached) {
      cached = readFileSync(path.join(SAMPLE_REPO_DIR, file), 'utf8').split('\n')
      lines.set(file, cached)
    }
    return cached
  }
  const result = {} as Record<SampleShortId, SentryWorldFrame[]>
  for (const shortId of SAMPLE_SHORT_IDS) {
    result[shortId] = [
      TICK_FRAME,
      ...STACKS[shortId].frames.map(frame => inAppFrame(frame, fileLines(frame.file)))
    ]
  }
  return result
}

/** The exception of each sample issue (type, value, unhandled mechanism, frames), ready for makeIssue's latestEvent. */
export function sampleExceptions(): Record<SampleShortId, SentryWorldException> {
  const frames = sampleStackFrames()
  const result = {} as Record<SampleShortId, SentryWorldException>
  for (const shortId of SAMPLE_SHORT_IDS) {
    const { type, value } = STACKS[shortId]
    result[shortId] = {
      type,
      value,
      mechanism: { type: 'onuncaughtexception', handled: false },
      frames: frames[shortId]
    }
  }
  return result
}

function inAppFrame(frame: InAppFrame, lines: string[]): SentryWorldFrame {
  const line = lines[frame.lineNo - 1]
  if (line === undefined) throw new Error(`${frame.file} has no line ${frame.lineNo}`)
  const first = Math.max(1, frame.lineNo - CONTEXT_LINES)
  const last = Math.min(lines.length, frame.lineNo + CONTEXT_LINES)
  const context: [number, string][] = []
  for (let n = first; n <= last; n++) context.push([n, lines[n - 1] ?? ''])
  // a file ending in a newline splits into a last empty "line" that is not a line of the file
  while (context.length > 0 && context.at(-1)?.[0] === lines.length && lines.at(-1) === '') context.pop()
  return {
    filename: frame.file,
    absPath: `${SAMPLE_DEPLOY_ROOT}/${frame.file}`,
    function: frame.function,
    module: frame.file
      .replace(/^src\//, '')
      .replace(/\.js$/, '')
      .replace(/\//g, ':'),
    lineNo: frame.lineNo,
    colNo: frame.colNo,
    inApp: true,
    context
  }
}
