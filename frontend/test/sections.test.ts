import { expect, test } from 'vitest'
import { sectionForKey, sections } from '../src/lib/sections'

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
})

test('Ctrl+1…4 pick the sidebar sections in order', () => {
  expect(sections.map((s) => s.id)).toEqual(['articles', 'photos', 'upload', 'settings'])
  expect(sectionForKey(key('1', { ctrlKey: true }))).toBe('articles')
  expect(sectionForKey(key('4', { ctrlKey: true }))).toBe('settings')
  expect(sectionForKey(key('2', { metaKey: true }))).toBe('photos')
})

test('other keys do not switch', () => {
  expect(sectionForKey(key('1'))).toBeUndefined()
  expect(sectionForKey(key('5', { ctrlKey: true }))).toBeUndefined()
  expect(sectionForKey(key('0', { ctrlKey: true }))).toBeUndefined()
  expect(sectionForKey(key('1', { ctrlKey: true, altKey: true }))).toBeUndefined()
  expect(sectionForKey(key('n', { ctrlKey: true }))).toBeUndefined()
})
