// Pure: the npm scripts of a package.json as npm reads them (JSON.parse, so a `\u` escape in a key counts and the
// last of two equal keys wins), where each is written, and which of them decide what the tests run or run on install.
// The policy compares them between the base commit and the fix, as objects: a line-by-line look misses two
// scripts on one line, an escaped name, and a duplicate key that one reader sees and another does not.

/** Scripts `npm test` runs: changing one decides what the action's test run (and CI) tests. */
export const NPM_TEST_SCRIPTS = ['test', 'pretest', 'posttest'] as const

/** Scripts npm runs on install, prepare, pack or publish: on CI and on every reviewer's machine. */
export const NPM_INSTALL_SCRIPTS = [
  'preinstall',
  'install',
  'postinstall',
  'preprepare',
  'prepare',
  'postprepare',
  'prepublish',
  'prepublishOnly',
  'prepack',
  'pack',
  'postpack',
  'dependencies'
] as const

export type PackageScripts =
  | {
      kind: 'read'
      /** name -> command (a value that is not a string, as its JSON) */
      scripts: ReadonlyMap<string, string>
      /** name -> the lines its key is written on, in order (more than one: a duplicate) */
      lines: ReadonlyMap<string, number[]>
      /** the top-level "scripts" key is written more than once */
      scriptsTwice: boolean
    }
  | { kind: 'invalid' }

/** The scripts of a package.json's text (a leading BOM allowed, as npm allows it). */
export function readPackageScripts(raw: string): PackageScripts {
  const text = raw.replace(/^\uFEFF/, '')
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return { kind: 'invalid' }
  }
  const scripts = new Map<string, string>()
  const record = isObject(parsed) ? parsed.scripts : undefined
  if (isObject(record)) {
    for (const [name, value] of Object.entries(record)) {
      scripts.set(name, typeof value === 'string' ? value : JSON.stringify(value))
    }
  }
  return { kind: 'read', scripts, ...scriptKeys(text) }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

export interface ScriptChange {
  name: string
  /** set: added or given another value; removed: there at the base, gone in the fix */
  change: 'set' | 'removed'
  /** what the script decides: the tests, or what runs on install */
  kind: 'test' | 'install'
  /** the guarded script (or 'test-command') that runs this one, null for a lifecycle script itself */
  via: string | null
}

/**
 * The changes between two versions' scripts that touch a guarded script: the test and install lifecycle scripts,
 * the scripts the action's test-command names, every script a guarded script's command names (`"test": "npm run
 * unit"` guards `unit`; a `*` in a name is a wildcard, as in `run-s test:*`), and the pre/post hooks of each.
 */
export function guardedScriptChanges(
  base: ReadonlyMap<string, string>,
  fix: ReadonlyMap<string, string>,
  testCommand: string | null = null
): ScriptChange[] {
  const names = new Set([...base.keys(), ...fix.keys()])
  const guarded = new Map<string, { kind: ScriptChange['kind']; via: string | null }>()
  const queue: string[] = []
  const guard = (name: string, kind: ScriptChange['kind'], via: string | null) => {
    if (guarded.has(name)) return
    guarded.set(name, { kind, via })
    queue.push(name)
  }
  for (const name of NPM_TEST_SCRIPTS) guard(name, 'test', null)
  for (const name of NPM_INSTALL_SCRIPTS) guard(name, 'install', null)
  for (const name of namedScripts(testCommand ?? '', names)) guard(name, 'test', 'test-command')
  while (queue.length > 0) {
    const name = queue.shift()!
    const { kind } = guarded.get(name)!
    for (const hook of [`pre${name}`, `post${name}`]) if (names.has(hook)) guard(hook, kind, name)
    for (const command of [base.get(name), fix.get(name)]) {
      for (const named of namedScripts(command ?? '', names)) guard(named, kind, name)
    }
  }
  const changes: ScriptChange[] = []
  for (const [name, { kind, via }] of guarded) {
    const before = base.get(name)
    const after = fix.get(name)
    if (before === after) continue
    changes.push({ name, change: after === undefined ? 'removed' : 'set', kind, via })
  }
  return changes
}

/** The script names a command mentions as a word (a `*` in a word matches any characters). */
function namedScripts(command: string, names: ReadonlySet<string>): string[] {
  const found: string[] = []
  for (const word of command.split(/[\s;&|()<>'"`]+/)) {
    if (word === '') continue
    if (names.has(word)) found.push(word)
    if (word.includes('*')) {
      const pattern = new RegExp(`^${word.split('*').map(escapeRegExp).join('.*')}$`)
      for (const name of names) if (pattern.test(name)) found.push(name)
    }
  }
  return found
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

// ---- where each key is written: a small scan of text that JSON.parse has accepted ----

interface Scan {
  text: string
  at: number
  line: number
}

/** Where the keys of the "scripts" object are written (of the last one, which JSON.parse keeps, when there are two). */
function scriptKeys(text: string): { lines: Map<string, number[]>; scriptsTwice: boolean } {
  let lines = new Map<string, number[]>()
  let scriptsSeen = 0
  const scan: Scan = { text, at: 0, line: 1 }
  space(scan)
  if (text.charAt(scan.at) !== '{') return { lines, scriptsTwice: false }
  members(scan, key => {
    if (key !== 'scripts') return value(scan)
    scriptsSeen++
    const these = new Map<string, number[]>()
    lines = these
    if (text.charAt(scan.at) !== '{') return value(scan)
    members(scan, (name, line) => {
      these.set(name, [...(these.get(name) ?? []), line])
      value(scan)
    })
  })
  return { lines, scriptsTwice: scriptsSeen > 1 }
}

function space(scan: Scan): void {
  for (; scan.at < scan.text.length; scan.at++) {
    const char = scan.text.charAt(scan.at)
    if (char === '\n') scan.line++
    else if (char !== ' ' && char !== '\t' && char !== '\r') return
  }
}

/** A string token, decoded (a JSON string cannot hold a raw line break, so the line stays). */
function string(scan: Scan): string {
  const start = scan.at
  scan.at++
  while (scan.at < scan.text.length && scan.text.charAt(scan.at) !== '"') {
    scan.at += scan.text.charAt(scan.at) === '\\' ? 2 : 1
  }
  scan.at++
  return JSON.parse(scan.text.slice(start, scan.at)) as string
}

/** The members of the object at the cursor: `onMember` is called with the cursor on the member's value, and reads it. */
function members(scan: Scan, onMember: (key: string, line: number) => void): void {
  scan.at++ // {
  space(scan)
  if (scan.text.charAt(scan.at) === '}') {
    scan.at++
    return
  }
  while (scan.at < scan.text.length) {
    space(scan)
    const line = scan.line
    const key = string(scan)
    space(scan)
    scan.at++ // :
    space(scan)
    onMember(key, line)
    space(scan)
    if (scan.text.charAt(scan.at++) !== ',') return
  }
}

/** Skips the value at the cursor. */
function value(scan: Scan): void {
  const char = scan.text.charAt(scan.at)
  if (char === '"') {
    string(scan)
  } else if (char === '{') {
    members(scan, () => value(scan))
  } else if (char === '[') {
    scan.at++
    space(scan)
    if (scan.text.charAt(scan.at) === ']') {
      scan.at++
      return
    }
    while (scan.at < scan.text.length) {
      space(scan)
      value(scan)
      space(scan)
      if (scan.text.charAt(scan.at++) !== ',') return
    }
  } else {
    while (scan.at < scan.text.length && !/[\s,\]}]/.test(scan.text.charAt(scan.at))) scan.at++
  }
}
