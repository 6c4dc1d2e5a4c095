import { percentiles } from '@depin/test-utils/stats'
import type { NodeHandle } from './node-handle.js'
import type { TestnetOptions } from './options.js'

/** A measured phase: events published in it are expected at every member. */
export interface MeasuredPhase {
  id: number
  name: string
  /** Indices of registered nodes expected to receive every member's events. */
  members: number[]
  /** Indices of registered nodes that published but whose events must NOT arrive (revoked). */
  excluded: number[]
  startedAtMs: number
  publishMs: number
  /** Time after publishing stopped until the last expected event arrived (or the drain timeout). */
  drainMs: number
}

export interface Check {
  name: string
  ok: boolean
  detail: string
}

export interface PhaseReport {
  id: number
  name: string
  members: string[]
  startedAtMs: number
  publishMs: number
  drainMs: number
  published: number
  expected: number
  delivered: number
  missing: number
  duplicates: number
  /** Events from excluded (revoked) senders published and received in this phase. */
  excludedPublished: number
  excludedDelivered: number
  /** Events from intruders that any member received. */
  intruderEventsDelivered: number
  latencyMs: LatencySummary
}

export interface LatencySummary {
  samples: number
  p50: number | null
  p99: number | null
  max: number | null
}

export interface NodeReport {
  label: string
  role: string
  peerId: string
  wallet: string
  metricsUrl: string | null
  status: string
  ready: boolean
  everReady: boolean
  peers: number
  /** The longest time the node had more peers than the band's high mark, once the network formed. */
  longestAboveHighMs: number
  /** How far behind its event loop ran at worst over the run (ms, rounded down to 250; see loop-delay.ts). */
  worstLoopDelayMs: number
  /** Connections opened over the run (in and out) and closed by the trimmer: the churn behind `peers`. */
  connectionsOpened: number
  connectionsTrimmed: number
  starts: number
  sent: number
  received: number
  latencyMs: LatencySummary
  bootstrapAttempts: number
  bootstrapFailures: number
  retryAttempts: number
  notReadyTransitions: number
  timeToFirstReadyMs: number | null
  lastRecoveryMs: number | null
  transitions: Array<{ atMs: number; event: string; peers: number }>
  failure: string | null
}

export interface IntruderReport {
  label: string
  peerId: string
  /** Dials of registered nodes the intruder started. */
  attempts: number
  /** Times the registered nodes' connection gaters refused it (their `peer:denied` events). */
  refused: number
  /**
   * The intruder's own node saw a connection open for a moment (the remote ends it right after the
   * security handshake, when its gater sees the PeerId): a flapping `ready` on the intruder's side.
   */
  handshakesSeen: boolean
  /** Registered nodes that ever listed the intruder among their connected peers (must be none). */
  acceptedBy: string[]
  /** Refused at least once and never accepted by anyone. */
  refusedAll: boolean
}

export interface TestnetReport {
  ok: boolean
  scenario: string
  options: Omit<TestnetOptions, 'live'>
  /** How counted events are chosen. */
  window: string
  startedAt: string
  runMs: number
  totals: {
    published: number
    expected: number
    delivered: number
    missing: number
    deliveredRatio: number
    latencyMs: LatencySummary
    /** Peers of the running registered nodes at the end. */
    peersPerNode: Spread
    /** Connections each running registered node opened over the run (in and out), to keep `peersPerNode`. */
    connectionsOpenedPerNode: Spread
    /** The band's high mark, and the longest time any node stayed above it once the network formed. */
    highMark: number
    longestAboveHighMs: number
    /** Each running registered node's worst event-loop delay over the run (ms): a saturated machine shows here. */
    worstLoopDelayPerNode: Spread
  }
  phases: PhaseReport[]
  nodes: NodeReport[]
  intruders: IntruderReport[]
  scenarioOutcome: Record<string, unknown>
  checks: Check[]
  /**
   * What each running node's /healthz answered (0: no answer) and whether /metrics carried the @depin
   * metrics, at the end; `probed: false` for a node the probes' time budget ran out before.
   */
  endpoints?: Array<{ label: string; healthz: number; metrics: boolean; probed?: false }>
}

export const WINDOW =
  'Counted events are those published during measured phases. A measured phase starts only after every member node is ready, has a peer on every topic and has received probe events from every other member on every topic (beyond 100 members, from a sample of at least 10 members spread over the start order, the first and last started among them): the GossipSub mesh is formed; probe events and events published while nodes are being killed, restarted or revoked are not counted. After each measured phase publishing stops and the testnet waits for late deliveries (up to 5 s plus 1 s per node). Every counted event is expected once at every other member (a node does not receive its own events).'

export interface Spread {
  min: number | null
  median: number | null
  max: number | null
}

/** Smallest, median (nearest rank: the lower middle of an even count) and largest (nulls when empty). */
export function spread(values: number[]): Spread {
  if (values.length === 0) return { min: null, median: null, max: null }
  const [min, median, max] = percentiles(values, [0, 50, 100]) as [number, number, number]
  return { min, median, max }
}

