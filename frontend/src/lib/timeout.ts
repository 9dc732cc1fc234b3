/** TimeoutError says a call got no answer in time. */
export class TimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`no answer after ${Math.round(ms / 1000)} s`)
    this.name = 'TimeoutError'
  }
}

/** withTimeout settles like p, or rejects with TimeoutError after ms. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout>
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms)), ms)
  })
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}
