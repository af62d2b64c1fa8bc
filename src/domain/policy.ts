// Pure: the policy gate between what the agent changed and what the action may push. The model and the Sentry event
// text that steered it are untrusted, so the diff the action measured is judged here, by rules, after the fact.
// Every violation is listed (a reviewer of the summary sees the whole picture, not the first problem), and no reason
// ever carries a secret value: reasons name the file and the rule, and a last pass strips any secret form from them.
import picomatch from 'picomatch'
import type { ChangedFile, WorktreeDiff } from '../ports.js'
import { guardedScriptChanges, readPackageScripts, type ScriptChange } from './npm-scripts.js'
import { applyHunks, blobId, headerPath, patchSections, unquote, type PatchSection } from './patch.js'
import { redact, secretForms, TOKEN_PATTERNS, type SecretForm } from './secrets.js'
import { oneLine } from './text.js'

export type PolicyVerdict = { kind: 'allowed' } | { kind: 'rejected'; reasons: string[] }

export interface PolicyInput {
  diff: WorktreeDiff
  /** deny-paths globs, matched against repository-relative paths (picomatch, dot: true) */
  denyPaths: readonly string[]
  maxChangedFiles: number
  maxChangedLines: number
  /**
   * Repository paths the caller knows are tests at the base commit (e.g. from the test runner's listing), treated as
   * existing tests whatever their name, in addition to the name patterns of TEST_GLOBS. Optional.
   */
  existingTestFiles?: readonly string[]
  /** the action's own credential values (tokens, keys): none may appear in an added line, in any common encoding */
  secrets: readonly string[]
  /**
   * The text at the base commit of every path `baseFilesNeeded(diff)` names (null: no such file there), read by the
   * caller from git. A package.json's scripts are compared between this text and the text the patch makes of it; a
   * package.json whose base text is not given is refused.
   */
  baseFiles: ReadonlyMap<string, string | null>
  /** the action's test-command: the npm scripts it names are guarded like the `test` script (optional) */
  testCommand?: string | null
}

/** Paths that look like tests: changing or removing one is not allowed, adding one is welcome. */
export const TEST_GLOBS = [
  '**/*.test.*',
  '**/*.spec.*',
  '**/*_test.*',
  '**/*_spec.*',
  '**/test_*.py',
  '**/*{Test,Tests}.{java,kt,scala,groovy,cs,php,swift}',
  '**/{test,tests,Test,Tests,__tests__,spec,specs,testdata,__snapshots__}/**',
  '**/*.snap'
] as const

/**
 * Files that decide what the tests do (collection, set-up, skips): even a NEW one can change how existing tests run
 * (a new conftest.py is collected automatically), so any change to one is rejected.
 */
export const TEST_SETUP_GLOBS = [
  '**/conftest.py',
  '**/pytest.ini',
  '**/{jest,vitest,karma,playwright,cypress}.config.*',
  '**/karma.conf.*',
  '**/.mocharc*',
  '**/setupTests.*',
  '**/phpunit.xml*'
] as const

const LINK_MODES: Record<string, string> = { '120000': 'symlink', '160000': 'submodule' }
const SHOWN_LINES = 5

export function checkPolicy(input: PolicyInput): PolicyVerdict {
  const files = input.diff.files.map(normalised)
  const forms = secretForms(input.secrets)
  const rules: FileRules = {
    denied: matcher(input.denyPaths),
    knownTests: new Set((input.existingTestFiles ?? []).map(path => stripDots(path)))
  }
  const reasons = [
    ...sizeReasons(files, input),
    ...files.flatMap(file => fileReasons(file, rules)),
    ...secretPathReasons(files, forms),
    ...addedLineReasons(input.diff.patch, forms),
    ...scriptReasons(input.diff.patch),
    ...packageJsonReasons(input, files)
  ].map(reason => redact(reason, input.secrets))
  return reasons.length === 0 ? { kind: 'allowed' } : { kind: 'rejected', reasons }
}

// ---- files ----

const stripDots = (path: string) => path.replace(/^(?:\.\/)+/, '')

function normalised(file: ChangedFile): ChangedFile {
  const oldPath = file.oldPath === undefined ? {} : { oldPath: stripDots(file.oldPath) }
  return { ...file, path: stripDots(file.path), ...oldPath }
}

