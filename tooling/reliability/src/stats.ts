import { percentiles } from '@depin/test-utils/stats'

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

/** p50, p95 (nearest rank) and max of a list of numbers, rounded; undefined values when it is empty. */
export function summarize(values: readonly number[]): {
  count: number
  p50: number | undefined
  p95: number | undefined
  max: number | undefined
} {
  if (values.length === 0) return { count: 0, p50: undefined, p95: undefined, max: undefined }
  const [p50, p95, max] = percentiles(values, [50, 95, 100]).map(Math.round)
  return { count: values.length, p50, p95, max }
}

/** The number of active libp2p-relevant resources (sockets, timers) after a forced GC when available. */
export function activeHandles(): number {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.getActiveResourcesInfo().filter((name) => name !== 'TTYWrap').length
}
