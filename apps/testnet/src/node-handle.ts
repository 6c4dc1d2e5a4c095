// One node of the testnet as the parent sees it, across restarts: its identity, where it listens,
// its channel, and what its stats reports said.

import { generateWallet } from '@depin/identity'
import type { NodeChannel } from './channels.js'
import { loopbackHost } from './placement.js'
import type { ChildConfig, ChildStats, PhaseCounts } from './protocol.js'

export type NodeStatus = 'new' | 'starting' | 'running' | 'killed' | 'stopped' | 'failed'

/** One node of the testnet as the parent sees it, across restarts. */
export interface NodeHandle {
  index: number
  role: ChildConfig['role']
  /** `0`, `1`, ... for registered nodes; `i0`, `i1`, ... for intruders. */
  label: string
  peerId: string
  wallet: string
  secretKey: string
  listenHost: string
  listenPorts: { quic: number; tcp: number }
  status: NodeStatus
  channel: NodeChannel | undefined
  multiaddrs: string[]
  metricsUrl: string | undefined
  latest: ChildStats | undefined
  /** Counts per phase id (a phase runs within one process lifetime). */
  phases: Map<number, PhaseCounts>
  latencies: Map<number, number[]>
  transitions: Array<{ atMs: number; ready: boolean; peers: number; event: string }>
  starts: number
  everReady: boolean
  maxPeers: number
  /** Since when the node has had more peers than the band's high mark (undefined: not above). */
  aboveHighSinceMs: number | undefined
  /** The longest stretch above the band's high mark so far. */
  longestAboveHighMs: number
  /** The worst event-loop delay the node reported over the run (ms; see loop-delay.ts). */
  worstLoopDelayMs: number
  failure: string | undefined
  /** Registered nodes: times a stats report listed an intruder among the connected peers. */
  intruderSightings: number
  /** Host gater refusals by PeerId, per process lifetime (key: start number). */
  denied: Map<number, Record<string, number>>
}

/** A node not started yet, with a new wallet (the key travels to its process only). */
export function createNodeHandle(index: number, role: ChildConfig['role'], label: string): NodeHandle {
  const generated = generateWallet()
  return {
    index,
    role,
    label,
    peerId: generated.identity.peerId.toString(),
    wallet: generated.wallet,
    secretKey: generated.secretKeyBase58,
    listenHost: loopbackHost(role, index),
    listenPorts: { quic: 0, tcp: 0 },
    status: 'new',
    channel: undefined,
    multiaddrs: [],
    metricsUrl: undefined,
    latest: undefined,
    phases: new Map(),
    latencies: new Map(),
    transitions: [],
    starts: 0,
    everReady: false,
    maxPeers: 0,
    aboveHighSinceMs: undefined,
    longestAboveHighMs: 0,
    worstLoopDelayMs: 0,
    failure: undefined,
    intruderSightings: 0,
    denied: new Map(),
  }
}

/** What {@link recordStats} needs to know of the network. */
export interface StatsContext {
  /** Milliseconds since the network started. */
  nowMs: number
  /** The band's high mark (peers per node). */
  highMark: number
  /** Whether stretches above the high mark count yet (from the first measured phase on). */
  bandWatching: boolean
  intruders: readonly NodeHandle[]
}

/** Keeps a node's stats report: its latest state, its counts per phase, and the new latencies. */
export function recordStats(node: NodeHandle, stats: ChildStats, context: StatsContext): void {
  node.latest = stats
  if (stats.ready) node.everReady = true
  node.maxPeers = Math.max(node.maxPeers, stats.peers.length)
  node.worstLoopDelayMs = Math.max(node.worstLoopDelayMs, stats.eventLoopDelayMs)
  if (stats.peers.length > context.highMark && context.bandWatching) {
    node.aboveHighSinceMs ??= context.nowMs
    node.longestAboveHighMs = Math.max(node.longestAboveHighMs, context.nowMs - node.aboveHighSinceMs)
  } else {
    node.aboveHighSinceMs = undefined
  }
  node.denied.set(node.starts, stats.deniedPeers)
  if (node.role !== 'intruder') {
    for (const intruder of context.intruders)
      if (stats.peers.includes(intruder.peerId)) node.intruderSightings++
  }
  for (const [id, counts] of Object.entries(stats.phases)) node.phases.set(Number(id), counts)
  for (const [id, values] of Object.entries(stats.latencies)) {
    const list = node.latencies.get(Number(id)) ?? []
    for (const v of values) list.push(v)
    node.latencies.set(Number(id), list)
  }
}
