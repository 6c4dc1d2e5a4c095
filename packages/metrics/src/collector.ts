import { Counter, Gauge, Registry } from 'prom-client'
import { METRIC_DEFINITIONS, type Sample } from './definitions.js'
import type { DepinMetricsSnapshot } from './snapshot.js'

/** Options of {@link createDepinCollector}. */
export interface DepinCollectorInit {
  /**
   * Returns the plain-object metrics to expose; called once per scrape (the lower packages keep
   * the counts, the collector only reads them).
   */
  read: () => DepinMetricsSnapshot
  /** The prom-client registry to register in. @default a new `Registry` */
  registry?: Registry
  /** Prefix of every metric name. @default 'depin_' */
  prefix?: string
  /** Labels added to every sample, e.g. `{ node: 'edge-1' }`. @default {} */
  labels?: Record<string, string>
}

/** The Prometheus metrics of a @depin node, registered in a prom-client registry. */
export interface DepinCollector {
  readonly registry: Registry
  /** The registry's metrics in Prometheus text format. */
  metrics(): Promise<string>
  /** The `Content-Type` of {@link DepinCollector.metrics}. */
  readonly contentType: string
  /** Removes this collector's metrics from the registry. Idempotent. */
  remove(): void
}

/**
 * Registers the @depin metrics (`depin_node_*`, `depin_gater_*`, `depin_host_gater_*`,
 * `depin_messaging_*`) in a prom-client registry. Values are read from `read()` when Prometheus
 * scrapes, through prom-client `collect()` callbacks.
 *
 * @example
 * import { createDepinCollector, fromFacadeMetrics, startMetricsServer } from '@depin/metrics'
 *
 * const collector = createDepinCollector({ read: () => fromFacadeMetrics(db.databaseName, db.metrics()) })
 * const server = await startMetricsServer({ port: 9464, registry: collector.registry, isReady: () => db.isReady() })
 * // curl http://127.0.0.1:9464/metrics
 */
export function createDepinCollector(init: DepinCollectorInit): DepinCollector {
  const registry = init.registry ?? new Registry()
  const prefix = init.prefix ?? 'depin_'
  const constant = init.labels ?? {}
  const constantNames = Object.keys(constant)

  // One snapshot per scrape: prom-client calls every collect() of a scrape in the same tick.
  let snapshot: DepinMetricsSnapshot | undefined
  const current = (): DepinMetricsSnapshot => {
    if (snapshot === undefined) {
      snapshot = init.read()
      setImmediate(() => {
        snapshot = undefined
      })
    }
    return snapshot
  }

  const names: string[] = []
  for (const definition of METRIC_DEFINITIONS) {
    const name = `${prefix}${definition.name}`
    const labelNames = [...constantNames, ...definition.labelNames]
    const labelled = labelNames.length > 0
    const samples = (): Sample[] => {
      const own = definition.samples(current())
      if (constantNames.length === 0) return own
      return own.map(([labels, value]): Sample => [{ ...constant, ...labels }, value])
    }
    const config = { name, help: definition.help, labelNames, registers: [registry] }
    if (definition.type === 'counter') {
      new Counter({
        ...config,
        collect(this: Counter) {
          refill(this, samples(), labelled, (labels, value) => this.inc(labels, value))
        },
      })
    } else {
      new Gauge({
        ...config,
        collect(this: Gauge) {
          refill(this, samples(), labelled, (labels, value) => this.set(labels, value))
        },
      })
    }
    names.push(name)
  }

  let removed = false
  return {
    registry,
    contentType: registry.contentType,
    metrics: () => registry.metrics(),
    remove: () => {
      if (removed) return
      removed = true
      for (const name of names) registry.removeSingleMetric(name)
    },
  }
}

/** Puts a scrape's samples in a metric that `reset()` emptied. */
function refill(
  metric: Counter | Gauge,
  samples: Sample[],
  labelled: boolean,
  write: (labels: Sample[0], value: number) => void,
): void {
  metric.reset()
  // A metric without labels starts at 0 after reset(); a figure not known yet is left out instead.
  if (samples.length === 0 && !labelled) metric.remove({})
  for (const [labels, value] of samples) write(labels, value)
}
