import { describe, expect, it } from '@jest/globals'
import { cap, markdownCell, oneLine } from '../../src/domain/text.js'

describe('text hygiene', () => {
  it('removes bidi overrides and zero-width characters', () => {
    expect(oneLine('safe\u202etxt.exe\u200b', 50)).toBe('safetxt.exe')
  })

  it('folds newlines into one line and caps with an ellipsis', () => {
    expect(oneLine('a\n\nb   c', 50)).toBe('a b c')
    expect(cap('abcdef', 4)).toBe('abc…')
  })

  it('escapes HTML so a comment cannot hide text in the job summary', () => {
    expect(markdownCell('x <!-- hidden --> y')).toBe('x &lt;!-- hidden --&gt; y')
  })

  it('escapes table pipes and defuses mentions', () => {
    const cell = markdownCell('a | b @octocat')
    expect(cell).not.toContain('|')
    expect(cell).not.toContain('@')
  })

  it('puts a dash in an empty cell so the table keeps its shape', () => {
    expect(markdownCell('   ')).toBe('-')
  })
})

describe('markdownCell entities', () => {
  it('leaves the entities it writes intact (a pipe renders as a pipe, not as &#124;)', () => {
    expect(markdownCell('a | b')).toBe('a &#124; b')
    expect(markdownCell('#1 @x')).toBe('\\#1 &#64;x')
  })
})
