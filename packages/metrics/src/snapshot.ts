import type { GaterGroupMetrics, RegistryGaterMetrics } from '@depin/gater'
import type { NodeMetrics } from '@depin/infrastructure'
import type { MessagingMetrics } from '@depin/messaging'

/** The plain-object metrics of one database (namespace) on a node. */
export interface DatabaseMetricsSource {
  /** The database name; becomes the `database` label. */
  name: string
  /** Its registry gater's `metrics()`. */
  gater?: RegistryGaterMetrics | undefined
  /** Its messaging layer's `metrics()`. */
  messaging?: MessagingMetrics | undefined
}

/**
 * Everything the lower packages count, as they report it (plain objects). The collector reads one
 * snapshot per scrape; nothing is counted twice.
 */
export interface DepinMetricsSnapshot {
  /** The shared node's `metrics()` (@depin/infrastructure). */
  node?: NodeMetrics | undefined
  /** The host's gater group `metrics()`: decisions at libp2p's hooks for every database. */
  hostGater?: GaterGroupMetrics | undefined
  /** One entry per database joined on this node. */
  databases?: DatabaseMetricsSource[] | undefined
}

/** The shape of `Database.metrics()` in @depin/pubsub. */
export interface FacadeMetrics {
  node: NodeMetrics
  gater: RegistryGaterMetrics
  messaging: MessagingMetrics
  /** The host's gater group, if the facade reports it. */
  hostGater?: GaterGroupMetrics | undefined
}

/**
 * Turns one `Database.metrics()` result of @depin/pubsub into a {@link DepinMetricsSnapshot}.
 *
 * @example
 * createDepinCollector({ read: () => fromFacadeMetrics(db.databaseName, db.metrics()) })
 */
export function fromFacadeMetrics(databaseName: string, metrics: FacadeMetrics): DepinMetricsSnapshot {
  return {
    node: metrics.node,
    hostGater: metrics.hostGater,
    databases: [{ name: databaseName, gater: metrics.gater, messaging: metrics.messaging }],
  }
}
