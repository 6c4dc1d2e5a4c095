export {
  ACCOUNTABILITY_DEFAULTS,
  type AccountabilityMetrics,
  type AccountabilityOptions,
  createPeerAccountability,
  type InvalidEventReport,
  type InvalidEventVerdict,
  type PeerAccountability,
  type PeerAccountabilityEvents,
  type PeerAccountabilityInit,
  type PeerSuspendedDetail,
} from './accountability.js'
export { BOOTSTRAP_TAG } from './bootstrap.js'
export type { NodeInit } from './config.js'
export { NODE_DEFAULTS } from './config-defaults.js'
export { connectedPeers } from './connected-peers.js'
export { createNode } from './create-node.js'
export { withDefaults } from './defaults.js'
export { InvalidNodeConfigError, NodeStartError, NodeStoppedError, NotReadyError } from './errors.js'
export { DEFAULT_GRAYLIST_THRESHOLD, GOSSIPSUB_DEFAULTS } from './gossipsub-defaults.js'
export {
  GOSSIPSUB_INTERNALS_CHECKED_VERSION,
  GOSSIPSUB_MEMBERS,
  type GossipSubInternals,
  type GossipSubMember,
  gossipSubInternals,
  missingGossipSubMembers,
} from './gossipsub-internals.js'
export type { PeeringOptions } from './latency.js'
export type { PeeringMetrics } from './latency-peering.js'
export { type DepinServices, DHT_PROTOCOL } from './libp2p-options.js'
export { NODE_METRICS, type NodeMetrics } from './metrics.js'
export type { NatMetrics, NatType } from './nat.js'
export {
  type DatabaseMembership,
  type DepinNode,
  type DepinNodeEvents,
  WAIT_UNTIL_READY_TIMEOUT_MS,
  type WaitUntilReadyOptions,
} from './node-api.js'
export { acquireNode, type NodeLease } from './node-registry.js'
export type { PortMappingMetrics } from './port-mapping.js'
export { NODE_PROCESS_ENV, NODE_PROCESS_FLAGS } from './process-flags.js'
export { RENDEZVOUS_PREFIX, rendezvousCid, rendezvousNamespace } from './rendezvous-key.js'
export type { PeerRefusedDetail } from './usable-peers.js'
