export { netlabUnavailableReason } from './environment.js'
export { PUBLIC_PREFIX4 } from './ipv4.js'
export { listHarnessNamespaces, sweepStaleNamespaces } from './namespaces.js'
export type {
  NetlabNode,
  NodeRegistry,
  ReceivedEvent,
  SpawnNodeOptions,
} from './node-process.js'
export type { ConnectionInfo, NodeSnapshot } from './protocol.js'
export {
  buildDelayLine,
  createRegionTopology,
  type RegionInfo,
  type RegionTopology,
  type RegionTopologySpec,
  regionsUnavailableReason,
} from './regions.js'
export type { RegionProcess } from './regions-process.js'
export type { Delivery, RegionChildConfig, RegionNodeConfig, RegionNodeView } from './regions-protocol.js'
export {
  createTopology,
  type HostInfo,
  type NatType,
  PUBLIC_PREFIX,
  type Topology,
  type TopologySpec,
} from './topology.js'
export { type GatewayMapping, type UpnpGateway, upnpGatewayUnavailableReason } from './upnp-gateway.js'
