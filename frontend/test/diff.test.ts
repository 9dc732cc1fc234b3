import { describe, expect, test } from 'vitest'
import { diffWords } from '../src/lib/diff'
import { countWords, docText } from '../src/lib/doctext'

const apply = (parts: ReturnType<typeof diffWords>, side: 'a' | 'b') =>
  parts
    .filter((p) => p.op === 'same' || p.op === (side === 'a' ? 'del' : 'add'))
    .map((p) => p.text)
    .join('')

describe('diffWords', () => {
  test('marks an inserted and a removed word', () => {
    const a = 'Humas harus mampu memanfaatkan teknologi'
    const b = 'Humas pemerintah harus memanfaatkan teknologi'
    const parts = diffWords(a, b)
    expect(apply(parts, 'a')).toBe(a)
    expect(apply(parts, 'b')).toBe(b)
    expect(parts.filter((p) => p.op === 'add').map((p) => p.text.trim())).toEqual(['pemerintah'])
    expect(parts.filter((p) => p.op === 'del').map((p) => p.text.trim())).toEqual(['mampu'])
  })

  test('equal and empty texts', () => {
    expect(diffWords('sama saja', 'sama saja')).toEqual([{ op: 'same', text: 'sama saja' }])
    expect(diffWords('', 'baru')).toEqual([{ op: 'add', text: 'baru' }])
    expect(diffWords('lama', '')).toEqual([{ op: 'del', text: 'lama' }])
    expect(diffWords('', '')).toEqual([])
  })

  test('round-trips random edits of a long text', () => {
    const words = Array.from({ length: 3000 }, (_, i) => `kata${i % 97}`)
    const a = words.join(' ')
    const b = words
      .map((w, i) => (i % 211 === 0 ? 'baru' : w))
      .filter((_, i) => i % 307 !== 5)
      .join(' ')
    const parts = diffWords(a, b)
    expect(apply(parts, 'a')).toBe(a)
    expect(apply(parts, 'b')).toBe(b)
  })
})

describe('docText', () => {
  test('blocks become lines, captions included', () => {
    const doc = {
      type: 'doc',
      content: [
        { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Judul' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'Satu ' }, { type: 'text', text: 'dua' }] },
        { type: 'figure', attrs: { src: null }, content: [{ type: 'text', text: '(Foto: Masran Rauf)' }] },
        { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'butir' }] }] }] },
      ],
    }
    expect(docText(doc)).toBe('Judul\nSatu dua\n(Foto: Masran Rauf)\nbutir')
    expect(countWords(docText(doc))).toBe(7)
  })

  test('countWords counts Indonesian words, hyphenated ones once', () => {
    expect(countWords('“Tidak boleh ada lagi petugas humas yang gaptek,” kata Menteri.')).toBe(10)
    expect(countWords('anak-anak bermain (21/8/2019)')).toBe(5)
    expect(countWords('  ')).toBe(0)
  })
})
