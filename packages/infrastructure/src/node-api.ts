import type { GaterGroup, RegistryGater } from '@depin/gater'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { TypedEventTarget } from 'main-event'
import type { PeerAccountability } from './accountability-api.js'
import type { DepinServices } from './libp2p-options.js'
import type { NodeMetrics } from './metrics.js'
import type { PeerRefusedDetail } from './usable-peers.js'

/** Default of `waitUntilReady`'s `timeoutMs`. */
export const WAIT_UNTIL_READY_TIMEOUT_MS = 30_000

/**
 * Events of a {@link DepinNode}: readiness transitions, with the count of usable peers at that
 * moment, and connections that peers refused.
 */
export interface DepinNodeEvents {
  /** The first usable peer (the node was not ready); see {@link DepinNode.isReady}. */
  ready: CustomEvent<{ peers: number }>
  /** The last usable peer disconnected; the bootstrap retry loop starts. */
  'not-ready': CustomEvent<{ peers: number }>
  /**
   * A connection closed before it became usable: the peer let the handshake complete and then
   * closed it, which is what a peer whose gater does not admit our wallet does (QUIC, TCP).
   */
  'peer:refused': CustomEvent<PeerRefusedDetail>
}

/** Options of {@link DepinNode.waitUntilReady}. */
export interface WaitUntilReadyOptions {
  signal?: AbortSignal | undefined
  /** Give up with {@link NotReadyError} after this long. @default 30_000 */
  timeoutMs?: number | undefined
}

/** What {@link DepinNode.joinDatabase} returns: call `leave()` when the database disconnects. */
export interface DatabaseMembership {
  /** Stops advertising the database and removes its gater from the host. Idempotent. */
  leave(): Promise<void>
}

/**
 * The shared libp2p node of one wallet in one process: transports, DHT, rendezvous, bootstrap
 * with retry, readiness. Every database using the wallet attaches to it with `joinDatabase`.
 */
export interface DepinNode extends TypedEventTarget<DepinNodeEvents> {
  /** The libp2p node; `libp2p.services.pubsub` is the GossipSub router. */
  readonly libp2p: Libp2p<DepinServices>
  readonly peerId: PeerId
  /** Our wallet public key (base58). */
  readonly wallet: string
  /** The host's connection gater delegates to this group (a peer is admitted if any database admits it). */
  readonly gaters: GaterGroup
  /**
   * Who pays for invalid events, shared by the node's databases: the signed author (strikes, then a
   * suspension in `gaters`), not the relay; feeds GossipSub's application-specific score.
   */
  readonly accountability: PeerAccountability
  /**
   * At least one peer is usable: connected, and identify completed on its connection (or the
   * connection stayed open `readiness.settleMs`). A connection that a peer's gater closes right
   * after the handshake never counts.
   */
  isReady(): boolean
  /**
   * Resolves when at least one peer is usable (see {@link DepinNode.isReady}). Rejects with {@link NotReadyError} after
   * `timeoutMs`, with the signal's reason on abort, and with {@link NodeStoppedError} on stop.
   */
  waitUntilReady(options?: WaitUntilReadyOptions): Promise<void>
  /**
   * Adds the database's gater to the host group and advertises/finds
   * `p2p-database-discovery_<databaseName>`. The first database also starts the bootstrap
   * (before it, the host admits nobody). The gater's own start/stop stay with its owner.
   */
  joinDatabase(databaseName: string, gater: RegistryGater): Promise<DatabaseMembership>
  /**
   * Connected peers (an open connection each), by PeerId string, read from the open connections
   * ({@link watchConnectedPeers}: not libp2p's `getPeers()`, which parses every PeerId back from its
   * string). A new map each call, the caller's to keep or change.
   */
  peers(): Map<string, PeerId>
  /** Readiness, peers, bootstrap and rendezvous counters, as a plain object. */
  metrics(): NodeMetrics
  /** Stops everything: loops, timers, listeners, sockets. Idempotent. */
  stop(): Promise<void>
}
