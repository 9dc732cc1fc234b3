// Code replacement, as photo desks know it from Photo Mechanic: typing a
// code between backslashes, \mensos\, expands it to the text the table
// gives ("Menteri Sosial Agus Gumiwang Kartasasmita"); \mensos#2\ picks the
// table's second replacement. The table itself (import, export, checks)
// lives in Go: app/photos/codes.
import type { Code } from './api'

export type CodeTable = Map<string, Code>

/** tableOf indexes the codes for lookup, without regard to case. */
export function tableOf(codes: Code[]): CodeTable {
  const m: CodeTable = new Map()
  for (const c of codes) m.set(c.code.toLowerCase(), c)
  return m
}

/** replacement is the text for code (with an optional #n), or undefined. */
export function replacement(table: CodeTable, code: string): string | undefined {
  const m = /^([^#\\\s]+)(?:#(\d+))?$/.exec(code)
  if (!m) return undefined
  const c = table.get(m[1].toLowerCase())
  if (!c) return undefined
  const n = m[2] ? Number(m[2]) : 1
  if (n === 1) return c.text
  return c.alt?.[n - 2] || undefined
}

const codePattern = /\\([^\\\s]{1,70})\\/g

/** expandAll replaces every known \code\ in text; unknown codes stay as typed. */
export function expandAll(text: string, table: CodeTable): string {
  if (table.size === 0 || !text.includes('\\')) return text
  return text.replace(codePattern, (whole, code: string) => replacement(table, code) ?? whole)
}

/**
 * expandAt expands the code that ends right before the cursor, if the
 * character just typed closed one: "… \mensos\|" becomes "… Menteri …|".
 * It returns the new text and cursor, or null when nothing changed.
 */
export function expandAt(text: string, cursor: number, table: CodeTable): { text: string; cursor: number } | null {
  if (table.size === 0 || cursor < 2 || text[cursor - 1] !== '\\') return null
  const open = text.lastIndexOf('\\', cursor - 2)
  if (open < 0) return null
  const code = text.slice(open + 1, cursor - 1)
  const rep = replacement(table, code)
  if (rep === undefined) return null
  return { text: text.slice(0, open) + rep + text.slice(cursor), cursor: open + rep.length }
}

/**
 * onCodeInput is an input handler for text fields: it expands a code as
 * soon as its closing backslash is typed and reports the new value.
 */
export function onCodeInput(e: Event, table: CodeTable, set: (v: string) => void): void {
  const el = e.currentTarget as HTMLInputElement | HTMLTextAreaElement
  const r = expandAt(el.value, el.selectionStart ?? el.value.length, table)
  if (r) {
    el.value = r.text
    el.setSelectionRange(r.cursor, r.cursor)
  }
  set(el.value)
}
