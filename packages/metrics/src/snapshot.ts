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

/**
 * The metrics of one database as plain objects: what {@link fromFacadeMetrics} reads. Declared
 * once, here; @depin/pubsub's `DatabaseMetrics` (`Database.metrics()`) extends it.
 */
export interface FacadeMetrics {
  /** The shared node: readiness, peers, bootstrap and rendezvous. */
  node: NodeMetrics
  /** This database's registry gater: refreshes, cache, revocations, and the decisions it took itself. */
  gater: RegistryGaterMetrics
  /** This database's topics: published, delivered, rejected by reason, dropped. */
  messaging: MessagingMetrics
  /**
   * The host's gater group (every database on the node): the connection-level allow/deny decisions,
   * where peers that no database admits (intruders) are refused. Optional here: a snapshot without
   * it has no host gater series; `Database.metrics()` always reports it.
   */
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
