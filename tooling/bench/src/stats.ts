import { median } from '@depin/test-utils/stats'

/** Median, min and max of the runs of one figure. */
export interface Spread {
  median: number
  min: number
  max: number
  runs: number
}

/**
 * Median (nearest rank, as every percentile here: the lower middle run of an even count), min and
 * max of the finite values (NaN fields when there are none).
 */
export function spread(values: readonly number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v))
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: 0 }
  return {
    median: median(finite),
    min: Math.min(...finite),
    max: Math.max(...finite),
    runs: finite.length,
  }
}

/** Spread of every numeric field of a list of records with the same keys. */
export function spreadOf<T extends { [K in keyof T]: number }>(
  records: readonly T[],
): { [K in keyof T]: Spread } {
  const out = {} as { [K in keyof T]: Spread }
  const first = records[0]
  if (first === undefined) return out
  for (const key of Object.keys(first) as Array<keyof T>) out[key] = spread(records.map((r) => r[key]))
  return out
}

/** Resolves after `ms`; the bench paces publishing with it (never used in tests to wait for state). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls `condition` every `intervalMs` until true; throws `message` after `timeoutMs`. */
export async function until(
  condition: () => boolean,
  { timeoutMs = 30_000, intervalMs = 20, message = 'condition' } = {},
): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}`)
    await sleep(intervalMs)
  }
}