/** A path as a person reads it: one line, no invisible characters, capped (paths come from the agent). */
const shown = (path: string) => oneLine(path, 160)

function sizeReasons(files: ChangedFile[], input: PolicyInput): string[] {
  const reasons: string[] = []
  if (files.length > input.maxChangedFiles) {
    reasons.push(`changes ${files.length} files (max-changed-files ${input.maxChangedFiles})`)
  }
  const lines = files.reduce((sum, file) => sum + file.additions + file.deletions, 0)
  if (lines > input.maxChangedLines) {
    reasons.push(`changes ${lines} lines (max-changed-lines ${input.maxChangedLines})`)
  }
  return reasons
}

const matcher = (globs: readonly string[]) => {
  const compiled = globs.map(glob => ({ glob, isMatch: picomatch(glob, { dot: true }) }))
  return (path: string) => compiled.find(({ isMatch }) => isMatch(path))?.glob ?? null
}
const isTestPath = matcher(TEST_GLOBS)
const isTestSetupPath = matcher(TEST_SETUP_GLOBS)

const VERBS: Record<ChangedFile['status'], string> = {
  added: 'adds',
  modified: 'modifies',
  deleted: 'deletes',
  renamed: 'renames',
  'type-changed': 'changes the type of'
}

interface FileRules {
  /** the first deny-paths glob a path matches, or null */
  denied: (path: string) => string | null
  knownTests: ReadonlySet<string>
}

function fileReasons(file: ChangedFile, { denied, knownTests }: FileRules): string[] {
  const reasons: string[] = []
  const glob = denied(file.path)
  if (glob !== null) reasons.push(`${shown(file.path)} matches deny-paths '${glob}'`)
  if (file.oldPath !== undefined && file.oldPath !== file.path) {
    const oldGlob = denied(file.oldPath)
    if (oldGlob !== null) {
      reasons.push(`${shown(file.oldPath)} matches deny-paths '${oldGlob}' (renamed to ${shown(file.path)})`)
    }
  }

  const test = testReason(file, knownTests)
  if (test !== null) reasons.push(test)

  const link = file.mode === null ? undefined : LINK_MODES[file.mode]
  if (link !== undefined && file.status !== 'deleted') {
    reasons.push(
      file.status === 'added'
        ? `adds a ${link} at ${shown(file.path)} (symlinks and submodules are not allowed)`
        : `changes the ${link} ${shown(file.path)} (symlinks and submodules are not allowed)`
    )
  }
  if (file.binary) {
    reasons.push(
      `${VERBS[file.status]} the binary file ${shown(file.path)} (binary changes cannot be reviewed; not allowed)`
    )
  }
  return reasons
}

function testReason(file: ChangedFile, known: ReadonlySet<string>): string | null {
  const paths = file.oldPath === undefined ? [file.path] : [file.oldPath, file.path]
  const setup = paths.find(path => isTestSetupPath(path) !== null)
  if (setup !== undefined) {
    return `${VERBS[file.status]} the test set-up file ${shown(setup)} (it decides how the tests run; not allowed)`
  }
  // The existing file is the old path of a rename, the path itself otherwise. A known test counts even when git
  // reports it as added (it existed at the base, so the change replaces it).
  const existing = file.oldPath ?? file.path
  const isExistingTest = known.has(existing) || (file.status !== 'added' && isTestPath(existing) !== null)
  if (!isExistingTest) return null
  const target = file.status === 'renamed' ? `${shown(existing)} to ${shown(file.path)}` : shown(existing)
  return `${VERBS[file.status]} the existing test ${target} (new tests are welcome; existing ones may not change)`
}

// ---- secrets ----

function secretPathReasons(files: ChangedFile[], forms: SecretForm[]): string[] {
  const leaks = files.some(file =>
    [file.path, file.oldPath ?? ''].some(path => forms.some(form => path.includes(form.text)))
  )
  return leaks
    ? ["a changed file's path contains one of the action's own secret values (path not shown)"]
    : []
}

export interface AddedLine {
  file: string
  /** line number in the new file, null when the patch could not be followed */
  line: number | null
  text: string
}

/**
 * The added lines of a unified diff, with their file and new line number. Hunks are followed by their line counts,
 * so an added line whose text starts with '++' is still an added line; a '+' line outside any hunk that is not a
 * '+++ ' header is scanned too (fail closed on a patch this parser does not follow).
 */
