// The UI's current language as reactive state. Components call t(); any
// template that does re-renders when the language changes.
import { translate, type Key, type Lang, type Params } from './i18n'

let current = $state<Lang>('id')

export function t(key: Key, params?: Params): string {
  return translate(current, key, params)
}

export function currentLang(): Lang {
  return current
}

export function setLang(lang: Lang): void {
  current = lang
  document.documentElement.lang = lang
}
