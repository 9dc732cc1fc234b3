// Messages for the user: errors from Go and notices from the app. Errors stay
// until dismissed; notices fade on their own.
import { BackendError } from './api'
import type { Key, Params } from './i18n'
import { t } from './locale.svelte'

export interface Notice {
  id: number
  kind: 'error' | 'info'
  text: string
}

let next = 1
export const notices = $state<Notice[]>([])

export function dismiss(id: number): void {
  const i = notices.findIndex((n) => n.id === id)
  if (i >= 0) notices.splice(i, 1)
}

export function notify(key: Key, params?: Params): void {
  const id = next++
  notices.push({ id, kind: 'info', text: t(key, params) })
  setTimeout(() => dismiss(id), 5000)
}

/** reportError shows any error readably; a BackendError names what failed. */
export function reportError(err: unknown): void {
  let text: string
  if (err instanceof BackendError) {
    text = err.message === 'backend unavailable' ? t('error.backend') : t('error.call', { action: t(err.action), message: err.message })
  } else {
    text = t('error.unexpected', { message: err instanceof Error ? err.message : String(err) })
  }
  notices.push({ id: next++, kind: 'error', text })
}
