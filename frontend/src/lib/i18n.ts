// Translation tables and the pure functions over them. The reactive current
// language lives in locale.svelte.ts; this file has no runes so it tests in
// plain Node.
import id from '../langs/id.json'
import en from '../langs/en.json'

export const messages = { id, en } as const
export type Lang = keyof typeof messages
export type Key = keyof typeof id
export type Params = Record<string, string | number>

export const languages = Object.keys(messages) as Lang[]

export function isLang(v: unknown): v is Lang {
  return typeof v === 'string' && (languages as string[]).includes(v)
}

/** format fills {name} placeholders; a missing parameter stays visible. */
export function format(msg: string, params?: Params): string {
  if (!params) return msg
  return msg.replace(/\{(\w+)\}/g, (whole, k: string) => (k in params ? String(params[k]) : whole))
}

/** translate looks key up in lang, falling back to Indonesian, then to the key. */
export function translate(lang: Lang, key: Key, params?: Params): string {
  const table = messages[lang] as Record<string, string>
  const msg = table[key] ?? (messages.id as Record<string, string>)[key] ?? key
  return format(msg, params)
}
