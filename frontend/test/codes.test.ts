import { describe, expect, it } from 'vitest'
import { expandAll, expandAt, replacement, tableOf } from '../src/lib/codes'

const table = tableOf([
  { code: 'mensos', text: 'Menteri Sosial Agus Gumiwang Kartasasmita', alt: ['Mensos Agus Gumiwang'] },
  { code: 'JKT', text: 'Jakarta' },
  { code: 'foto', text: '(Foto: Masran Rauf)' },
])

describe('code replacement', () => {
  it('expands the code just closed at the cursor', () => {
    const text = 'Kunjungan \\mensos\\'
    expect(expandAt(text, text.length, table)).toEqual({
      text: 'Kunjungan Menteri Sosial Agus Gumiwang Kartasasmita',
      cursor: 'Kunjungan Menteri Sosial Agus Gumiwang Kartasasmita'.length,
    })
  })
  it('keeps the text after the cursor and ignores case', () => {
    const text = 'di \\jkt\\ hari ini'
    expect(expandAt(text, 8, table)).toEqual({ text: 'di Jakarta hari ini', cursor: 10 })
  })
  it('picks a numbered alternative', () => {
    expect(replacement(table, 'mensos#2')).toBe('Mensos Agus Gumiwang')
    expect(replacement(table, 'mensos#3')).toBeUndefined()
  })
  it('leaves unknown codes, lone backslashes and paths alone', () => {
    expect(expandAt('\\tidakada\\', 10, table)).toBeNull()
    expect(expandAt('a \\', 3, table)).toBeNull()
    expect(expandAt('\\mensos', 7, table)).toBeNull()
    expect(expandAll('C:\\Users\\foto\\x', table)).toBe('C:\\Users\\foto\\x')
    expect(expandAll('tanpa kode', table)).toBe('tanpa kode')
  })
  it('expands every code in a pasted text', () => {
    expect(expandAll('\\mensos\\ di \\JKT\\. \\foto\\', table)).toBe(
      'Menteri Sosial Agus Gumiwang Kartasasmita di Jakarta. (Foto: Masran Rauf)',
    )
  })
})