export function addedLines(patch: string): AddedLine[] {
  const added: AddedLine[] = []
  let file = '(unknown file)'
  let oldLeft = 0
  let newLeft = 0
  let newLine = 0
  for (const raw of patch.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (oldLeft > 0 || newLeft > 0) {
      const mark = line.charAt(0)
      if (mark === '+') {
        added.push({ file, line: newLine, text: line.slice(1) })
        newLeft--
        newLine++
        continue
      }
      if (mark === '-') {
        oldLeft--
        continue
      }
      if (mark === ' ' || line === '') {
        oldLeft--
        newLeft--
        newLine++
        continue
      }
      if (mark === '\\') continue // "\ No newline at end of file"
      oldLeft = newLeft = 0 // a truncated hunk: fall through to header parsing
    }
    const hunk = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line)
    if (hunk) {
      oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1])
      newLine = Number(hunk[2])
      newLeft = hunk[3] === undefined ? 1 : Number(hunk[3])
      continue
    }
    if (line.startsWith('diff --git ')) {
      file = '(unknown file)' // named by its '+++ ' header, which every file with added lines has
      continue
    }
    if (line.startsWith('+++ ')) {
      file = headerPath(line.slice(4)) ?? file
      continue
    }
    if (line.startsWith('+')) added.push({ file, line: null, text: line.slice(1) })
  }
  return added
}

/**
 * What a patch says it touches: its number of file sections (`diff --git` headers) and every path its headers name
 * (---/+++, rename and copy lines). Land compares these with the measured file list before it applies a hand-off.
 */
