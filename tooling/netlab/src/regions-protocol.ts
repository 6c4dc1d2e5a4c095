// Messages between the test process and a region process (several nodes in one region's
// namespace), over Node's IPC channel. Type-only: the child (run by Node's type stripping) imports
// nothing from here at run time.

import type { BootstrapNode } from '@depin/identity'
import type { PeeringMetrics } from '@depin/infrastructure'
import type { NodeOptions } from '@depin/pubsub'

/** One node of a region process. */
export interface RegionNodeConfig {
  /** Base58 Solana secret key: travels over IPC only. */
  secretKey: string
  /** The address it listens on (its real address, local to the region's namespace). */
  listenAddress: string
  /** The address it announces (its virtual address, reached through the delay line). */
  announceAddress: string
  /** Settings of this node over the process's `node` (key by key at the top level). */
  node?: NodeOptions
}

/** What a region process is told at start. */
export interface RegionChildConfig {
  databaseName: string
  /** Every node subscribes to it and records what arrives. */
  topic: string
  /** The registry, fixed for the run: every authorized wallet (base58). */
  wallets: string[]
  bootstrap: BootstrapNode[]
  /** QUIC port every node listens on (each node has its own address). */
  quicPort: number
  refreshIntervalMs: number
  /** The messaging layer's catch-up from peers' history (`history.catchUp`). */
  catchUp: boolean
  /** Node settings of every node (JSON: no functions). */
  node: NodeOptions
  nodes: RegionNodeConfig[]
}

/** A received probe: `t` is its publisher's clock right before `publish()` (one clock for all namespaces). */
export interface Delivery {
  /** Index of the receiving node in its process. */
  node: number
  key: string
  fromPeerId: string
  /** Publish time (ms, `performance.timeOrigin + performance.now()` in the publisher). */
  t: number
  /** Arrival time in the receiver's handler (same clock). */
  at: number
}

/** A node's view of its links, for reports and the cross-region checks. */
export interface RegionNodeView {
  peerId: string
  ready: boolean
  /** Remote address of every open connection (its region follows from the address). */
  connections: Array<{ peerId: string; remoteAddr: string }>
  /** GossipSub mesh peers of the topic. */
  meshPeers: string[]
  topicPeers: number
  peering: PeeringMetrics
  /** Connections closed by the node's trimmer are not counted anywhere; this is libp2p's count. */
  connectionCount: number
}

export type RegionParentMessage =
  | { type: 'start'; config: RegionChildConfig }
  | { type: 'publish'; id: number; node: number; key: string }
  | { type: 'inspect'; id: number }
  /**
   * Each listed node dials the given peers (wallet, address, QUIC port) at once, each dial allowed
   * `timeoutMs`; answered once every one settled.
   */
  | { type: 'dial'; id: number; dials: Array<{ node: number; peers: BootstrapNode[] }>; timeoutMs: number }
  | { type: 'stop' }

export type RegionChildMessage =
  | { type: 'started'; nodes: Array<{ peerId: string; wallet: string }> }
  | { type: 'published'; id: number; t?: number; error?: string }
  | { type: 'inspected'; id: number; nodes: RegionNodeView[] }
  | { type: 'dialed'; id: number; failed: number }
  /** A probe arrived at one of the process's nodes (sent at once, so the test waits on events). */
  | { type: 'delivered'; delivery: Delivery }
  | { type: 'failed'; message: string }
  | { type: 'stopped' }
