// Dates, times and datelines as newsrooms write them, in the UI's language.
import type { Lang } from './i18n'

const localeOf = (lang: Lang) => (lang === 'id' ? 'id-ID' : 'en-GB')

/** parseDay reads "2019-08-21" as a calendar day (no time zone shift). */
export function parseDay(day: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!m) return undefined
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]))
  return d.getUTCMonth() === +m[2] - 1 ? d : undefined
}

/** longDay: "Rabu, 21 Agustus 2019" / "Wednesday, 21 August 2019". */
export function longDay(day: string, lang: Lang): string {
  const d = parseDay(day)
  if (!d) return ''
  return new Intl.DateTimeFormat(localeOf(lang), {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(d)
}

/** clock: "10.42" in Indonesian, "10:42" in English. */
export function clock(at: Date, lang: Lang): string {
  return new Intl.DateTimeFormat(localeOf(lang), { hour: '2-digit', minute: '2-digit', hour12: false }).format(at)
}

/** when: a short time for lists — the clock today, the date before. */
export function when(iso: string, lang: Lang, now = new Date()): string {
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return ''
  if (at.toDateString() === now.toDateString()) return clock(at, lang)
  const sameYear = at.getFullYear() === now.getFullYear()
  return new Intl.DateTimeFormat(localeOf(lang), {
    day: 'numeric',
    month: 'short',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(at)
}

/** dateline: "Jakarta, Humas –" (the en dash newsrooms use), or "" when empty. */
export function dateline(place: string, agency: string): string {
  const parts = [place.trim(), agency.trim()].filter(Boolean)
  return parts.length ? `${parts.join(', ')} –` : ''
}

/** stamp: the clock today, else the short date and the clock ("17 Agu 09.05"). */
export function stamp(iso: string, lang: Lang, now = new Date()): string {
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return ''
  const c = clock(at, lang)
  return at.toDateString() === now.toDateString() ? c : `${when(iso, lang, now)} ${c}`
}
