import type { AnyFigure, CountsOf, Figure, FigureGroup, ReadsOf, SnapshotOf } from './figure.js'

/** True for a figure, false for a nested group (a group may well have a key named `kind`). */
export function isFigure(entry: AnyFigure | FigureGroup): entry is AnyFigure {
  return entry.kind === 'figure'
}

/** One key of a group, with the zero of its count (undefined when the key is not a count). */
type PlanEntry = readonly [key: string, zero: (() => unknown) | undefined]

/** Per group: its keys in order. Built once per group. */
const plans = new WeakMap<FigureGroup, readonly PlanEntry[]>()

function planOf(group: FigureGroup): readonly PlanEntry[] {
  let plan = plans.get(group)
  if (plan === undefined) {
    plan = Object.entries(group).map(
      ([key, entry]): PlanEntry => [key, isFigure(entry) ? (entry as Figure<unknown>).zero : undefined],
    )
    plans.set(group, plan)
  }
  return plan
}

/**
 * The mutable counts of a group's counted figures, each at its zero (0, or every key at 0). The
 * owner counts in it (`counts.published++`, `counts.rejected[reason]++`) and hands it to
 * {@link snapshotOf}.
 *
 * @example
 * const counts = createCounts(MESSAGING_METRICS)
 * counts.published++
 */
export function createCounts<G extends FigureGroup>(group: G): CountsOf<G> {
  const counts: Record<string, unknown> = {}
  for (const [key, zero] of planOf(group)) {
    if (zero !== undefined) counts[key] = zero()
  }
  return counts as CountsOf<G>
}

/**
 * A `metrics()` snapshot in the group's key order: the counts (copied, so the caller's snapshot does
 * not move), and the figures read now. The compiler asks for every figure that is not a count.
 *
 * @example
 * metrics(): MessagingMetrics {
 *   return snapshotOf(MESSAGING_METRICS, this.counts, { topics: this.topics.size, ... })
 * }
 */
export function snapshotOf<G extends FigureGroup>(
  group: G,
  counts: CountsOf<G>,
  reads: ReadsOf<G>,
): SnapshotOf<G> {
  const fromCounts = counts as Record<string, unknown>
  const fromReads = reads as Record<string, unknown>
  const snapshot: Record<string, unknown> = {}
  for (const [key, zero] of planOf(group)) {
    if (zero === undefined) {
      snapshot[key] = fromReads[key]
    } else {
      const value = fromCounts[key]
      snapshot[key] = typeof value === 'object' && value !== null ? { ...value } : value
    }
  }
  return snapshot as SnapshotOf<G>
}
