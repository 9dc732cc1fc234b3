// The one module that talks to Go. Screens and stores import from here,
// never from ./wailsjs, so the bridge's surface is visible in one file.
// Event names mirror app/bridge/events.go.
import * as App from './wailsjs/go/bridge/App'
import * as Articles from './wailsjs/go/bridge/Articles'
import * as Photos from './wailsjs/go/bridge/Photos'
import * as Sync from './wailsjs/go/bridge/Sync'
import { articles, bridge, codes, netstatus, photos } from './wailsjs/go/models'
import { EventsEmit, EventsOn } from './wailsjs/runtime/runtime'
import type { Key } from './i18n'
import { withTimeout } from './timeout'

/** callTimeout bounds every call to Go: the UI never waits forever. */
const callTimeout = 30_000

export type Info = bridge.Info
export type NetStatus = netstatus.Status
export type ExportFormat = 'whatsapp' | 'html' | 'markdown'
export type Status = 'draft' | 'ready' | 'sent' | 'published'

// Plain shapes of what Go sends (its JSON tags); the generated classes carry
// conversion helpers the UI does not need. Times are RFC 3339 strings.
export interface Article {
  id: string
  headline: string
  subheadline: string
  dateline: { place: string; agency: string }
  eventDate: string
  body: unknown // TipTap/ProseMirror document JSON
  reporters: string[]
  editor: string
  category: string
  tags: string[]
  status: Status
  language: string
  createdAt: string
  updatedAt: string
  version: number
  wordCount: number
  readingMinutes: number
  deletedAt?: string | null
}
export interface Summary {
  id: string
  headline: string
  snippet: string
  status: Status
  category: string
  updatedAt: string
  wordCount: number
  deletedAt?: string | null
}
export interface Query {
  text: string
  status: Status | ''
  category: string
  trash: boolean
  limit: number
}
export interface RevisionInfo {
  seq: number
  at: string
  wordCount: number
  headline: string
  marked: boolean
}
export interface Suggestions {
  reporters: string[]
  editors: string[]
  categories: string[]
  tags: string[]
  places: string[]
  agencies: string[]
}
export interface ImportResult {
  added: number
  updated: number
  unchanged: number
}

/** Caption fields of a photo (jpegmeta.Fields). */
export interface PhotoFields {
  caption: string
  headline: string
  title: string
  creator: string[]
  creatorTitle: string
  credit: string
  source: string
  copyright: string
  altText: string
  keywords: string[]
  city: string
  subLocation: string
  province: string
  country: string
  countryCode: string
  dateCreated: string
  jobId: string
  instructions: string
  captionWriter: string
}
export type FieldName = keyof PhotoFields
export interface Photo {
  id: string
  sha256: string
  name: string
  format: 'jpeg' | 'png'
  bytes: number
  width: number
  height: number
  orientation: number
  taken: string
  make: string
  model: string
  lens: string
  gps?: { lat: number; lon: number; alt?: number } | null
  fields: PhotoFields
  warnings?: string[] | null
  importedAt: string
  updatedAt: string
}
export interface Change {
  field: FieldName
  mode: 'replace' | 'append'
  text: string
  values: string[]
}
export interface Template {
  name: string
  changes: Change[]
}
export type FileCode =
  | 'added'
  | 'duplicate'
  | 'empty'
  | 'heic'
  | 'unsupported'
  | 'tooLarge'
  | 'corrupt'
  | 'diskFull'
  | 'unreadable'
  | 'cancelled'
  | 'failed'
export interface FileResult {
  path: string
  name: string
  code: FileCode
  error?: string
  photo?: Photo | null
  duplicateOf?: string
}
export interface ImportProgress {
  batch: number
  total: number
  added: number
  duplicates: number
  failed: number
  files: FileResult[] | null
}
export interface PhotoImportResult {
  batch: number
  total: number
  added: number
  duplicates: number
  failed: number
  skipped: number
  cancelled: boolean
  diskFull: boolean
  files: FileResult[] | null
}
export interface ExportResult {
  id: string
  path?: string
  error?: string
  truncated?: { field: string; dataset: string; limit: number; original: number; kept: number }[] | null
  notes?: string[] | null
}
export interface Code {
  code: string
  text: string
  alt?: string[] | null
}
export interface CodeProblem {
  line: number
  kind: string
  message: string
}
export interface CodeTable {
  codes: Code[]
  problems: CodeProblem[] | null
}
export interface HouseStyleInput {
  id: string
  caption: string
  place: string
  province: string
  credit: string
  lang: string
  withTime: boolean
}

