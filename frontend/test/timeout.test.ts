import { afterEach, beforeEach, expect, test, vi } from 'vitest'
import { TimeoutError, withTimeout } from '../src/lib/timeout'

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

test('a call that never answers fails after the limit', async () => {
  const p = withTimeout(new Promise(() => {}), 30000)
  const seen = p.catch((e) => e)
  await vi.advanceTimersByTimeAsync(29999)
  await vi.advanceTimersByTimeAsync(1)
  const err = await seen
  expect(err).toBeInstanceOf(TimeoutError)
  expect((err as Error).message).toBe('no answer after 30 s')
})

test('answers and errors in time pass through', async () => {
  await expect(withTimeout(Promise.resolve(7), 1000)).resolves.toBe(7)
  await expect(withTimeout(Promise.reject(new Error('disk full')), 1000)).rejects.toThrow('disk full')
  expect(vi.getTimerCount()).toBe(0)
})
