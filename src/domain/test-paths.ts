// Which files of a fix are its tests (test-paths), without I/O: the files the reproduction run applies, alone, to the
// base commit. Only files the fix leaves behind count (added, modified or renamed), and only regular files: a deleted
// test has nothing to apply, and a symlink or submodule is not a test's text.
import picomatch from 'picomatch'
import type { ChangedFile } from '../ports.js'

export type ChangedPath = Pick<ChangedFile, 'path' | 'status'> & Partial<Pick<ChangedFile, 'mode'>>

const KEPT: ReadonlySet<ChangedFile['status']> = new Set(['added', 'modified', 'renamed'])
const NOT_A_FILE = new Set(['120000', '160000']) // symlink, submodule

/** A matcher for test-paths globs over repository-relative paths (picomatch, dot files included, as deny-paths). */
export function testPathMatcher(globs: readonly string[]): (path: string) => boolean {
  const matchers = globs.map(glob => picomatch(glob, { dot: true }))
  return path => {
    const relative = path.replace(/^\.\//, '')
    return matchers.some(isMatch => isMatch(relative))
  }
}

/** The fix's test files under `globs`, sorted and without repeats. */
export function fixTestFiles(files: readonly ChangedPath[], globs: readonly string[]): string[] {
  const isTest = testPathMatcher(globs)
  const found = files
    .filter(file => KEPT.has(file.status) && !NOT_A_FILE.has(file.mode ?? ''))
    .map(file => file.path)
    .filter(isTest)
  return [...new Set(found)].sort()
}