export interface Account {
  id: string
  kind: 'warta' | 'wordpress'
  signedIn: boolean
  url: string
  user: string
  device: string
  tokenIn: 'keyring' | 'file' | ''
  tokenNote: string
  tokenPath: string
  /** WordPress: the site's title */
  name?: string
  /** WordPress: the user may publish and schedule, not only submit */
  canPublish?: boolean
}
export type SyncState = 'queued' | 'uploading' | 'waiting' | 'done' | 'failed' | 'conflict'
export interface SyncItem {
  id: string
  kind: 'article' | 'photo'
  localId: string
  state: SyncState
  attempts: number
  nextAttempt: string
  lastError?: string
  errorCode?: string
  bytesDone: number
  bytesTotal: number
  rev: number
  article?: string
  photoIds?: string[] | null
  title?: string
  /** the id of the account it goes to */
  account: string
  /** a conflict's server side (from Items); progress events carry it as conflict */
  serverCopy?: { rev: number; updatedBy: string; updatedAt: string } | null
  conflict?: { rev: number; updatedBy: string; updatedAt: string } | null
}
export interface SyncProgress {
  account: string
  items: SyncItem[] | null
  total: number
  done: number
  failed: number
  conflicts: number
  pending: number
  bytesDone: number
  bytesTotal: number
  bytesPerSecond: number
  etaSeconds: number
  paused: boolean
}

export interface PullResult {
  updated: number
  created: number
  conflicts: number
  skipped: number
}

/** WordPress (app/wordpress) as the bridge shows it. */
export type WPCode =
  | 'badURL'
  | 'unreachable'
  | 'tls'
  | 'notWordPress'
  | 'restDisabled'
  | 'wrongPassword'
  | 'httpsNeeded'
  | 'noAppPasswords'
  | 'noRights'
  | 'notFound'
  | 'conflict'
  | 'tooLarge'
  | 'rejected'
  | 'server'
  | 'badAnswer'
  | 'photo'
  | 'article'
  | 'account'
export interface WPSiteInfo {
  name: string
  home: string
  displayName: string
  roles: string[] | null
  canEdit: boolean
  canUpload: boolean
  canPublish: boolean
}
export interface WPCheck {
  ok: boolean
  code?: WPCode
  message?: string
  info: WPSiteInfo
  account?: Account | null
}
export type WPStatus = 'draft' | 'pending' | 'publish' | 'future'
export interface WPVersion {
  title: string
  content: string
  excerpt: string
  modifiedGmt?: string
}
export interface WPJob {
  id: string
  account: string
  article: string
  headline: string
  options: { status?: WPStatus; date?: string }
  state: 'queued' | 'sending' | 'done' | 'failed' | 'conflict'
  step?: 'photos' | 'terms' | 'post'
  photosDone: number
  photosTotal: number
  bytesDone: number
  bytesTotal: number
  attempts: number
  nextAttempt?: string
  errorCode?: WPCode
  error?: string
  warnings?: string[] | null
  postId?: number
  link?: string
  postStatus?: string
  conflict?: { site: WPVersion; mine: WPVersion } | null
}
export interface WPProgress {
  items: WPJob[] | null
  total: number
  done: number
  failed: number
  conflicts: number
  pending: number
  bytesDone: number
  bytesTotal: number
}

/** photoURL is where the window loads a photo's file from (app/photos.URLPrefix). */
export function photoURL(id: string, kind: 'thumb' | 'web' | 'original'): string {
  return `/photo/${id}/${kind}`
}

/** wire converts between the UI's plain shapes and the generated classes. */
const wire = <T>(v: unknown) => v as T

export const events = {
  netStatus: 'net:status',
  activated: 'app:activated',
  flush: 'app:flush',
  flushed: 'app:flushed',
  photosImporting: 'photos:importing',
  photosImported: 'photos:imported',
  photosDropped: 'photos:dropped',
  photosChanged: 'photos:changed',
  syncProgress: 'sync:progress',
  syncPulled: 'sync:pulled',
  publishProgress: 'publish:progress',
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
    return await withTimeout(f(), callTimeout)
  } catch (err) {
    throw new BackendError(action, messageOf(err))
  }
}

