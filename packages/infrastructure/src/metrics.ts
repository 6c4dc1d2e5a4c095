import type { AccountabilityMetrics } from './accountability.js'
import type { PeeringMetrics } from './latency-peering.js'
import type { NatMetrics } from './nat.js'
import type { PortMappingMetrics } from './port-mapping.js'

/** The node's counters and gauges, as a plain object (Prometheus text comes in @depin/pubsub). */
export interface NodeMetrics {
  /** At least one peer is usable (connected and past its gater: identify completed). */
  ready: boolean
  /** Connected peers. */
  peers: number
  /** Connected peers that are usable (what readiness counts). */
  usablePeers: number
  /** Connections a peer closed right after the handshake, before they became usable (refusals of our wallet). */
  connectionsRefused: number
  /** Invalid events and who paid for them (strikes, suspensions, penalties). */
  accountability: AccountabilityMetrics
  /** Open connections (a peer may have more than one). */
  connections: number
  /** Databases attached with `joinDatabase`. */
  databases: number
  /** Dials of one bootstrap node (QUIC, then TCP) started. */
  bootstrapAttempts: number
  /** Bootstrap node dials that connected and became usable. */
  bootstrapSuccesses: number
  /** Bootstrap node dials that failed (or were refused right after the handshake) on every transport. */
  bootstrapFailures: number
  /** Times the retry loop was started (once per not-ready period at most). */
  retryLoopsStarted: number
  /** Retry loop iterations: each re-reads the bootstrap list and dials. */
  retryAttempts: number
  /** The retry loop is running now. */
  retryLoopRunning: boolean
  /** Milliseconds from `createNode` to the first `ready`; undefined until then. */
  timeToFirstReadyMs: number | undefined
  /** Milliseconds from the last `not-ready` to the `ready` that followed it; undefined until a recovery. */
  lastRecoveryMs: number | undefined
  /** Times the node went from ready to not ready. */
  notReadyTransitions: number
  /** `server` or `client`. */
  dhtMode: 'server' | 'client'
  /** Rendezvous lookups run (all databases). */
  rendezvousFinds: number
  /** Rendezvous lookups skipped because the database had `rendezvous.targetPeers` connected. */
  rendezvousSkips: number
  /** Peers found through rendezvous lookups, excluding ourselves (counted per lookup). */
  dhtPeersFound: number
  /** Dials of peers found through rendezvous that connected. */
  rendezvousDials: number
  /** Advertisements (provider records) published. */
  rendezvousAdvertisements: number
  /** Connected peers that GossipSub had lost and that were reconnected (see `pubsubLinks`). */
  pubsubLinkRepairs: number
  /** Connections closed because their peer stopped answering pings (see `connectionMonitor`). */
  deadConnectionsClosed: number
  /** What latency-aware peering does (RTT median, near peers, far links kept); zeros when it is off. */
  peering: PeeringMetrics
  /** What peers observe of this node: NAT type, advertised addresses, relayed connections made direct. */
  nat: NatMetrics
  /** UPnP port mapping: whether it runs, gateways found, the external sockets mapped to this node. */
  portMapping: PortMappingMetrics
}

/** The mutable counters behind {@link NodeMetrics}; gauges are read from the node when asked. */
export interface NodeCounters {
  bootstrapAttempts: number
  bootstrapSuccesses: number
  bootstrapFailures: number
  retryLoopsStarted: number
  retryAttempts: number
  timeToFirstReadyMs: number | undefined
  lastRecoveryMs: number | undefined
  notReadyTransitions: number
  rendezvousFinds: number
  rendezvousSkips: number
  dhtPeersFound: number
  rendezvousDials: number
  rendezvousAdvertisements: number
  pubsubLinkRepairs: number
  deadConnectionsClosed: number
  connectionsRefused: number
}

export function createCounters(): NodeCounters {
  return {
    bootstrapAttempts: 0,
    bootstrapSuccesses: 0,
    bootstrapFailures: 0,
    retryLoopsStarted: 0,
    retryAttempts: 0,
    timeToFirstReadyMs: undefined,
    lastRecoveryMs: undefined,
    notReadyTransitions: 0,
    rendezvousFinds: 0,
    rendezvousSkips: 0,
    dhtPeersFound: 0,
    rendezvousDials: 0,
    rendezvousAdvertisements: 0,
    pubsubLinkRepairs: 0,
    deadConnectionsClosed: 0,
    connectionsRefused: 0,
  }
}
