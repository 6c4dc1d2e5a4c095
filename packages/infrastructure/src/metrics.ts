import { counter, flag, gauge, type SnapshotOf } from '@depin/metrics-schema'
import { ACCOUNTABILITY_METRICS } from './accountability-api.js'
import { BOOTSTRAP_METRICS } from './bootstrap.js'
import { PEERING_METRICS } from './latency-peering.js'
import { NAT_METRICS } from './nat.js'
import { RETRY_METRICS } from './node-bootstrap.js'
import { PORT_MAPPING_METRICS } from './port-mapping.js'
import { READINESS_METRICS } from './readiness.js'
import { RENDEZVOUS_METRICS } from './rendezvous-metrics.js'
import { UPKEEP_METRICS } from './upkeep.js'

/** The readiness state and the peers (what readiness counts, and refusals of our wallet). */
const PEER_METRICS = {
  /** At least one peer is usable (connected and past its gater: identify completed). */
  ready: flag('node_ready', '1 when at least one peer is connected, else 0.'),
  /** Connected peers. */
  peers: gauge('node_peers', 'Connected peers.'),
  /** Connected peers that are usable (what readiness counts). */
  usablePeers: gauge(
    'node_usable_peers',
    'Connected peers past their gater (identify completed); readiness counts these.',
  ),
  /** Connections a peer closed right after the handshake, before they became usable (refusals of our wallet). */
  connectionsRefused: counter(
    'node_connections_refused_total',
    'Connections a peer closed right after the handshake (its gater does not admit our wallet).',
  ),
}

/** The host: its connections and the databases joined on it. */
const HOST_METRICS = {
  /** Open connections (a peer may have more than one). */
  connections: gauge('node_connections', 'Open connections (a peer may have several).'),
  /** Databases attached with `joinDatabase`. */
  databases: gauge('node_databases', 'Databases joined on this node.'),
}

/** The DHT's mode. */
const DHT_METRICS = {
  /** `server` or `client`. */
  dhtMode: gauge<'server' | 'client'>(
    'node_dht_server',
    '1 when the DHT runs in server mode, 0 in client mode.',
    (mode) => (mode === 'server' ? 1 : 0),
  ),
}

/** The nested groups, each declared beside the code that counts it (a type literal: groups need an index signature). */
type NodeGroups = {
  /** Invalid events and who paid for them (strikes, suspensions, penalties). */
  accountability: typeof ACCOUNTABILITY_METRICS
  /** What latency-aware peering does (RTT median, near peers, far links kept); zeros when it is off. */
  peering: typeof PEERING_METRICS
  /** What peers observe of this node: NAT type, advertised addresses, relayed connections made direct. */
  nat: typeof NAT_METRICS
  /** UPnP port mapping: whether it runs, gateways found, the external sockets mapped to this node. */
  portMapping: typeof PORT_MAPPING_METRICS
}

/**
 * Every figure of the node, by the module that declares it. Written as a type so that the published
 * .d.ts keeps each declaration's TSDoc (an inferred type would inline spread and nested groups
 * without it).
 */
type NodeFigures = typeof PEER_METRICS &
  typeof HOST_METRICS &
  typeof BOOTSTRAP_METRICS &
  typeof RETRY_METRICS &
  typeof READINESS_METRICS &
  typeof DHT_METRICS &
  typeof RENDEZVOUS_METRICS &
  typeof UPKEEP_METRICS &
  NodeGroups

/**
 * The node's metrics, declared once, each figure beside the code that reads or counts it (the
 * node, bootstrap and its retry loop, readiness, rendezvous, upkeep, accountability, latency-aware
 * peering, NAT, port mapping), in snapshot order. `DepinNode.metrics()` returns {@link NodeMetrics};
 * @depin/metrics exposes the declared Prometheus metrics (`depin_node_*`).
 */
export const NODE_METRICS: NodeFigures = {
  ...PEER_METRICS,
  accountability: ACCOUNTABILITY_METRICS,
  ...HOST_METRICS,
  ...BOOTSTRAP_METRICS,
  ...RETRY_METRICS,
  ...READINESS_METRICS,
  ...DHT_METRICS,
  ...RENDEZVOUS_METRICS,
  ...UPKEEP_METRICS,
  peering: PEERING_METRICS,
  nat: NAT_METRICS,
  portMapping: PORT_MAPPING_METRICS,
}

/** The node's counters and gauges, as a plain object (declared in {@link NODE_METRICS}). */
export type NodeMetrics = SnapshotOf<NodeFigures>
