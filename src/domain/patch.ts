// Pure: reading a unified diff (`git diff --binary` output, or a patch handed over by a work job) as git apply reads
// it: its sections, the paths its headers name, its added lines, and a text section applied to a file's old text. The
// policy uses this to see the whole new text of a file whose meaning is more than its lines (a package.json), from the
// very patch that lands, and checks it against the blob id the patch's `index` line names (the id land checks the
// pushed commit against); patch-tree.ts reads names from `diff --git` lines and C-quoted paths with it.
import { createHash } from 'node:crypto'

export interface PatchHunk {
  oldStart: number
  oldCount: number
  newStart: number
  newCount: number
  /** the hunk's lines with their mark (' ', '-', '+', '\'), a carriage return kept as part of the text */
  lines: string[]
}

export interface PatchSection {
  /** the path whose old text the hunks apply to; null for a new file */
  source: string | null
  /** the path written; null when the file is deleted */
  target: string | null
  /** the source path is gone afterwards (a rename or a deletion; a copy keeps it) */
  removesSource: boolean
  /** the new text cannot be followed: binary data, a hunk cut short, or a file the headers do not name */
  opaque: boolean
  /** the blob id of the new text, from the `index <old>..<new>` line (abbreviated unless --full-index); null if none */
  newBlob: string | null
  hunks: PatchHunk[]
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/

/**
 * The sections of a patch in order: one per `diff --git` header, and one per traditional `--- `/`+++ ` pair outside a
 * hunk (git apply takes those too). Paths come from the ---/+++ headers, else from rename/copy lines, else from the
 * `diff --git` line itself (a pure mode change or an empty new file has nothing else).
 */
export function patchSections(patch: string): PatchSection[] {
  const sections: PatchSection[] = []
  const lines = patch.split('\n')
  let current: Draft | null = null
  let hunk: PatchHunk | null = null
  let oldLeft = 0
  let newLeft = 0
  const finish = () => {
    if (current) sections.push(settle(current))
    current = null
    hunk = null
  }
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!
    if (hunk && (oldLeft > 0 || newLeft > 0)) {
      const mark = raw.charAt(0)
      if (mark === '+' || mark === '-' || mark === ' ' || raw === '' || mark === '\\') {
        hunk.lines.push(raw === '' ? ' ' : raw)
        if (mark === '+') newLeft--
        else if (mark === '-') oldLeft--
        else if (mark !== '\\') {
          oldLeft--
          newLeft--
        }
        continue
      }
      // a hunk cut short
      if (current) current.opaque = true
      oldLeft = newLeft = 0
    }
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (hunk && line.startsWith('\\')) {
      hunk.lines.push(line) // "\ No newline at end of file" after a hunk's last line
      continue
    }
    if (line.startsWith('diff --git ')) {
      finish()
      current = draft(gitLinePaths(line.slice('diff --git '.length)))
      continue
    }
    if (
      line.startsWith('--- ') &&
      (lines[i + 1] ?? '').startsWith('+++ ') &&
      (!current || current.hunks > 0 || current.binary)
    ) {
      // a traditional patch (no `diff --git` line), or one that follows a section's hunks
      finish()
      current = draft(null)
    }
    if (!current) continue
    const found = HUNK.exec(line)
    if (found) {
      hunk = {
        oldStart: Number(found[1]),
        oldCount: found[2] === undefined ? 1 : Number(found[2]),
        newStart: Number(found[3]),
        newCount: found[4] === undefined ? 1 : Number(found[4]),
        lines: []
      }
      current.hunkList.push(hunk)
      current.hunks++
      oldLeft = hunk.oldCount
      newLeft = hunk.newCount
      continue
    }
    if (current.hunks > 0 || current.binary) continue
    header(current, line)
  }
  if (hunk && (oldLeft > 0 || newLeft > 0) && current) (current as Draft).opaque = true
  finish()
  return sections
}

interface Draft {
  /** the two paths of the `diff --git` line, when it could be read */
  gitPaths: [string, string] | null
  /** from the ---/+++ headers: undefined when absent, null for /dev/null */
  oldHeader?: string | null
  newHeader?: string | null
  renameFrom?: string
  renameTo?: string
  copyFrom?: string
  copyTo?: string
  created: boolean
  deleted: boolean
  binary: boolean
  opaque: boolean
  newBlob?: string
  hunks: number
  hunkList: PatchHunk[]
}

const draft = (gitPaths: [string, string] | null): Draft => ({
  gitPaths,
  created: false,
  deleted: false,
  binary: false,
  opaque: false,
  hunks: 0,
  hunkList: []
})

function header(section: Draft, line: string): void {
  const moved = /^(rename|copy) (from|to) (.*)$/.exec(line)
  if (moved) {
    const named = moved[3]!.startsWith('"') ? unquote(moved[3]!) : moved[3]!
    if (moved[1] === 'rename') section[moved[2] === 'from' ? 'renameFrom' : 'renameTo'] = named
    else section[moved[2] === 'from' ? 'copyFrom' : 'copyTo'] = named
  } else if (line.startsWith('new file mode')) section.created = true
  else if (line.startsWith('deleted file mode')) section.deleted = true
  else if (line.startsWith('GIT binary patch') || /^Binary files .* differ$/.test(line)) section.binary = true
  else if (/^index [0-9a-f]+\.\.[0-9a-f]+(?: \d+)?$/.test(line)) section.newBlob = line.split(/\.\.| /)[2]
  else if (line.startsWith('--- ')) section.oldHeader = sidePath(line.slice(4))
  else if (line.startsWith('+++ ')) section.newHeader = sidePath(line.slice(4))
}

