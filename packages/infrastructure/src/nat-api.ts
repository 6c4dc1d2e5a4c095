import type { Logger } from '@depin/logger'
import { counter, field, gauge, oneHot, type SnapshotOf, seconds } from '@depin/metrics-schema'
import type { Libp2pEvents, TypedEventTarget } from '@libp2p/interface'
import type { AddressManager, ConnectionManager, TransportManager } from '@libp2p/interface-internal'

/**
 * What the peers' observations say about the NAT in front of this node:
 * - `public`: peers see one of this node's own addresses (no NAT);
 * - `endpoint-independent`: at least `confirmations` peers see the same public address and port for
 *   one local socket (Linux masquerade, most home routers): a hole can be punched;
 * - `symmetric`: peers see the same public address but a different port each (a new mapping per
 *   destination): no hole can be punched, peers behind NATs reach this node only through relays;
 * - `unknown`: too few observations yet.
 */
export type NatType = 'unknown' | 'public' | 'endpoint-independent' | 'symmetric'

/** The NAT observer's view, part of the node's metrics. */
export const NAT_METRICS = {
  /** What peers' observations say about the NAT in front of this node (see {@link NatType}). */
  type: oneHot(
    'node_nat_type',
    'NAT type peers observe, 1 for the current one: public, endpoint-independent, symmetric or unknown.',
    'type',
    ['public', 'endpoint-independent', 'symmetric', 'unknown'] satisfies NatType[],
  ),
  /** Public addresses advertised because peers observed them (TCP) or inferred from them (see {@link NatObserverInit}). */
  advertised: field<string[]>(),
  /** Direct connections opened to a peer while a relayed one was open (hole punching or a direct dial). */
  directUpgrades: counter(
    'node_direct_upgrades_total',
    'Direct connections opened to peers while a relayed one was open (hole punching).',
  ),
  /** Milliseconds from the relayed connection to the direct one, for the last upgrade. */
  lastUpgradeMs: seconds(
    'node_last_direct_upgrade_seconds',
    'Seconds from the relayed connection to the direct one, for the last upgrade.',
  ),
  /** Hole punches run again on peers still reached only through a relay (see `NatObserverInit.holePunchRetryMs`). */
  holePunchRetries: counter(
    'node_hole_punch_retries_total',
    'Hole punches run again on peers still reached only through a relay.',
  ),
  /** Connected peers reached only through a relay. */
  relayedOnlyPeers: gauge('node_relayed_only_peers', 'Connected peers reached only through a relay.'),
}

/** The NAT observer's view, part of the node's metrics. */
export type NatMetrics = SnapshotOf<typeof NAT_METRICS>

export interface NatObserverInit {
  /** Distinct peers that must report the same observed address before it is used. */
  confirmations: number
  /**
   * TCP hole punches dial from the listening port (`@libp2p/tcp`'s `reusePort`, patched in): behind
   * an endpoint-independent NAT (told by QUIC's client socket, whose one mapping every peer sees) the
   * NAT maps them to the listener's port on the public IP peers agree on, so that address is
   * advertised for DCUtR to meet at (port-preserving NATs such as Linux masquerade keep the port).
   */
  tcpDialsFromListenPort: boolean
  /**
   * A peer still reached only through a relay is hole-punched again after this long, then after
   * twice as long each time (up to 15 min); 0: never (DCUtR's one run per relayed connection only).
   * See `HolePunchRetry`.
   */
  holePunchRetryMs: number
  logger: Logger
}

export interface NatObserverComponents {
  addressManager: AddressManager
  transportManager: TransportManager
  connectionManager: ConnectionManager
  events: TypedEventTarget<Libp2pEvents>
  /** libp2p's DCUtR service (`services.dcutr`, declared before this one). */
  dcutr?: unknown
}

/** The observed-address service: `libp2p.services.nat`. */
export interface NatObserver {
  metrics(): NatMetrics
}
