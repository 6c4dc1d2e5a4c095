import type { Count, MetricDeclaration, Read, Sample } from './figure.js'

function read<T>(metric: MetricDeclaration<T> | undefined): Read<T> {
  return { kind: 'figure', metric, zero: undefined }
}

function single(value: number | undefined): Sample[] {
  return value === undefined ? [] : [[{}, value]]
}

/**
 * A monotonic count, exported as a Prometheus counter; starts at 0 in `createCounts`.
 *
 * @example
 * bootstrapAttempts: counter('node_bootstrap_attempts_total', 'Dials of one bootstrap node started.'),
 */
export function counter(name: string, help: string): Count<number> {
  return {
    kind: 'figure',
    metric: { name, help, type: 'counter', labelNames: [], samples: single },
    zero: () => 0,
  }
}

/**
 * Counts by one label (a reason, a kind, a result), a `Record<K, number>` with every key at 0 in
 * `createCounts`; one counter sample per key.
 *
 * @example
 * rejected: countsBy('messaging_rejected_total', 'Rejected messages, by reason.', 'reason', REJECT_REASONS),
 */
export function countsBy<K extends string>(
  name: string,
  help: string,
  label: string,
  keys: readonly K[],
): Count<Record<K, number>> {
  return {
    kind: 'figure',
    metric: {
      name,
      help,
      type: 'counter',
      labelNames: [label],
      samples: (counts) =>
        Object.entries<number>(counts).map(([key, value]): Sample => [{ [label]: key }, value]),
    },
    zero: () => Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>,
  }
}

/** A number read when asked, exported as a gauge. */
export function gauge(name: string, help: string): Read<number>
/** A value read when asked, exported as a gauge through `toNumber` (undefined: no sample). */
export function gauge<T>(name: string, help: string, toNumber: (value: T) => number | undefined): Read<T>
export function gauge<T>(
  name: string,
  help: string,
  toNumber?: (value: T) => number | undefined,
): Read<T> | Read<number> {
  if (toNumber === undefined)
    return read<number>({ name, help, type: 'gauge', labelNames: [], samples: single })
  return read<T>({ name, help, type: 'gauge', labelNames: [], samples: (value) => single(toNumber(value)) })
}

/** A yes/no state, exported as a gauge of 1 or 0. */
export function flag(name: string, help: string): Read<boolean> {
  return gauge<boolean>(name, help, (on) => (on ? 1 : 0))
}

/**
 * Milliseconds (a duration, or a Unix time), exported in seconds as Prometheus wants; no sample
 * while it is undefined or null.
 */
export function seconds<T extends number | undefined | null = number | undefined>(
  name: string,
  help: string,
): Read<T> {
  return gauge<T>(name, help, (ms) => (ms === undefined || ms === null ? undefined : ms / 1000))
}

/** One of a fixed set of states: a gauge per state labelled `label`, 1 for the current one, 0 for the others. */
export function oneHot<K extends string>(
  name: string,
  help: string,
  label: string,
  states: readonly K[],
): Read<K> {
  return read<K>({
    name,
    help,
    type: 'gauge',
    labelNames: [label],
    samples: (current) => states.map((state): Sample => [{ [label]: state }, state === current ? 1 : 0]),
  })
}

/** A list of strings: a gauge of 1 per entry, labelled `label`. */
export function each(name: string, help: string, label: string): Read<string[]> {
  return read<string[]>({
    name,
    help,
    type: 'gauge',
    labelNames: [label],
    samples: (list) => list.map((entry): Sample => [{ [label]: entry }, 1]),
  })
}

/**
 * A figure of a custom shape with its own samples (declare two figures with the same name, help,
 * type and labels to feed one metric from both).
 */
export function metric<T>(declaration: MetricDeclaration<T>): Read<T> {
  return read(declaration)
}

/** A figure only the snapshot carries: no Prometheus metric (a sum Prometheus computes itself, a list). */
export function field<T>(): Read<T> {
  return read<T>(undefined)
}
