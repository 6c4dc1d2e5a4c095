import type { GaterGroupMetrics, PeerDeniedDetail } from '@depin/gater'
import type { PeerRefusedDetail, PeerSuspendedDetail } from '@depin/infrastructure'
import type { DatabaseTopics, MessagingEvents } from '@depin/messaging'
import type { FacadeMetrics } from '@depin/metrics'
import type { TypedEventTarget } from 'main-event'

/**
 * Readiness transitions of the shared node (with the usable peer count at that moment), refusals
 * both ways, suspensions, and this database's messaging events (`message:rejected`,
 * `message:dropped`, `handler:error`).
 */
export interface DatabaseEvents extends MessagingEvents {
  /** At least one peer is usable (it was not): connected, and past its gater. */
  ready: CustomEvent<{ peers: number }>
  /** The last usable peer disconnected; the node is retrying its bootstrap nodes. */
  'not-ready': CustomEvent<{ peers: number }>
  /** The host's connection gater refused a peer (no database on this node admits its wallet, or it is suspended). */
  'peer:denied': CustomEvent<PeerDeniedDetail>
  /** A peer closed our connection right after the handshake: its gater does not admit our wallet. */
  'peer:refused': CustomEvent<PeerRefusedDetail>
  /**
   * An author sent too many invalid events (`node.accountability.strikesToSuspend`): its events are
   * dropped and it is refused for `durationMs` (on every database of this node).
   */
  'peer:suspended': CustomEvent<PeerSuspendedDetail>
}

/** Options of `waitUntilReady`. */
export interface WaitUntilReadyOptions {
  signal?: AbortSignal
  /** @default 30_000 */
  timeoutMs?: number
}

/**
 * Everything `metrics()` reports, as plain objects: the node, this database's gater and topics, and
 * the host's gater group. Its fields are declared once, by @depin/metrics (`FacadeMetrics`, what its
 * `fromFacadeMetrics` turns into Prometheus series).
 */
export interface DatabaseMetrics extends FacadeMetrics {
  /** The host's gater group (every database on the node): always reported by a database. */
  hostGater: GaterGroupMetrics
}

/**
 * One database (namespace) on the process's shared node: what `connect()` returns. Its topic
 * methods (`subscribe`, `publish`, `leave`, `waitForTopicPeers`, `topicPeers`, `history`) are
 * @depin/messaging's {@link DatabaseTopics}.
 *
 * @example
 * const db = await connect(config)
 * const sub = await db.subscribe('rooms', (event) => console.log(event.fromPeerId, event.message))
 * await db.publish('rooms', { hello: 'world' })
 * await db.disconnect()
 */
export interface Database extends TypedEventTarget<DatabaseEvents>, DatabaseTopics {
  /** Our PeerId (`12D3KooW…`). */
  readonly peerId: string
  /** Our wallet public key (base58). */
  readonly wallet: string
  readonly databaseName: string
  /** At least one peer is usable: connected, and identify completed (its gater admitted us). */
  isReady(): boolean
  /** Resolves once at least one peer is usable (see `isReady`). */
  waitUntilReady(options?: WaitUntilReadyOptions): Promise<void>
  /** PeerIds of connected peers. */
  peers(): string[]
  /** Our listen addresses, each ending in `/p2p/<peerId>`. */
  multiaddrs(): string[]
  metrics(): DatabaseMetrics
  /** `http://host:port` of the `/metrics` + `/healthz` server when `metricsServer` is configured. */
  readonly metricsUrl: string | undefined
  /** Leaves every topic, detaches from the node and releases it (the last user stops it). Idempotent. */
  disconnect(): Promise<void>
}
