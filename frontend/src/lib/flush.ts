// Work that must be written before the window closes (unsaved edits).
// Screens register a flusher; App answers Go's close-time "flush" event by
// running them all.
const flushers = new Set<() => Promise<void>>()

export function registerFlush(f: () => Promise<void>): () => void {
  flushers.add(f)
  return () => flushers.delete(f)
}

export async function flushAll(): Promise<void> {
  await Promise.allSettled([...flushers].map((f) => f()))
}
