/** One Prometheus sample: its labels and value. */
export type Sample = [labels: Record<string, string>, value: number]

/** The Prometheus metric of one snapshot figure. */
export interface MetricDeclaration<T> {
  /** Name without the collector's prefix (`depin_`), e.g. `node_bootstrap_attempts_total`. */
  readonly name: string
  /** The `# HELP` text. */
  readonly help: string
  readonly type: 'counter' | 'gauge'
  /** The labels {@link MetricDeclaration.samples} sets, in order. */
  readonly labelNames: readonly string[]
  /** The figure's samples; none while it is not known yet (a labelless metric is then left out). */
  samples(value: T): Sample[]
}

/**
 * One figure of a package's `metrics()` snapshot: its Prometheus metric, if it has one, and, for a
 * figure its owner counts, the value a fresh count starts from.
 */
export interface Figure<T> {
  readonly kind: 'figure'
  /** Undefined for a figure only the snapshot carries (a sum Prometheus computes itself, a list). */
  readonly metric: MetricDeclaration<T> | undefined
  /** The starting value of a count (see `createCounts`); undefined for a figure read when asked. */
  readonly zero: (() => T) | undefined
  /** Type only: the figure's value in the snapshot. */
  readonly '~value'?: T
}

/** A figure its owner counts in the object `createCounts` returns (`counts.x++`). */
export interface Count<T> extends Figure<T> {
  readonly zero: () => T
}

/** A figure its owner reads when `metrics()` is called (a gauge, a state, a time). */
export interface Read<T> extends Figure<T> {
  readonly zero: undefined
}

/** Any figure, whatever its value. */
export interface AnyFigure {
  readonly kind: 'figure'
}

/**
 * A package's metric declarations: snapshot key → figure, or a nested group for a nested object
 * (`node.accountability`). Key order is the snapshot's key order.
 */
export interface FigureGroup {
  readonly [key: string]: AnyFigure | FigureGroup
}

/** The value of one entry of a group: a figure's value, or a nested snapshot. */
type ValueOf<E> = E extends Figure<infer T> ? T : SnapshotOf<E>

/** The `metrics()` snapshot a group declares (the type users see). */
export type SnapshotOf<G> = { -readonly [K in keyof G]: ValueOf<G[K]> }

/** The keys of a group's counted figures. */
type CountKeys<G> = { [K in keyof G]: G[K] extends Count<unknown> ? K : never }[keyof G]

/** The mutable counts behind a group's counted figures (nested groups keep their own). */
export type CountsOf<G> = { -readonly [K in CountKeys<G>]: ValueOf<G[K]> }

/** What the owner reads when asked: every figure of the snapshot that is not a count. */
export type ReadsOf<G> = { -readonly [K in Exclude<keyof G, CountKeys<G>>]: ValueOf<G[K]> }
