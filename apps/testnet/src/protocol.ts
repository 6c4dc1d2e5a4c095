/** Messages between the testnet parent (registry owner, orchestrator) and its nodes (IPC, worker ports). */

import type { NodeOptions } from '@depin/pubsub'
import type { AnswerMessage, AskMessage } from '@depin/test-utils/node-process-child'

/** What a node process is told at start. */
export interface ChildConfig {
  index: number
  role: 'bootstrap' | 'node' | 'intruder'
  /** Base58 Solana secret key; travels over IPC only, never printed. */
  secretKey: string
  databaseName: string
  topics: string[]
  /** The node's own loopback address (127.x.y.z): per-host limits act as between machines. */
  listenHost: string
  listenPorts: { quic: number; tcp: number }
  transports: { quic: boolean; tcp: boolean }
  refreshIntervalMs: number
  /** `fast`: short recovery timings; `production`: the library's defaults. */
  timings: 'fast' | 'production'
  /** Bytes of padding in each event. */
  size: number
  /** 0 = any free port. */
  metricsPort: number
  /** How often the node reports its counts (longer in large networks: every report crosses IPC). */
  statsIntervalMs: number
  /** Node settings of this testnet (the degree band). */
  node?: Pick<NodeOptions, 'connectionLimits' | 'rendezvous'>
  /** `--registry litesvm`: read the registry from this chain instead of asking the parent. */
  solana?: SolanaRegistryConfig
}

/** Where a node reads the on-chain registry (`--registry litesvm`). */
export interface SolanaRegistryConfig {
  rpcUrl: string
  wsUrl: string
  /** The mint every registered wallet holds one token of. */
  mint: string
}

/** The publishing mode of a phase. */
export interface PhaseCommand {
  type: 'phase'
  id: number
  /** `probe`: a few events per topic per second until the mesh is formed; `measure`: at `rate`; `quiet`: none. */
  mode: 'probe' | 'measure' | 'quiet'
  /** Measure mode: events per second per node, round-robin over the topics. Probe mode: rounds per second (one event per topic each). */
  rate: number
}

export type ParentMessage =
  | { type: 'start'; config: ChildConfig }
  | PhaseCommand
  /** The parent's answer to an `ask` (the registry's wallets or bootstrap list). */
  | AnswerMessage
  | { type: 'stop' }

/** Counts of one phase as a node saw them (cumulative within the phase). */
export interface PhaseCounts {
  /** Events received more than once. */
  duplicates: number
  /** Publish calls that threw. */
  publishErrors: number
  /** Events this node published, by topic. */
  sent: Record<string, number>
  /** Distinct events received, by sender PeerId, then topic. */
  received: Record<string, Record<string, number>>
}

export interface ChildStats {
  type: 'stats'
  ready: boolean
  peers: string[]
  phases: Record<number, PhaseCounts>
  /** Latencies (ms, send to handler) of events received since the last stats, by phase. */
  latencies: Record<number, number[]>
  bootstrapAttempts: number
  bootstrapFailures: number
  retryAttempts: number
  notReadyTransitions: number
  lastRecoveryMs: number | undefined
  timeToFirstReadyMs: number | undefined
  /** Events published / accepted / rejected by the topic validator (all phases). */
  messaging: { published: number; accepted: number; delivered: number; rejectedTotal: number }
  /** Peers GossipSub knows as subscribers, per topic (fewer than `peers`: GossipSub lost some). */
  topicPeers: Record<string, number>
  /** Open connections (more than peers: some peers hold two). */
  connections: number
  /** GossipSub link repairs: streams reopened and peers reconnected by the link check. */
  linkRepairs: number
  /** Connections opened since the start, inbound and outbound (the churn, against `connections`). */
  connectionsOpened: number
  /** Connections the trimmer closed to keep the node in its band. */
  connectionsTrimmed: number
  /**
   * The last phase the node was told to go quiet on: its first report after that is sent at once
   * and holds every event it published in the phase.
   */
  quietPhase?: number
  /** Connection attempts this node's host gater refused (registered nodes: intruders, revoked peers). */
  gaterDenied: number
  /** Refusals by this node's host gater, by PeerId. */
  deniedPeers: Record<string, number>
  /**
   * How far behind the node's event loop (its worker thread's, shared with the thread's other nodes)
   * ran at worst over the last 5 s, in ms, rounded down to 250 ms (loop-delay.ts).
   */
  eventLoopDelayMs: number
}

export type ChildMessage =
  | { type: 'listening'; peerId: string; wallet: string; multiaddrs: string[]; metricsUrl: string }
  | AskMessage<'wallets' | 'bootstrap'>
  | { type: 'transition'; ready: boolean; peers: number }
  | ChildStats
  | { type: 'failed'; message: string }
  | { type: 'stopped' }

/** The payload of every testnet event. */
export interface TestnetPayload {
  /** Sequence number within (sender, phase, topic), from 0. */
  s: number
  /** Send time, Unix ms. */
  t: number
  /** Phase id. */
  p: number
  /** Padding to the requested size. */
  x?: string
}

/** A node hosted by a host process (many per process, in worker threads), keyed by `key`. */
export type HostParentMessage =
  | { type: 'to-node'; key: string; message: ParentMessage }
  /** Ends a hosted node at once: no goodbye to its peers (the nearest thing to a crash in-process). */
  | { type: 'kill-node'; key: string }

export type HostChildMessage =
  | { type: 'host-ready'; threads: number }
  | { type: 'from-node'; key: string; message: ChildMessage }
  | { type: 'node-exit'; key: string; code: number }