export const api = {
  info: () => call('action.loadInfo', () => App.Info()),
  setLanguage: (lang: string) => call('action.setLanguage', () => App.SetLanguage(lang)),
  setTheme: (theme: string) => call('action.setTheme', () => App.SetTheme(theme)),
  openDataFolder: () => call('action.openFolder', () => App.OpenDataFolder()),
  setLastArticle: (id: string) => call('action.loadArticle', () => App.SetLastArticle(id)),
  articles: {
    create: (template: Partial<Article> = {}) =>
      call('action.createArticle', () => Articles.Create(wire<articles.Article>(template)).then(wire<Article>)),
    get: (id: string) => call('action.loadArticle', () => Articles.Get(id).then(wire<Article>)),
    save: (a: Article, mark: boolean) =>
      call('action.saveArticle', () => Articles.Save(wire<articles.Article>(a), mark).then(wire<Article>)),
    delete: (id: string) => call('action.deleteArticle', () => Articles.Delete(id)),
    restore: (id: string) => call('action.restoreArticle', () => Articles.Restore(id)),
    emptyTrash: () => call('action.emptyTrash', () => Articles.EmptyTrash()),
    list: (q: Partial<Query>) =>
      call('action.listArticles', () => Articles.List(wire<articles.Query>(q)).then(wire<Summary[]>)),
    revisions: (id: string) => call('action.loadRevisions', () => Articles.Revisions(id).then(wire<RevisionInfo[]>)),
    revision: (id: string, seq: number) =>
      call('action.loadRevisions', () => Articles.Revision(id, seq).then(wire<Article>)),
    restoreRevision: (id: string, seq: number) =>
      call('action.restoreRevision', () => Articles.RestoreRevision(id, seq).then(wire<Article>)),
    suggestions: () => call('action.loadSuggestions', () => Articles.Suggestions().then(wire<Suggestions>)),
    preview: (a: Article) => call('action.preview', () => Articles.Preview(wire<articles.Article>(a))),
    render: (a: Article, format: ExportFormat) =>
      call('action.export', () => Articles.Render(wire<articles.Article>(a), format)),
    copyText: (text: string) => call('action.copy', () => Articles.CopyText(text)),
    exportFile: (a: Article, format: 'html' | 'markdown') =>
      call('action.export', () => Articles.ExportArticle(wire<articles.Article>(a), format)),
    exportLibrary: () => call('action.exportLibrary', () => Articles.ExportLibrary()),
    importLibrary: () => call('action.importLibrary', () => Articles.ImportLibrary().then(wire<ImportResult>)),
  },
  sync: {
    accounts: () => call('action.loadAccount', () => Sync.Accounts().then(wire<Account[] | null>)),
    target: () => call('action.loadAccount', () => Sync.Target()),
    setTarget: (account: string) => call('action.saveSettings', () => Sync.SetTarget(account)),
    signIn: (url: string, user: string, password: string) =>
      call('action.signIn', () => Sync.SignIn(url, user, password).then(wire<Account>)),
    signOut: (account: string) => call('action.signOut', () => Sync.SignOut(account)),
    removeAccount: (account: string) => call('action.signOut', () => Sync.RemoveAccount(account)),
    ready: (account: string) => call('action.listArticles', () => Sync.Ready(account).then(wire<Summary[] | null>)),
    send: (account: string, ids: string[]) => call('action.upload', () => Sync.Send(account, ids)),
    items: () => call('action.upload', () => Sync.Items().then(wire<SyncItem[] | null>)),
    retry: (account: string, id: string) => call('action.upload', () => Sync.Retry(account, id)),
    pause: () => call('action.upload', () => Sync.Pause()),
    resume: () => call('action.upload', () => Sync.Resume()),
    resolve: (account: string, id: string, choice: 'mine' | 'theirs' | 'both') =>
      call('action.resolve', () => Sync.Resolve(account, id, choice)),
    remove: (account: string, id: string) => call('action.upload', () => Sync.Remove(account, id)),
    pull: () => call('action.pull', () => Sync.Pull().then(wire<PullResult>)),
  },
  wp: {
    test: (url: string, user: string, password: string) =>
      call('action.wpTest', () => Sync.TestWordPress(url, user, password).then(wire<WPCheck>)),
    add: (url: string, user: string, password: string) =>
      call('action.wpTest', () => Sync.AddWordPress(url, user, password).then(wire<WPCheck>)),
    ready: (account: string) => call('action.listArticles', () => Sync.ReadyForWordPress(account).then(wire<Summary[] | null>)),
    publish: (account: string, ids: string[], status: WPStatus, date = '') =>
      call('action.wpPublish', () => Sync.PublishWordPress(account, ids, wire<bridge.PublishOptions>({ status, date }))),
    jobs: () => call('action.wpPublish', () => Sync.WordPressJobs().then(wire<WPJob[] | null>)),
    retry: (id: string) => call('action.wpPublish', () => Sync.RetryWordPress(id)),
    remove: (id: string) => call('action.wpPublish', () => Sync.RemoveWordPress(id)),
    resolve: (id: string, choice: 'mine' | 'theirs' | 'cancel') => call('action.resolve', () => Sync.ResolveWordPress(id, choice)),
    openPost: (id: string) => call('action.wpPublish', () => Sync.OpenPost(id)),
  },
  setSection: (section: string) => call('action.saveSettings', () => App.SetSection(section)),
  setSendOriginals: (on: boolean) => call('action.saveSettings', () => App.SetSendOriginals(on)),
  setPhotoLongEdge: (px: number) => call('action.saveSettings', () => App.SetPhotoLongEdge(px)),
  photos: {
    list: () => call('action.loadPhotos', () => Photos.List().then(wire<Photo[]>)),
    get: (ids: string[]) => call('action.loadPhotos', () => Photos.Get(ids).then(wire<Photo[]>)),
    chooseFiles: () => call('action.importPhotos', () => Photos.ChooseFiles()),
    chooseFolder: () => call('action.importPhotos', () => Photos.ChooseFolder()),
    import: (paths: string[]) => call('action.importPhotos', () => Photos.Import(paths)),
    cancelImport: () => call('action.importPhotos', () => Photos.CancelImport()),
    apply: (ids: string[], changes: Partial<Change>[]) =>
      call('action.savePhotos', () => Photos.Apply(ids, wire<photos.Change[]>(changes)).then(wire<Photo[]>)),
    delete: (ids: string[]) => call('action.deletePhotos', () => Photos.Delete(ids)),
    templates: () => call('action.loadTemplates', () => Photos.Templates().then(wire<Template[]>)),
    saveTemplate: (t: Template, previous: string) =>
      call('action.saveTemplate', () => Photos.SaveTemplate(wire<photos.Template>(t), previous).then(wire<Template>)),
    deleteTemplate: (name: string) => call('action.saveTemplate', () => Photos.DeleteTemplate(name)),
    applyTemplate: (name: string, ids: string[]) =>
      call('action.applyTemplate', () => Photos.ApplyTemplate(name, ids).then(wire<Photo[]>)),
    codes: () => call('action.loadCodes', () => Photos.Codes().then(wire<Code[] | null>)),
    setCodes: (codes: Code[]) => call('action.saveCodes', () => Photos.SetCodes(wire<codes.Code[]>(codes)).then(wire<CodeTable>)),
    importCodes: () => call('action.importCodes', () => Photos.ImportCodes().then(wire<CodeTable | null>)),
    exportCodes: () => call('action.exportCodes', () => Photos.ExportCodes()),
    houseStyle: (input: HouseStyleInput) =>
      call('action.houseStyle', () => Photos.HouseStyle(wire<photos.HouseStyleInput>(input))),
    provinces: () => call('action.loadPhotos', () => Photos.Provinces()),
    export: (ids: string[], kind: 'web' | 'original') =>
      call('action.exportPhotos', () => Photos.Export(ids, kind).then(wire<ExportResult[] | null>)),
  },
}

/** onFlush runs f when Go is about to close the window, then tells Go it is done. */
export function onFlush(f: () => Promise<void>): () => void {
  return EventsOn(events.flush, () => {
    f().finally(() => EventsEmit(events.flushed))
  })
}

export function onNetStatus(f: (s: NetStatus) => void): () => void {
  return EventsOn(events.netStatus, f)
}

export function onActivated(f: () => void): () => void {
  return EventsOn(events.activated, f)
}

/** onEvent listens to one of Go's events (see events); it returns the unsubscribe function. */
export function onEvent<T>(name: (typeof events)[keyof typeof events], f: (payload: T) => void): () => void {
  return EventsOn(name, f)
}