export function patchTouches(patch: string): { sections: number; paths: Set<string> } {
  let sections = 0
  const paths = new Set<string>()
  // Only a section's extended header (from `diff --git` to its first hunk or binary data) names paths: a hunk line
  // such as '+++ x' is content.
  let inHeader = false
  for (const raw of patch.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (line.startsWith('diff --git ')) {
      sections++
      inHeader = true
      continue
    }
    if (!inHeader) continue
    if (line.startsWith('@@') || line.startsWith('GIT binary patch')) {
      inHeader = false
      continue
    }
    const header = /^(?:\+\+\+|---) (.*)$/.exec(line)
    if (header) {
      const named = headerPath(header[1]!.replace(/^("?)a\//, '$1b/'))
      if (named !== null) paths.add(named)
    }
    const moved = /^(?:rename|copy) (?:from|to) (.*)$/.exec(line)
    if (moved) paths.add(moved[1]!.startsWith('"') ? unquote(moved[1]!) : moved[1]!)
  }
  return { sections, paths }
}

function addedLineReasons(patch: string, forms: SecretForm[]): string[] {
  // file -> finding -> line numbers, in the patch's order
  const findings = new Map<string, Map<string, (number | null)[]>>()
  const note = (file: string, finding: string, line: number | null) => {
    const byFinding = findings.get(file) ?? new Map<string, (number | null)[]>()
    findings.set(file, byFinding)
    byFinding.set(finding, [...(byFinding.get(finding) ?? []), line])
  }
  for (const { file, line, text } of addedLines(patch)) {
    const own = forms.find(form => text.includes(form.text))
    if (own) {
      const how = own.encoding === '' ? '' : `, ${own.encoding}`
      note(file, `adds one of the action's own secret values${how}`, line)
    }
    for (const { name, pattern } of TOKEN_PATTERNS) {
      if (pattern.test(text)) note(file, `adds what looks like ${name}`, line)
    }
  }
  const reasons: string[] = []
  for (const [file, byFinding] of findings) {
    for (const [finding, lines] of byFinding) {
      reasons.push(`${shown(file)} ${finding}${lineList(lines)} (value not shown)`)
    }
  }
  return reasons
}

// ---- scripts: what would run code that nobody reviews, or stop the tests from testing ----

const SHELLS = String.raw`(?:sudo\s+(?:-\S+\s+)*)?(?:ba|da|z|k|fi|c|tc)?sh|python[0-9.]*|perl|ruby|node|php`
/** A download piped or substituted into an interpreter: `curl … | sh`, `bash <(wget …)`, `iwr … | iex`. */
const DOWNLOAD_TO_SHELL: readonly RegExp[] = [
  new RegExp(String.raw`\b(?:curl|wget)\b[^|\n]*\|\s*(?:${SHELLS})\b`, 'i'),
  new RegExp(String.raw`\b(?:${SHELLS})\b[^\n]*[<$]\(\s*(?:curl|wget)\b`, 'i'),
  /\b(?:iwr|irm|Invoke-WebRequest|Invoke-RestMethod|(?:New-Object\s+)?(?:System\.)?Net\.WebClient)\b[^\n]*\|\s*(?:iex|Invoke-Expression)\b/i,
  /\b(?:iex|Invoke-Expression)\b[^\n]*\b(?:iwr|irm|Invoke-WebRequest|Invoke-RestMethod|DownloadString)\b/i
]

/**
 * Added lines that pipe a download into a shell (in any file: a script, a Dockerfile, a workflow-like config). A fix
 * never needs one, and it turns a pull request into code that runs where nobody looked. (package.json scripts are
 * compared as objects, by packageJsonReasons.)
 */
export function scriptReasons(patch: string): string[] {
  const findings = new Map<string, (number | null)[]>()
  const note = (reason: string, line: number | null) =>
    findings.set(reason, [...(findings.get(reason) ?? []), line])
  for (const { file, line, text } of addedLines(patch)) {
    if (DOWNLOAD_TO_SHELL.some(pattern => pattern.test(text))) {
      note(
        `${shown(file)} pipes a download into a shell or interpreter (code nobody reviews would run)`,
        line
      )
    }
  }
  return [...findings].map(([reason, lines]) => `${reason}${lineList(lines)}`)
}

// ---- package.json: the scripts npm runs, compared as parsed objects between the base and the fix ----

const isPackageJson = (file: string) => /(?:^|\/)package\.json$/.test(file)

/**
 * The paths whose text at the base commit checkPolicy needs (its `baseFiles`): every package.json the diff touches,
 * on either side of a rename, and the file a package.json is renamed or copied from.
 */
export function baseFilesNeeded(diff: WorktreeDiff): string[] {
  const sections = patchSections(diff.patch)
  const paths = packageJsonPaths(diff.files.map(normalised), sections)
  for (const { source, target } of sections) {
    if (source !== null && target !== null && isPackageJson(target)) paths.add(source)
  }
  return [...paths]
}

/** Every package.json the diff touches, on either side of a rename, by the file list and by the patch. */
function packageJsonPaths(files: ChangedFile[], sections: PatchSection[]): Set<string> {
  const paths = new Set<string>()
  const note = (path: string | null | undefined) => {
    if (typeof path === 'string' && isPackageJson(path)) paths.add(path)
  }
  for (const file of files) [file.oldPath, file.path].forEach(note)
  for (const { source, target } of sections) [source, target].forEach(note)
  return paths
}

const SCRIPT_WHY: Record<ScriptChange['kind'], string> = {
  test: "it decides what the action's test run and CI test; not allowed",
  install: 'it runs on every install; not allowed'
}

/**
 * Every package.json the patch touches, read as npm reads it before and after: a change to a script that decides what
 * the tests run or that runs on install (added, removed or given another value) is refused, and so is a package.json
 * that does not parse, that has a script name twice, or whose new text cannot be followed from the patch.
 */
function packageJsonReasons(input: PolicyInput, files: ChangedFile[]): string[] {
  const sections = patchSections(input.diff.patch)
  const reasons: string[] = []
  const paths = packageJsonPaths(files, sections)
  if (sections.some(s => s.source === null && s.target === null)) {
    reasons.push('the patch has a section that names no file (it cannot be checked; not allowed)')
  }
  for (const path of paths) {
    const versions = packageJsonVersions(path, sections, input.baseFiles)
    if (versions.kind === 'unknown') {
      reasons.push(`${shown(path)}: ${versions.why} (its npm scripts cannot be compared; not allowed)`)
      continue
    }
    const base = versions.base === null ? null : readPackageScripts(versions.base)
    const fix = versions.fix === null ? null : readPackageScripts(versions.fix)
    if (base?.kind === 'invalid') {
      reasons.push(
        `${shown(path)} is not valid JSON at the base commit (its npm scripts cannot be compared; not allowed)`
      )
    }
    if (fix?.kind === 'invalid') {
      reasons.push(`${shown(path)} is not valid JSON after the change (npm could not read it; not allowed)`)
    }
    if (base?.kind === 'invalid' || fix?.kind === 'invalid') continue
    if (fix?.scriptsTwice) {
      reasons.push(
        `${shown(path)} has the key "scripts" twice (npm reads the last, a reviewer may read the first; not allowed)`
      )
    }
    for (const [name, lines] of fix?.lines ?? []) {
      if (lines.length > 1) {
        reasons.push(
          `${shown(path)} has the npm script "${shown(name)}" twice (npm runs the last, a reviewer may read the first; not allowed)${lineList(lines)}`
        )
      }
    }
    const changes = guardedScriptChanges(
      base?.scripts ?? new Map(),
      fix?.scripts ?? new Map(),
      input.testCommand ?? null
    )
    for (const { name, change, kind, via } of changes) {
      const verb = change === 'set' ? 'sets' : 'removes'
      const runs =
        via === null ? '' : via === 'test-command' ? 'test-command runs it; ' : `"${shown(via)}" runs it; `
      const where = change === 'set' ? lineList(fix?.lines.get(name)?.slice(-1) ?? []) : ''
      reasons.push(
        `${shown(path)} ${verb} the npm "${shown(name)}" script (${runs}${SCRIPT_WHY[kind]})${where}`
      )
    }
  }
  return reasons
}

type Versions = { kind: 'known'; base: string | null; fix: string | null } | { kind: 'unknown'; why: string }

/** A path's text at the base and after the patch (null: no file), or why it cannot be known. */
function packageJsonVersions(
  path: string,
  sections: PatchSection[],
  baseFiles: ReadonlyMap<string, string | null>
): Versions {
  const writes = sections.filter(s => s.target === path)
  const touches = sections.filter(s => s.source === path || s.target === path)
  const notRead = { kind: 'unknown', why: 'its text at the base commit was not read' } as const
  // git apply refuses to create a file that exists, so a created file had no base text
  const created = writes.length === 1 && writes[0]!.source === null && !baseFiles.has(path)
  const base = created ? null : baseFiles.get(path)
  if (base === undefined) return notRead
  if (writes.length > 1) return { kind: 'unknown', why: 'the patch writes it more than once' }
  const write = writes[0]
  if (write === undefined) {
    if (touches.some(s => s.removesSource)) return { kind: 'known', base, fix: null }
    if (touches.length === 0) return { kind: 'unknown', why: 'the patch has no section for it' }
    return { kind: 'known', base, fix: base } // copied from, unchanged
  }
  if (write.opaque) return { kind: 'unknown', why: 'the patch does not show its new text' }
  const old = write.source === null ? '' : write.source === path ? base : baseFiles.get(write.source)
  if (old === undefined) return { kind: 'unknown', why: `the text of ${shown(write.source!)} was not read` }
  if (old === null)
    return { kind: 'unknown', why: 'the patch changes a file that the base commit does not have' }
  const fix = applyHunks(old, write.hunks)
  if (fix === null) return { kind: 'unknown', why: 'the patch does not apply to its text at the base commit' }
  // the text read here is the blob the patch says it makes (and land checks the pushed commit against that blob)
  const named = write.newBlob
  if (named !== null && !/^0+$/.test(named)) {
    if (!blobId(fix, named.length === 64 ? 'sha256' : 'sha1').startsWith(named))
      return { kind: 'unknown', why: "the patch's lines for it do not make the blob its index line names" }
  }
  return { kind: 'known', base, fix }
}

function lineList(lines: (number | null)[]): string {
  const numbers = [...new Set(lines.filter((line): line is number => line !== null))]
  if (numbers.length === 0) return ''
  const listed = numbers.slice(0, SHOWN_LINES).join(', ')
  const more = numbers.length > SHOWN_LINES ? ` and ${numbers.length - SHOWN_LINES} more` : ''
  return numbers.length === 1 ? ` (line ${listed})` : ` (lines ${listed}${more})`
}

/**
 * The one redaction (domain/secrets.ts), under the name stages/work.ts still imports it by: for the model's words
 * (root cause, notes, summary) before they reach the summary, the artifact, a commit or a PR.
 */
