// Word-level comparison of two texts (Myers' O(ND) algorithm), for showing a
// revision against the current article.

export type Part = { op: 'same' | 'add' | 'del'; text: string }

/** tokens splits text into words and the whitespace between them. */
export function tokens(s: string): string[] {
  return s.match(/\s+|[^\s]+/g) ?? []
}

/** diffWords describes how to turn a into b, merging neighbouring parts. */
export function diffWords(a: string, b: string): Part[] {
  const x = tokens(a)
  const y = tokens(b)
  const n = x.length
  const m = y.length
  const max = n + m
  const v = new Int32Array(2 * max + 2)
  const trace: Int32Array[] = []
  const off = max + 1
  let found = false
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice())
    for (let k = -d; k <= d; k += 2) {
      let i = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1
      let j = i - k
      while (i < n && j < m && x[i] === y[j]) {
        i++
        j++
      }
      v[off + k] = i
      if (i >= n && j >= m) {
        found = true
        break
      }
    }
  }
  // Walk back through the trace to recover the edit script.
  const out: Part[] = []
  let i = n
  let j = m
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]
    const k = i - j
    const prevK = k === -d || (k !== d && vd[off + k - 1] < vd[off + k + 1]) ? k + 1 : k - 1
    const prevI = vd[off + prevK]
    const prevJ = prevI - prevK
    while (i > prevI && j > prevJ) {
      i--
      j--
      out.push({ op: 'same', text: x[i] })
    }
    if (d > 0) {
      if (i === prevI) out.push({ op: 'add', text: y[--j] })
      else out.push({ op: 'del', text: x[--i] })
    }
  }
  out.reverse()
  const merged: Part[] = []
  for (const p of out) {
    const last = merged.at(-1)
    if (last && last.op === p.op) last.text += p.text
    else merged.push({ ...p })
  }
  return merged
}
