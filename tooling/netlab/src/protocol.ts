// Messages between the test process and a node process inside a namespace (Node IPC channel).
// Type-only: the child (run by Node's type stripping) imports nothing from here at run time.

import type { BootstrapNode } from '@depin/identity'
import type { DatabaseMetrics } from '@depin/pubsub'
import type { AnswerMessage, AskMessage } from '@depin/test-utils/node-process-child'

/** What a node process is told at start. */
export interface ChildConfig {
  /** Base58 Solana secret key: travels over IPC only, never on a command line or in a log. */
  secretKey: string
  databaseName: string
  /** Subscribe to this topic and report what arrives; omit for a node that only relays. */
  topic?: string
  listenPorts: { quic: number; tcp: number }
  transports: { quic: boolean; tcp: boolean }
  /** Also listen on `/p2p-circuit`: hold a reservation on a relay (nodes behind NAT). */
  relayClient: boolean
  /** Serve as a circuit relay (hop). */
  relayServer: boolean
  announceAddresses: string[]
  refreshIntervalMs: number
  /** Keep the AutoNAT v1 server (see {@link SpawnNodeOptions.autonatServer}). */
  autonatServer: boolean
  /** The address to listen on: `::` (IPv6) or `0.0.0.0` (IPv4). */
  listenHost: string
  /** `node.portMapping` of @depin/infrastructure; omitted = its default. */
  portMapping?: boolean
}

/** What a node reports on request (`NetlabNode.inspect()`): its database's metrics and topic peers. */
export interface NodeSnapshot {
  /** `db.metrics()` (plain objects; `messaging.history` holds the catch-up counters). */
  metrics: DatabaseMetrics
  /** `db.topicPeers(topic)` for the node's topic (empty without one). */
  topicPeers: string[]
}

/** One open connection as the node sees it. */
export interface ConnectionInfo {
  peerId: string
  remoteAddr: string
  direction: 'inbound' | 'outbound'
  /** A relayed connection (circuit relay v2, possibly limited). */
  relayed: boolean
  /** libp2p says the connection is limited (time/data caps). */
  limited: boolean
}

export type ParentMessage =
  | { type: 'start'; config: ChildConfig }
  | AnswerMessage
  | { type: 'publish'; id: number; message: unknown }
  | { type: 'inspect'; id: number }
  | { type: 'stop' }

export type ChildMessage =
  | { type: 'listening'; peerId: string; wallet: string; multiaddrs: string[] }
  | AskMessage<'wallets' | 'bootstrap'>
  | { type: 'readiness'; ready: boolean; peers: number; at: number }
  | {
      type: 'event'
      /** The event id (UUID v4 chosen by its publisher). */
      eventId: string
      fromPeerId: string
      message: unknown
      /** Delivered by a catch-up from a peer's history (`event.replayed`), not live. */
      replayed: boolean
      at: number
    }
  | { type: 'connections'; connections: ConnectionInfo[]; at: number }
  | { type: 'addresses'; multiaddrs: string[]; at: number }
  | { type: 'published'; id: number; error?: string }
  | { type: 'inspected'; id: number; snapshot?: NodeSnapshot; error?: string }
  | { type: 'failed'; message: string }
  | { type: 'stopped' }

export type { BootstrapNode }
