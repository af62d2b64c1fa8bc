// Pure: the files a diff changes, from the two machine-readable listings of `git diff` that git-cli.ts collects next
// to the patch: `--raw -z` (status, modes, rename source) and `--numstat -z` (line counts, binary), joined by path.
import type { ChangedFile } from '../ports.js'

const STATUS: Record<string, ChangedFile['status']> = {
  A: 'added',
  C: 'added',
  D: 'deleted',
  M: 'modified',
  R: 'renamed',
  T: 'type-changed'
}

/** Joins `--raw -z` (status, modes, rename source) and `--numstat -z` (line counts, binary) by path. */
export function changedFiles(raw: Buffer, numstat: Buffer): ChangedFile[] {
  const counts = new Map<string, { additions: number; deletions: number; binary: boolean }>()
  const stats = numstat.toString('utf8').split('\0')
  for (let i = 0; i < stats.length; i++) {
    const record = stats[i] ?? ''
    if (record === '') continue
    const [added = '', deleted = '', file = ''] = record.split('\t')
    let target = file
    if (file === '') {
      // a rename: the two paths follow as records of their own
      target = stats[i + 2] ?? ''
      i += 2
    }
    const binary = added === '-' || deleted === '-'
    counts.set(target, {
      additions: binary ? 0 : Number(added),
      deletions: binary ? 0 : Number(deleted),
      binary
    })
  }
  const files: ChangedFile[] = []
  const records = raw.toString('utf8').split('\0')
  for (let i = 0; i < records.length; i++) {
    const meta = records[i] ?? ''
    if (!meta.startsWith(':')) continue
    const [, newMode = '', , , status = ''] = meta.slice(1).split(' ')
    const letter = status.charAt(0)
    const twoPaths = letter === 'R' || letter === 'C'
    const first = records[i + 1] ?? ''
    const second = twoPaths ? (records[i + 2] ?? '') : null
    i += twoPaths ? 2 : 1
    const file = second ?? first
    const count = counts.get(file) ?? { additions: 0, deletions: 0, binary: false }
    const changed: ChangedFile = {
      path: file,
      status: STATUS[letter] ?? 'modified',
      additions: count.additions,
      deletions: count.deletions,
      binary: count.binary,
      mode: /^0+$/.test(newMode) ? null : newMode
    }
    if (letter === 'R') changed.oldPath = first
    files.push(changed)
  }
  return files
}
