import type { GaterGroupMetrics, PeerDeniedDetail, RegistryGaterMetrics } from '@depin/gater'
import type { NodeMetrics, PeerRefusedDetail, PeerSuspendedDetail } from '@depin/infrastructure'
import type {
  EventHandler,
  HistoryQueryOptions,
  MessagingEvents,
  MessagingMetrics,
  PublishOptions,
  PubSubEvent,
  SubscribeOptions,
  Subscription,
  WaitForTopicPeersOptions,
} from '@depin/messaging'
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

/** Everything `metrics()` reports, as plain objects (for Prometheus, see @depin/metrics' `fromFacadeMetrics`). */
export interface DatabaseMetrics {
  /** The shared node: readiness, peers, bootstrap and rendezvous. */
  node: NodeMetrics
  /** This database's registry gater: refreshes, cache, revocations, and the decisions it took itself. */
  gater: RegistryGaterMetrics
  /**
   * The host's gater group (every database on the node): the connection-level allow/deny decisions,
   * where peers that no database admits (intruders) are refused.
   */
  hostGater: GaterGroupMetrics
  /** This database's topics: published, delivered, rejected by reason, dropped. */
  messaging: MessagingMetrics
}

/**
 * One database (namespace) on the process's shared node: what `connect()` returns.
 *
 * @example
 * const db = await connect(config)
 * const sub = await db.subscribe('rooms', (event) => console.log(event.fromPeerId, event.message))
 * await db.publish('rooms', { hello: 'world' })
 * await db.disconnect()
 */
export interface Database extends TypedEventTarget<DatabaseEvents> {
  /** Our PeerId (`12D3KooW…`). */
  readonly peerId: string
  /** Our wallet public key (base58). */
  readonly wallet: string
  readonly databaseName: string
  /** Adds a handler to a topic; resolves once subscribed. Several handlers per topic are fine. */
  subscribe<T = unknown>(
    topic: string,
    handler: EventHandler<T>,
    options?: SubscribeOptions,
  ): Promise<Subscription>
  /** Publishes any JSON value; resolves to the event sent. */
  publish<T>(topic: string, message: T, options?: PublishOptions): Promise<PubSubEvent<T>>
  /** Unsubscribes every handler of the topic. */
  leave(topic: string): Promise<void>
  /** Resolves once `min` peers (default 1) subscribe to the topic, so first messages are not lost. */
  waitForTopicPeers(topic: string, options?: WaitForTopicPeersOptions): Promise<number>
  /** PeerIds of peers subscribed to the topic, as far as we know. */
  topicPeers(topic: string): string[]
  /**
   * The topic's events since `sinceMs` (Unix ms), from this node's history and up to three topic
   * peers', each checked against its author's signature, oldest first. Handlers are not called.
   */
  history(topic: string, options: HistoryQueryOptions): Promise<PubSubEvent[]>
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
