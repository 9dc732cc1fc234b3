// The one module that talks to Go. Screens and stores import from here,
// never from ./wailsjs, so the bridge's surface is visible in one file.
// Event names mirror app/bridge/events.go.
import * as App from './wailsjs/go/bridge/App'
import { bridge, netstatus } from './wailsjs/go/models'
import { EventsOn } from './wailsjs/runtime/runtime'
import type { Key } from './i18n'

export type Info = bridge.Info
export type NetStatus = netstatus.Status

export const events = {
  netStatus: 'net:status',
  activated: 'app:activated',
} as const

/** BackendError is a failed call to Go: what we were doing, and Go's message. */
export class BackendError extends Error {
  constructor(
    readonly action: Key,
    message: string,
  ) {
    super(message)
    this.name = 'BackendError'
  }
}

function messageOf(err: unknown): string {
  if (typeof err === 'string') return err
  if (err instanceof Error) return err.message
  try {
    return JSON.stringify(err)
  } catch {
    return String(err)
  }
}

/** call runs a bound method, turning its rejection into a BackendError. */
async function call<T>(action: Key, f: () => Promise<T>): Promise<T> {
  if (!(window as { go?: unknown }).go) throw new BackendError(action, 'backend unavailable')
  try {
    return await f()
  } catch (err) {
    throw new BackendError(action, messageOf(err))
  }
}

export const api = {
  info: () => call('action.loadInfo', () => App.Info()),
  setLanguage: (lang: string) => call('action.setLanguage', () => App.SetLanguage(lang)),
  setTheme: (theme: string) => call('action.setTheme', () => App.SetTheme(theme)),
  openDataFolder: () => call('action.openFolder', () => App.OpenDataFolder()),
}

export function onNetStatus(f: (s: NetStatus) => void): () => void {
  return EventsOn(events.netStatus, f)
}

export function onActivated(f: () => void): () => void {
  return EventsOn(events.activated, f)
}
