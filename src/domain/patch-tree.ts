// What a measured patch (`git diff --binary --full-index`, as the work stage records it) does to the base tree, read
// from its headers alone: for every path it touches, the blob and mode it ends with, or its deletion. Land compares the
// commit it is about to push with this, so that what is pushed is exactly base + the measured diff, whatever a filter,
// an attribute or a replace ref planted in the checkout would have made git do.
import { gitLinePaths, samePathOf, unquote } from './patch.js'

/** A path's state after the patch: a blob id and mode, the base's blob of another path (a pure rename or copy), or gone. */
export type PathAfter =
  | { kind: 'blob'; blob: string; mode: string }
  | { kind: 'same-as-base'; path: string; mode: string | null }
  | { kind: 'deleted' }

export type PatchTree = { ok: true; paths: Map<string, PathAfter> } | { ok: false; reason: string }

/** One changed path as `git diff-tree -r --raw --no-renames --full-index` reports it. */
export interface RawChange {
  path: string
  /** the new blob id and mode; null when deleted */
  after: { blob: string; mode: string } | null
}

const ZERO = /^0+$/

/** A path as git writes it in a diff header, C-quoted when core.quotePath applies (patch.ts reads the quoting). */
const headerName = (text: string): string => (text.startsWith('"') ? unquote(text) : text)

/** The path of `diff --git a/P b/P` (both names equal, as in every diff but a rename or copy), quoted or not. */
function sameNameOf(line: string): string | undefined {
  const rest = line.slice('diff --git '.length)
  // git quotes both names or neither, a/ and b/ inside the quotes; a line quoting otherwise is not read
  if (!/^"a\/(?:[^"\\]|\\.)*" "b\/(?:[^"\\]|\\.)*"$/.test(rest)) return samePathOf(rest) ?? undefined
  const paths = gitLinePaths(rest)
  return paths && paths[0] === paths[1] ? paths[0] : undefined
}

/** Reads the patch's per-file headers into the state of each touched path. */
export function patchTree(patch: string): PatchTree {
  const paths = new Map<string, PathAfter>()
  const blocks = patch.split(/^(?=diff --git )/m).filter(b => b.startsWith('diff --git '))
  for (const block of blocks) {
    const lines = block.split('\n')
    const header = (prefix: string) => lines.find(l => l.startsWith(prefix))?.slice(prefix.length)
    const renameFrom = header('rename from ')
    const renameTo = header('rename to ')
    const copyFrom = header('copy from ')
    const copyTo = header('copy to ')
    const deletedMode = header('deleted file mode ')
    const newFileMode = header('new file mode ')
    const newMode = header('new mode ')
    const index = /^index ([0-9a-f]+)\.\.([0-9a-f]+)(?: (\d+))?$/.exec(
      lines.find(l => l.startsWith('index ')) ?? ''
    )
    let target: string | undefined
    let source: string | undefined
    if (renameTo !== undefined && renameFrom !== undefined) {
      target = headerName(renameTo)
      source = headerName(renameFrom)
      paths.set(source, { kind: 'deleted' })
    } else if (copyTo !== undefined && copyFrom !== undefined) {
      target = headerName(copyTo)
      source = headerName(copyFrom)
    } else {
      const plus = lines.find(l => l.startsWith('+++ '))?.slice(4)
      const minus = lines.find(l => l.startsWith('--- '))?.slice(4)
      const named = plus && plus !== '/dev/null' ? plus : minus
      // git ends a name that holds a space with a tab on these lines
      if (named && named !== '/dev/null') target = headerName(named.replace(/\t$/, '')).replace(/^[ab]\//, '')
      // no content lines (a mode change, an empty file, a binary patch): the name is in the first line
      else target = sameNameOf(lines[0] ?? '')
    }
    if (target === undefined) return { ok: false, reason: `cannot read the file names of: ${lines[0] ?? ''}` }
    if (deletedMode !== undefined) {
      paths.set(target, { kind: 'deleted' })
      continue
    }
    const mode = newFileMode ?? newMode ?? index?.[3] ?? null
    if (index && !ZERO.test(index[2]!)) {
      if (index[2]!.length < 7)
        return { ok: false, reason: `the patch names too short a blob id for ${target}` }
      if (mode === null) return { ok: false, reason: `the patch gives no mode for ${target}` }
      paths.set(target, { kind: 'blob', blob: index[2]!, mode })
    } else if (source !== undefined || newMode !== undefined) {
      paths.set(target, { kind: 'same-as-base', path: source ?? target, mode })
    } else {
      return { ok: false, reason: `the patch gives no blob id for ${target}` }
    }
  }
  return { ok: true, paths }
}

/**
 * Differences between what the patch says (with `base` resolving a pure rename's or mode change's blob in the base
 * tree) and what the commit holds, as one line each; empty when they agree exactly.
 */
export function compareWithPatch(
  expected: Map<string, PathAfter>,
  actual: RawChange[],
  base: (path: string) => { blob: string; mode: string } | null
): string[] {
  const problems: string[] = []
  const seen = new Map(actual.map(change => [change.path, change.after]))
  for (const [file, after] of expected) {
    if (!seen.has(file)) {
      problems.push(
        after.kind === 'deleted'
          ? `${file} should be deleted but the commit keeps it`
          : `${file} is in the measured diff but not in the commit`
      )
      continue
    }
    const got = seen.get(file) ?? null
    seen.delete(file)
    if (after.kind === 'deleted') {
      if (got !== null) problems.push(`${file} should be deleted but the commit keeps it`)
      continue
    }
    const want =
      after.kind === 'blob'
        ? after
        : (() => {
            const b = base(after.path)
            return b ? { blob: b.blob, mode: after.mode ?? b.mode } : null
          })()
    if (want === null)
      problems.push(`${file}: the base has no ${after.kind === 'same-as-base' ? after.path : file}`)
    else if (got === null) problems.push(`${file} is deleted in the commit but not in the measured diff`)
    // the action's own diffs carry full ids (--full-index); a hand-made patch's abbreviated id is a prefix
    else if (!got.blob.startsWith(want.blob))
      problems.push(
        `${file} differs from the measured diff (blob ${got.blob.slice(0, 12)}, measured ${want.blob.slice(0, 12)})`
      )
    else if (got.mode !== want.mode)
      problems.push(`${file} has mode ${got.mode} in the commit, ${want.mode} in the measured diff`)
  }
  for (const file of seen.keys()) problems.push(`${file} is in the commit but not in the measured diff`)
  return problems
}

/** `git diff-tree -r -z --raw --no-renames --full-index` output. */
export function parseRawChanges(raw: string): RawChange[] {
  const records = raw.split('\0')
  const changes: RawChange[] = []
  for (let i = 0; i < records.length; i++) {
    const meta = records[i] ?? ''
    if (!meta.startsWith(':')) continue
    const [, newMode = '', , newBlob = '', status = ''] = meta.slice(1).split(' ')
    const file = records[++i] ?? ''
    changes.push({ path: file, after: status.startsWith('D') ? null : { blob: newBlob, mode: newMode } })
  }
  return changes
}
