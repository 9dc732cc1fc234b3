// Autosave: a change schedules a save `delay` ms after typing stops; flush()
// saves at once (blur, close, Ctrl+S). Saves never overlap: a change during a
// save is saved right after it. A failed save keeps the edits dirty, shows
// the error and retries; nothing is dropped.

export type SaveState =
  | { kind: 'idle' }
  | { kind: 'pending' }
  | { kind: 'saving' }
  | { kind: 'saved'; at: Date }
  | { kind: 'error'; message: string }

export interface AutosaveOptions {
  /** save writes the current draft; mark asks for a named revision (Ctrl+S). */
  save: (mark: boolean) => Promise<void>
  onState: (s: SaveState) => void
  delay?: number
  retryDelay?: number
  now?: () => Date
}

export class Autosaver {
  private dirty = false
  private markNext = false
  private timer: ReturnType<typeof setTimeout> | undefined
  private running: Promise<void> | undefined
  private readonly delay: number
  private readonly retryDelay: number
  private readonly now: () => Date

  constructor(private readonly o: AutosaveOptions) {
    this.delay = o.delay ?? 800
    this.retryDelay = o.retryDelay ?? 3000
    this.now = o.now ?? (() => new Date())
  }

  get hasUnsaved(): boolean {
    return this.dirty || this.running !== undefined
  }

  /** change records an edit and (re)starts the quiet-time timer. */
  change(): void {
    this.dirty = true
    this.o.onState({ kind: 'pending' })
    this.schedule(this.delay)
  }

  /** flush saves now if anything is unsaved (or mark is asked) and resolves when all is written. */
  async flush(mark = false): Promise<void> {
    if (mark) {
      this.markNext = true
      this.dirty = true
    }
    this.clear()
    while (this.running || this.dirty) {
      if (this.running) {
        await this.running
        continue
      }
      await this.run()
      if (this.dirty && !this.running) break // failed: keep it dirty, the retry timer is set
    }
  }

  /** dispose stops timers; call flush() first to keep edits. */
  dispose(): void {
    this.clear()
  }

  private clear() {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private schedule(ms: number) {
    this.clear()
    this.timer = setTimeout(() => {
      this.timer = undefined
      if (this.running) return // run() reschedules when it finishes
      void this.run()
    }, ms)
  }

  private run(): Promise<void> {
    const mark = this.markNext
    this.dirty = false
    this.markNext = false
    this.o.onState({ kind: 'saving' })
    const p = this.o
      .save(mark)
      .then(
        () => {
          if (this.dirty) this.schedule(0)
          else this.o.onState({ kind: 'saved', at: this.now() })
        },
        (err: unknown) => {
          this.dirty = true
          this.markNext ||= mark
          this.o.onState({ kind: 'error', message: err instanceof Error ? err.message : String(err) })
          this.schedule(this.retryDelay)
        },
      )
      .finally(() => {
        this.running = undefined
      })
    this.running = p
    return p
  }
}
