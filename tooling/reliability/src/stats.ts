/** A deterministic pseudo-random generator (mulberry32), so a failing run can be replayed from its seed. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** p50, p95 and max of a list of numbers (rounded), or undefined values when it is empty. */
export function summarize(values: readonly number[]): {
  count: number
  p50: number | undefined
  p95: number | undefined
  max: number | undefined
} {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number): number | undefined => {
    const v = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
    return v === undefined ? undefined : Math.round(v)
  }
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), max: at(1) }
}

/** The number of active libp2p-relevant resources (sockets, timers) after a forced GC when available. */
export function activeHandles(): number {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.getActiveResourcesInfo().filter((name) => name !== 'TTYWrap').length
}
