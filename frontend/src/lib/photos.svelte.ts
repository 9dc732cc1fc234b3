// The photo library as the UI sees it: one list shared by the Photos screen
// and the editor's photo picker, kept current by the import events, so an
// import that runs while the user writes an article is not lost.
import { api, events, onEvent, type Code, type FileResult, type ImportProgress, type Photo, type PhotoImportResult } from './api'
import { tableOf, type CodeTable } from './codes'
import { reportError } from './notices.svelte'

export interface ImportState {
  running: boolean
  total: number
  added: number
  duplicates: number
  failed: number
}

export const library = $state({
  photos: [] as Photo[],
  loaded: false,
  importing: { running: false, total: 0, added: 0, duplicates: 0, failed: 0 } as ImportState,
  /** problems of the last import: files that failed, for the error list */
  problems: [] as FileResult[],
  /** the last import's summary, until dismissed */
  last: null as PhotoImportResult | null,
  codes: [] as Code[],
})

let codeTable: CodeTable = new Map()
/** codes is the code replacement table, indexed. */
export const codes = () => codeTable

export function setCodes(list: Code[]): void {
  library.codes = list
  codeTable = tableOf(list)
}

export async function loadPhotos(): Promise<void> {
  try {
    library.photos = normaliseAll(await api.photos.list())
    library.loaded = true
    setCodes((await api.photos.codes()) ?? [])
  } catch (err) {
    reportError(err)
  }
}

/** normalise fills the lists Go may send as null. */
export function normalise(p: Photo): Photo {
  const f = p.fields
  f.creator ??= []
  f.keywords ??= []
  p.warnings ??= []
  return p
}

function normaliseAll(list: Photo[] | null): Photo[] {
  return (list ?? []).map(normalise)
}

/** replace puts updated photos into the list in place. */
export function replace(updated: Photo[]): void {
  const byId = new Map(updated.map((p) => [p.id, normalise(p)]))
  library.photos = library.photos.map((p) => byId.get(p.id) ?? p)
}

/** remove drops photos from the list. */
export function remove(ids: string[]): void {
  const gone = new Set(ids)
  library.photos = library.photos.filter((p) => !gone.has(p.id))
}

function sortKey(p: Photo): string {
  return (p.taken || p.importedAt).slice(0, 19) + p.name
}

// Imports whose result has arrived: a progress report that comes later (Go
// does not promise event order) is stale and must not reopen the bar.
const finished = new Set<number>()

function onProgress(p: ImportProgress) {
  if (finished.has(p.batch)) return
  const st = library.importing
  if (!st.running) {
    st.running = true
    library.problems = []
    library.last = null
  }
  st.total = p.total
  st.added = p.added
  st.duplicates = p.duplicates
  st.failed = p.failed
  const added: Photo[] = []
  for (const f of p.files ?? []) {
    if (f.photo) added.push(normalise(f.photo))
    else if (f.code !== 'duplicate') library.problems.push(f)
  }
  if (added.length) {
    // Thumbnails appear as they are made, in contact-sheet order.
    library.photos = [...library.photos, ...added].sort((a, b) => sortKey(a).localeCompare(sortKey(b)))
  }
}

function onDone(r: PhotoImportResult) {
  finished.add(r.batch)
  library.importing.running = false
  library.last = r
  library.problems = (r.files ?? []).filter((f) => f.code !== 'added' && f.code !== 'duplicate')
  void api.photos.list().then((l) => (library.photos = normaliseAll(l)), reportError)
}

/** startImport marks an import as running before its first report. */
export function startImport(): void {
  library.importing = { running: true, total: 0, added: 0, duplicates: 0, failed: 0 }
  library.problems = []
  library.last = null
}

/** subscribe listens to Go's photo events; App calls it once. */
export function subscribe(onDropped: () => void): () => void {
  const offs = [
    onEvent(events.photosImporting, onProgress),
    onEvent(events.photosImported, onDone),
    onEvent(events.photosDropped, () => {
      startImport()
      onDropped()
    }),
    onEvent(events.photosChanged, (ids: unknown) => {
      void api.photos.get(ids as string[]).then(replace, reportError)
    }),
  ]
  return () => offs.forEach((off) => off())
}
