import { describe, expect, test } from 'vitest'
import { format, isLang, languages, messages, translate } from '../src/lib/i18n'

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

describe('translation tables', () => {
  test('Indonesian and English have exactly the same keys', () => {
    expect(Object.keys(messages.en).sort()).toEqual(Object.keys(messages.id).sort())
  })

  test.each(languages)('%s has no empty message', (lang) => {
    for (const [k, v] of Object.entries(messages[lang])) {
      expect(v.trim(), `${lang}:${k}`).not.toBe('')
    }
  })

  test('both languages use the same placeholders in each message', () => {
    for (const [k, v] of Object.entries(messages.id)) {
      expect(placeholders((messages.en as Record<string, string>)[k]), k).toEqual(placeholders(v))
    }
  })

  test('screen text is really translated, not copied', () => {
    // Words that are the same in both languages (names, shortcuts) are allowed.
    const same = Object.keys(messages.id).filter(
      (k) => (messages.id as Record<string, string>)[k] === (messages.en as Record<string, string>)[k],
    )
    expect(same.filter((k) => !k.endsWith('.short')).sort()).toEqual(['app.name', 'editor.editor', 'lang.en', 'lang.id', 'nav.shortcut', 'settings.about.version', 'wp.section'])
  })
})

describe('format and translate', () => {
  test('fills placeholders and keeps unknown ones visible', () => {
    expect(format('Versi {version}', { version: '1.2' })).toBe('Versi 1.2')
    expect(format('{a} dan {b}', { a: 1 })).toBe('1 dan {b}')
    expect(format('tanpa', undefined)).toBe('tanpa')
  })

  test('looks up the language asked for', () => {
    expect(translate('id', 'nav.upload')).toBe('Unggah')
    expect(translate('en', 'nav.upload')).toBe('Upload')
    expect(translate('en', 'status.dataDir', { path: '/x' })).toBe('Local data: /x')
  })

  test('isLang accepts only the translated languages', () => {
    expect(isLang('id')).toBe(true)
    expect(isLang('en')).toBe(true)
    expect(isLang('fr')).toBe(false)
    expect(isLang(undefined)).toBe(false)
  })
})
