import { describe, expect, it } from '@jest/globals'
import { applyHunks, blobId, patchSections } from '../../src/domain/patch.js'

describe('patchSections', () => {
  it('reads paths from headers, rename lines and the diff --git line, and marks what cannot be followed', () => {
    const patch = [
      'diff --git a/src/a.js b/src/a.js',
      'index 1111111..2222222 100644',
      '--- a/src/a.js',
      '+++ b/src/a.js',
      '@@ -1,2 +1,2 @@',
      ' one',
      '-two',
      '+zwei',
      '\\ No newline at end of file',
      'diff --git a/old.json b/package.json',
      'similarity index 100%',
      'rename from old.json',
      'rename to package.json',
      'diff --git a/empty b/empty',
      'new file mode 100644',
      'index 0000000..e69de29',
      'diff --git "a/caf\\303\\251.png" "b/caf\\303\\251.png"',
      'GIT binary patch',
      'literal 1',
      'Icmd-2000',
      '',
      'diff --git a/gone.txt b/gone.txt',
      'deleted file mode 100644',
      '--- a/gone.txt',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-bye',
      ''
    ].join('\n')
    expect(patchSections(patch).map(({ hunks, ...rest }) => ({ ...rest, hunks: hunks.length }))).toEqual([
      {
        source: 'src/a.js',
        target: 'src/a.js',
        removesSource: false,
        opaque: false,
        newBlob: '2222222',
        hunks: 1
      },
      {
        source: 'old.json',
        target: 'package.json',
        removesSource: true,
        opaque: false,
        newBlob: null,
        hunks: 0
      },
      { source: null, target: 'empty', removesSource: false, opaque: false, newBlob: 'e69de29', hunks: 0 },
      { source: 'café.png', target: 'café.png', removesSource: false, opaque: true, newBlob: null, hunks: 0 },
      { source: 'gone.txt', target: null, removesSource: true, opaque: false, newBlob: null, hunks: 1 }
    ])
  })

  it('sees a traditional ---/+++ patch that follows a section, as git apply would apply it', () => {
    const patch = [
      'diff --git a/src/a.js b/src/a.js',
      '--- a/src/a.js',
      '+++ b/src/a.js',
      '@@ -1 +1 @@',
      '-a',
      '+b',
      '--- a/package.json',
      '+++ b/package.json',
      '@@ -1 +1 @@',
      '-{}',
      '+{"scripts":{"test":"exit 0"}}',
      ''
    ].join('\n')
    expect(patchSections(patch).map(s => [s.source, s.target])).toEqual([
      ['src/a.js', 'src/a.js'],
      ['package.json', 'package.json']
    ])
  })
})

describe('applyHunks', () => {
  const [section] = patchSections(
    ['--- a/f', '+++ b/f', '@@ -2,2 +2,3 @@', ' b', '-c', '+C', '+D', ''].join('\n')
  )
  it('applies a hunk at the line it names', () => {
    expect(applyHunks('a\nb\nc\nd\n', section!.hunks)).toBe('a\nb\nC\nD\nd\n')
  })

  it('refuses what git would have to apply elsewhere, or not at all', () => {
    expect(applyHunks('x\na\nb\nc\n', section!.hunks)).toBeNull()
    expect(applyHunks('a\nb\nX\n', section!.hunks)).toBeNull()
    expect(applyHunks('a\n', section!.hunks)).toBeNull()
  })

  it('keeps or drops the final line break as "\\ No newline at end of file" says, so the blob id matches git\'s', () => {
    const patch = [
      'diff --git a/f b/f',
      'index 0123456..' + blobId('a\nB') + ' 100644',
      '--- a/f',
      '+++ b/f',
      '@@ -1,2 +1,2 @@',
      ' a',
      '-b',
      '+B',
      '\\ No newline at end of file',
      ''
    ].join('\n')
    const [changed] = patchSections(patch)
    expect(changed!.newBlob).toBe(blobId('a\nB'))
    expect(applyHunks('a\nb\n', changed!.hunks)).toBe('a\nB')
    // git hash-object of "hello\n"
    expect(blobId('hello\n')).toBe('ce013625030ba8dba906f756967f9e9ca394464a')
  })

  it('creates a file from nothing', () => {
    const [created] = patchSections(
      ['--- /dev/null', '+++ b/n', '@@ -0,0 +1,2 @@', '+1', '+2', ''].join('\n')
    )
    expect(created!.source).toBeNull()
    expect(applyHunks('', created!.hunks)).toBe('1\n2\n')
  })
})
