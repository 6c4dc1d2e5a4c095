export { netlabUnavailableReason } from './environment.js'
export type {
  NetlabNode,
  NodeRegistry,
  ReceivedEvent,
  SpawnNodeOptions,
} from './node-process.js'
export type { ConnectionInfo, NodeSnapshot } from './protocol.js'
export {
  createTopology,
  type HostInfo,
  listHarnessNamespaces,
  type NatType,
  PUBLIC_PREFIX,
  sweepStaleNamespaces,
  type Topology,
  type TopologySpec,
} from './topology.js'
