// Pure: the policy gate between what the agent changed and what the action may push. The model and the Sentry event
// text that steered it are untrusted, so the diff the action measured is judged here, by rules, after the fact.
// Every violation is listed (a reviewer of the summary sees the whole picture, not the first problem), and no reason
// ever carries a secret value: reasons name the file and the rule, and a last pass strips any secret form from them.
// The rules are here; the secret scan of paths and added lines is policy-secrets.ts's, the patch reading patch.ts's.
import picomatch from 'picomatch'
import type { ChangedFile, WorktreeDiff } from '../ports.js'
import { guardedScriptChanges, readPackageScripts, type ScriptChange } from './npm-scripts.js'
import { addedLines, applyHunks, blobId, patchSections, type PatchSection } from './patch.js'
import { lineList, shown } from './policy-reasons.js'
import { secretReasons } from './policy-secrets.js'
import { redact } from './secrets.js'

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

export function checkPolicy(input: PolicyInput): PolicyVerdict {
  const files = input.diff.files.map(normalised)
  const rules: FileRules = {
    denied: matcher(input.denyPaths),
    knownTests: new Set((input.existingTestFiles ?? []).map(path => stripDots(path)))
  }
  const reasons = [
    ...sizeReasons(files, input),
    ...files.flatMap(file => fileReasons(file, rules)),
    ...secretReasons(files, input.diff.patch, input.secrets),
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