/** Sample count, p50 and p99 (nearest rank) and largest of `values` (nulls when empty). */
export function latency(values: number[]): LatencySummary {
  if (values.length === 0) return { samples: 0, p50: null, p99: null, max: null }
  const [p50, p99, max] = percentiles(values, [50, 99, 100]) as [number, number, number]
  return { samples: values.length, p50, p99, max }
}

/** Delivery figures of one measured phase, from what every node reported. */
export function phaseFigures(
  phase: MeasuredPhase,
  nodes: NodeHandle[],
  intruders: NodeHandle[],
): PhaseReport {
  let published = 0
  let expected = 0
  let delivered = 0
  let duplicates = 0
  let excludedPublished = 0
  let excludedDelivered = 0
  let intruderEventsDelivered = 0
  const latencies: number[] = []
  const members = phase.members.map((i) => nodes[i] as NodeHandle)
  for (const sender of members) {
    const sent = sender.phases.get(phase.id)?.sent ?? {}
    for (const [topic, n] of Object.entries(sent)) {
      published += n
      for (const receiver of members) {
        if (receiver === sender) continue
        expected += n
        delivered += Math.min(n, receiver.phases.get(phase.id)?.received[sender.peerId]?.[topic] ?? 0)
      }
    }
  }
  for (const receiver of members) {
    const counts = receiver.phases.get(phase.id)
    duplicates += counts?.duplicates ?? 0
    latencies.push(...(receiver.latencies.get(phase.id) ?? []))
    for (const index of phase.excluded) {
      const sender = nodes[index] as NodeHandle
      for (const n of Object.values(counts?.received[sender.peerId] ?? {})) excludedDelivered += n
    }
    for (const intruder of intruders) {
      for (const n of Object.values(counts?.received[intruder.peerId] ?? {})) intruderEventsDelivered += n
    }
  }
  for (const index of phase.excluded) {
    for (const n of Object.values((nodes[index] as NodeHandle).phases.get(phase.id)?.sent ?? {}))
      excludedPublished += n
  }
  return {
    id: phase.id,
    name: phase.name,
    members: members.map((m) => m.label),
    startedAtMs: phase.startedAtMs,
    publishMs: phase.publishMs,
    drainMs: phase.drainMs,
    published,
    expected,
    delivered,
    missing: expected - delivered,
    duplicates,
    excludedPublished,
    excludedDelivered,
    intruderEventsDelivered,
    latencyMs: latency(latencies),
  }
}

/** A node's figures over the measured phases. */
export function nodeFigures(node: NodeHandle, measured: MeasuredPhase[]): NodeReport {
  let sent = 0
  let received = 0
  const latencies: number[] = []
  for (const phase of measured) {
    const counts = node.phases.get(phase.id)
    for (const n of Object.values(counts?.sent ?? {})) sent += n
    for (const byTopic of Object.values(counts?.received ?? {}))
      for (const n of Object.values(byTopic)) received += n
    latencies.push(...(node.latencies.get(phase.id) ?? []))
  }
  const s = node.latest
  const running = node.status === 'running'
  return {
    label: node.label,
    role: node.role,
    peerId: node.peerId,
    wallet: node.wallet,
    metricsUrl: node.metricsUrl ?? null,
    status: node.status,
    ready: running && (s?.ready ?? false),
    everReady: node.everReady,
    peers: running ? (s?.peers.length ?? 0) : 0,
    longestAboveHighMs: node.longestAboveHighMs,
    worstLoopDelayMs: node.worstLoopDelayMs,
    connectionsOpened: s?.connectionsOpened ?? 0,
    connectionsTrimmed: s?.connectionsTrimmed ?? 0,
    starts: node.starts,
    sent,
    received,
    latencyMs: latency(latencies),
    bootstrapAttempts: s?.bootstrapAttempts ?? 0,
    bootstrapFailures: s?.bootstrapFailures ?? 0,
    retryAttempts: s?.retryAttempts ?? 0,
    notReadyTransitions: s?.notReadyTransitions ?? 0,
    timeToFirstReadyMs: s?.timeToFirstReadyMs ?? null,
    lastRecoveryMs: s?.lastRecoveryMs ?? null,
    transitions: node.transitions.map((t) => ({ atMs: t.atMs, event: t.event, peers: t.peers })),
    failure: node.failure ?? null,
  }
}

export function intruderFigures(
  node: NodeHandle,
  network: { nodes: NodeHandle[]; refusalsOf(peerId: string): number },
): IntruderReport {
  const refused = network.refusalsOf(node.peerId)
  const acceptedBy = network.nodes.filter((n) => n.intruderSightings > 0).map((n) => n.label)
  return {
    label: node.label,
    peerId: node.peerId,
    attempts: node.latest?.bootstrapAttempts ?? 0,
    refused,
    handshakesSeen: node.everReady,
    acceptedBy,
    refusedAll: refused > 0 && acceptedBy.length === 0,
  }
}