function settle(section: Draft): PatchSection {
  const created = section.created || section.oldHeader === null
  const deleted = section.deleted || section.newHeader === null
  const source = created
    ? null
    : (section.oldHeader ?? section.renameFrom ?? section.copyFrom ?? section.gitPaths?.[0] ?? null)
  const target = deleted
    ? null
    : (section.newHeader ?? section.renameTo ?? section.copyTo ?? section.gitPaths?.[1] ?? null)
  const unnamed = (!created && source === null) || (!deleted && target === null)
  return {
    source,
    target,
    removesSource: deleted || section.renameFrom !== undefined,
    opaque: section.opaque || section.binary || unnamed,
    newBlob: section.newBlob ?? null,
    hunks: section.hunkList
  }
}

/** A ---/+++ header's path without its first component (a/, b/, as git apply -p1 reads it); null for /dev/null. */
function sidePath(text: string): string | null {
  const trimmed = text.startsWith('"') ? text : text.replace(/\t.*$/, '')
  if (trimmed === '/dev/null') return null
  const path = trimmed.startsWith('"') ? unquote(trimmed) : trimmed
  const slash = path.indexOf('/')
  return slash < 0 ? path : path.slice(slash + 1)
}

/** The two paths of a `diff --git a/x b/y` line: quoted ones, or the same path twice; null when ambiguous. */
export function gitLinePaths(rest: string): [string, string] | null {
  const quoted = /^("(?:[^"\\]|\\.)*"|\S+) ("(?:[^"\\]|\\.)*"|\S+)$/.exec(rest)
  if (quoted && (quoted[1]!.startsWith('"') || quoted[2]!.startsWith('"'))) {
    const [a, b] = [quoted[1]!, quoted[2]!].map(p => (p.startsWith('"') ? unquote(p) : p))
    return a!.startsWith('a/') && b!.startsWith('b/') ? [a!.slice(2), b!.slice(2)] : null
  }
  const path = samePathOf(rest)
  return path === null ? null : [path, path]
}

/** The path of an unquoted `a/<p> b/<p>`: the one split with the same path on both sides; null when there is none. */
export function samePathOf(rest: string): string | null {
  const length = (rest.length - 1) / 2
  if (!Number.isInteger(length) || length < 3) return null
  const a = rest.slice(0, length)
  const b = rest.slice(length + 1)
  if (rest.charAt(length) !== ' ' || !a.startsWith('a/') || !b.startsWith('b/') || a.slice(2) !== b.slice(2))
    return null
  return a.slice(2)
}

/** The path of a '+++ ' header: C-quoted when it holds special characters, with a b/ prefix; null for /dev/null. */
export function headerPath(text: string): string | null {
  const trimmed = text.startsWith('"') ? text : text.replace(/\t.*$/, '')
  if (trimmed === '/dev/null' || trimmed === '') return null
  const path = trimmed.startsWith('"') ? unquote(trimmed) : trimmed
  return path.startsWith('b/') ? path.slice(2) : path
}

/** Undoes git's C-style quoting ("a\303\251b", \t, \n, \", \\). */
export function unquote(quoted: string): string {
  const body = quoted.replace(/^"|"(?:\t.*)?$/g, '')
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v' }
  const parts: Buffer[] = []
  let last = 0
  for (const match of body.matchAll(/\\([0-7]{3}|[\s\S])/g)) {
    parts.push(Buffer.from(body.slice(last, match.index), 'utf8'))
    const code = match[1]!
    parts.push(
      code.length === 3 ? Buffer.from([parseInt(code, 8)]) : Buffer.from(simple[code] ?? code, 'utf8')
    )
    last = match.index + match[0].length
  }
  parts.push(Buffer.from(body.slice(last), 'utf8'))
  return Buffer.concat(parts).toString('utf8')
}

/**
 * The text after applying the hunks to `old`, each exactly at the line it names: null when a context or removed line
 * differs, or the hunks overlap or run past the end. git apply tries that same line first, so when this succeeds it
 * gives git's result; when git would apply a hunk elsewhere, this fails.
 */
export function applyHunks(old: string, hunks: readonly PatchHunk[]): string | null {
  const lines = old === '' ? [] : old.split('\n')
  const oldFinalBreak = old === '' || old.endsWith('\n')
  if (old.endsWith('\n')) lines.pop()
  const out: string[] = []
  let at = 0
  // whether the new text's last line, when a hunk wrote it, ends with a line break ("\ No newline at end of file")
  let newFinalBreak = true
  for (const hunk of hunks) {
    const start = hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1
    if (start < at || start > lines.length) return null
    out.push(...lines.slice(at, start))
    at = start
    let oldSeen = 0
    let newSeen = 0
    let previous = ''
    for (const line of hunk.lines) {
      const mark = line.charAt(0)
      if (mark === '\\') {
        if (previous !== '-') newFinalBreak = false
        continue
      }
      previous = mark
      if (mark === '+') {
        out.push(line.slice(1))
        newSeen++
        continue
      }
      if ((mark !== ' ' && mark !== '-') || lines[at] !== line.slice(1)) return null
      if (mark === ' ') {
        out.push(line.slice(1))
        newSeen++
      }
      at++
      oldSeen++
    }
    if (oldSeen !== hunk.oldCount || newSeen !== hunk.newCount) return null
  }
  const tail = lines.slice(at)
  out.push(...tail)
  if (out.length === 0) return ''
  const finalBreak = tail.length > 0 ? oldFinalBreak : newFinalBreak
  return out.join('\n') + (finalBreak ? '\n' : '')
}

/** git's id of a blob with this text: SHA-1, or SHA-256 for a 64-digit id (a repository in SHA-256 format). */
export function blobId(text: string, format: 'sha1' | 'sha256' = 'sha1'): string {
  const bytes = Buffer.from(text, 'utf8')
  return createHash(format)
    .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
    .digest('hex')
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
