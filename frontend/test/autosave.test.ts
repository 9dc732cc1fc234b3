import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { Autosaver, type SaveState } from '../src/lib/autosave'

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

function setup(save: (mark: boolean) => Promise<void>) {
  const states: SaveState['kind'][] = []
  const a = new Autosaver({ save, onState: (s) => states.push(s.kind), delay: 800, retryDelay: 3000 })
  return { a, states }
}

describe('Autosaver', () => {
  test('saves once, 800 ms after the last change', async () => {
    const save = vi.fn(async () => {})
    const { a, states } = setup(save)
    a.change()
    await vi.advanceTimersByTimeAsync(500)
    a.change()
    await vi.advanceTimersByTimeAsync(500)
    expect(save).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(300)
    expect(save).toHaveBeenCalledTimes(1)
    expect(save).toHaveBeenCalledWith(false)
    expect(states.at(-1)).toBe('saved')
    expect(a.hasUnsaved).toBe(false)
  })

  test('flush saves at once and marks a revision when asked', async () => {
    const save = vi.fn(async () => {})
    const { a } = setup(save)
    a.change()
    await a.flush()
    expect(save).toHaveBeenCalledTimes(1)
    await a.flush(true)
    expect(save).toHaveBeenLastCalledWith(true)
    await a.flush()
    expect(save).toHaveBeenCalledTimes(2) // nothing dirty: no save
  })

  test('a change during a save is saved right after it, never concurrently', async () => {
    let inFlight = 0
    let maxInFlight = 0
    let release!: () => void
    const save = vi.fn(() => {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      return new Promise<void>((ok) => {
        release = () => {
          inFlight--
          ok()
        }
      })
    })
    const { a } = setup(save)
    a.change()
    await vi.advanceTimersByTimeAsync(800)
    expect(save).toHaveBeenCalledTimes(1)
    a.change() // typing goes on while the first save is on its way
    await vi.advanceTimersByTimeAsync(800)
    expect(save).toHaveBeenCalledTimes(1)
    release()
    await vi.advanceTimersByTimeAsync(0)
    expect(save).toHaveBeenCalledTimes(2)
    release()
    await vi.advanceTimersByTimeAsync(0)
    expect(maxInFlight).toBe(1)
    expect(a.hasUnsaved).toBe(false)
  })

  test('a failed save shows the error, keeps the edit and retries', async () => {
    let fail = true
    const save = vi.fn(async () => {
      if (fail) throw new Error('disk full')
    })
    const states: SaveState[] = []
    const a = new Autosaver({ save, onState: (s) => states.push(s), delay: 800, retryDelay: 3000 })
    a.change()
    await vi.advanceTimersByTimeAsync(800)
    expect(states.at(-1)).toEqual({ kind: 'error', message: 'disk full' })
    expect(a.hasUnsaved).toBe(true)
    fail = false
    await vi.advanceTimersByTimeAsync(3000)
    expect(save).toHaveBeenCalledTimes(2)
    expect(states.at(-1)?.kind).toBe('saved')
    expect(a.hasUnsaved).toBe(false)
  })

  test('a failed marked save keeps the mark for the retry', async () => {
    let fail = true
    const save = vi.fn(async (_mark: boolean) => {
      if (fail) throw new Error('busy')
    })
    const { a } = setup(save)
    await a.flush(true)
    fail = false
    await vi.advanceTimersByTimeAsync(3000)
    expect(save.mock.calls.map((c) => c[0])).toEqual([true, true])
  })
})
