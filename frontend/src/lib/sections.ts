import type { Key } from './i18n'

export type Section = 'articles' | 'photos' | 'upload' | 'settings'

/** The sidebar's sections in order; Ctrl+1 … Ctrl+4 follow this order. */
export const sections: { id: Section; label: Key }[] = [
  { id: 'articles', label: 'nav.articles' },
  { id: 'photos', label: 'nav.photos' },
  { id: 'upload', label: 'nav.upload' },
  { id: 'settings', label: 'nav.settings' },
]

/** sectionForKey maps a Ctrl+digit press to a section, or undefined. */
export function sectionForKey(e: { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean }): Section | undefined {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return undefined
  const n = Number(e.key)
  return Number.isInteger(n) && n >= 1 && n <= sections.length ? sections[n - 1].id : undefined
}
