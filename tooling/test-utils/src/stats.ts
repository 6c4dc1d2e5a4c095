// Percentiles of measured figures (benchmarks, reliability and netlab tests, the testnet's report),
// all by one rank rule. Dependency-free: apps/testnet bundles it into its CLI.

/**
 * The `p`th percentile (0 <= p <= 100) of `values` by the nearest-rank rule: the smallest value
 * such that at least `p` % of the values are less than or equal to it, i.e. the value of 1-based
 * rank ⌈p/100 × n⌉ in ascending order (rank 1 for p = 0). It is always one of the values, never an
 * interpolation: p0 is the minimum, p100 the maximum, and p50 of an even count is the lower of the
 * two middle values. NaN when there are no values. `values` need not be sorted and is not changed.
 * Throws a `RangeError` for a `p` outside 0..100.
 *
 * @example
 * percentile([50, 15, 40, 20, 35], 40) // 20: rank ⌈0.4 × 5⌉ = 2 of 15, 20, 35, 40, 50
 * percentile([1, 2, 3, 4], 50) // 2
 */
export function percentile(values: readonly number[], p: number): number {
  return percentiles(values, [p])[0] as number
}

/**
 * Several percentiles of `values` with one sort, in the order of `ps` (see {@link percentile}).
 *
 * @example
 * const [p50, p99] = percentiles(latenciesMs, [50, 99])
 */
export function percentiles(values: readonly number[], ps: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b)
  return ps.map((p) => atRank(sorted, p))
}

/** The nearest-rank median: {@link percentile} 50, so the lower middle value of an even count. */
export function median(values: readonly number[]): number {
  return percentile(values, 50)
}

function atRank(sorted: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`a percentile is within 0..100, got ${p}`)
  if (sorted.length === 0) return Number.NaN
  // p × n / 100 is exact for a whole p (p / 100 × n is not: 7 / 100 × 100 is 7.000000000000001);
  // the epsilon keeps a fractional p such as 99.9 from going up a rank on a rounding error.
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100 - 1e-9))
  return sorted[rank - 1] as number
}
