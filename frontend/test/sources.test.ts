// Checks over the frontend's source: every visible string goes through i18n,
// every key used exists, and only lib/api.ts talks to the generated bindings.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { parse } from 'svelte/compiler'
import { describe, expect, test } from 'vitest'
import { messages } from '../src/lib/i18n'

const src = resolve(import.meta.dirname, '../src')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    if (name === 'wailsjs') return []
    return statSync(p).isDirectory() ? files(p) : [p]
  })
}

const sources = files(src).filter((f) => /\.(ts|svelte)$/.test(f))
const svelteFiles = sources.filter((f) => f.endsWith('.svelte'))

// Attributes a person reads or a screen reader speaks.
const visibleAttrs = new Set(['title', 'placeholder', 'aria-label', 'alt', 'label'])

type Node = { type: string; data?: string; name?: string; value?: unknown; [k: string]: unknown }

/** hardcodedText lists literal words in a Svelte template (outside {…}). */
function hardcodedText(code: string): string[] {
  const ast = parse(code, { modern: true }) as unknown as { fragment: Node }
  const found: string[] = []
  const walk = (n: unknown) => {
    if (!n || typeof n !== 'object') return
    if (Array.isArray(n)) return n.forEach(walk)
    const node = n as Node
    if (node.type === 'Text' && /\p{L}/u.test(node.data ?? '')) found.push((node.data ?? '').trim())
    if (node.type === 'Attribute') {
      if (visibleAttrs.has(node.name ?? '') && Array.isArray(node.value)) {
        for (const v of node.value as Node[]) if (v.type === 'Text' && /\p{L}/u.test(v.data ?? '')) found.push(`${node.name}="${v.data}"`)
      }
      return
    }
    if (node.type === 'Script' || node.type === 'StyleSheet') return
    for (const [k, v] of Object.entries(node)) if (k !== 'parent') walk(v)
  }
  walk(ast.fragment)
  return found
}

describe('frontend sources', () => {
  test('found the source files', () => {
    expect(svelteFiles.length).toBeGreaterThan(5)
  })

  test.each(svelteFiles.map((f) => [relative(src, f), f]))('%s has no hard-coded visible text', (_, f) => {
    expect(hardcodedText(readFileSync(f, 'utf8'))).toEqual([])
  })

  test('the detector catches hard-coded text', () => {
    expect(hardcodedText('<p>Simpan</p><button title="Save">{x}</button>')).toEqual(['Simpan', 'title="Save"'])
  })

  test('every literal t() key exists', () => {
    const missing: string[] = []
    for (const f of sources) {
      for (const m of readFileSync(f, 'utf8').matchAll(/\bt\(\s*'([^']+)'/g)) {
        if (!(m[1] in messages.id)) missing.push(`${relative(src, f)}: ${m[1]}`)
      }
    }
    expect(missing).toEqual([])
  })

  test('keys built at run time exist for every value', () => {
    for (const th of ['system', 'light', 'dark']) expect(messages.id).toHaveProperty([`settings.theme.${th}`])
    for (const l of Object.keys(messages)) expect(messages.id).toHaveProperty([`lang.${l}`])
  })

  test('only lib/api.ts imports the generated Wails bindings', () => {
    const importers = sources
      .filter((f) => /from\s+['"][^'"]*wailsjs\//.test(readFileSync(f, 'utf8')))
      .map((f) => relative(src, f))
    expect(importers).toEqual(['lib/api.ts'])
  })
})
