import type { Metrics } from '@libp2p/interface'
import { type PrometheusMetricsComponents, prometheusMetrics } from '@libp2p/prometheus-metrics'
import type { Registry } from 'prom-client'

/** Options of {@link libp2pMetrics}. */
export interface Libp2pMetricsInit {
  /** The registry libp2p's metrics go to (the same one as the @depin collector's). */
  registry: Registry
  /** Also collect Node.js process metrics (CPU, memory, event loop lag). @default true */
  collectDefaultMetrics?: boolean
}

/**
 * libp2p's own metrics (connections, streams, dials, transports, DHT, GossipSub) in a prom-client
 * registry: pass the result as `createLibp2p({ metrics })`. Unlike `@libp2p/prometheus-metrics`'
 * default, it never clears metrics already in the registry (the @depin collector's).
 *
 * @example
 * const registry = new Registry()
 * const node = await createLibp2p({ metrics: libp2pMetrics({ registry }), ... })
 */
export function libp2pMetrics(init: Libp2pMetricsInit): (components: PrometheusMetricsComponents) => Metrics {
  // prom-client refuses to register the process metrics twice in one registry.
  const defaultsPresent = init.registry.getSingleMetric('process_cpu_user_seconds_total') !== undefined
  return prometheusMetrics({
    registry: init.registry,
    collectDefaultMetrics: (init.collectDefaultMetrics ?? true) && !defaultsPresent,
    preserveExistingMetrics: true,
  })
}
