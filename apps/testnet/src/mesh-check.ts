// The mesh check's probes: which members send them and how fast, so that checking that every member
// hears the others costs about the same whatever the size of the network.

import type { NodeHandle } from './node-handle.js'

/** Most members that send probe events in a mesh check (beyond, a sample of them). */
export const MESH_PROBE_SENDERS = 100
/**
 * Probe deliveries per second a network of up to {@link MESH_PROBE_SENDERS} members spends on a mesh
 * check: each costs the network ~1.4 ms of CPU (a signature check, ~7 copies received and forwarded:
 * 250-node scale bench), so a faster rate would leave a backlog that delays the counted events behind
 * it (p50 of 23 s at N = 100 when every node probed every 5 s).
 */
export const PROBE_DELIVERIES_PER_S = 1_000
/**
 * The same beyond {@link MESH_PROBE_SENDERS} members, where the nodes' own idle work takes more of
 * the machine: at 500 nodes on 2 cores, 1,000 probe deliveries a second held every worker's event loop
 * 10-20 s behind, so that timeouts failed links faster than they formed (the mesh never formed in
 * 1,060 s); 400 from 10 senders formed it in 142-294 s in four runs.
 */
export const LARGE_PROBE_DELIVERIES_PER_S = 400
/** Each probing member sends a round at least this often (beyond 100 members: fewer senders, not slower rounds). */
export const PROBE_ROUND_MS = 10_000
/** Fewest members that probe beyond {@link MESH_PROBE_SENDERS}. */
export const MIN_PROBE_SENDERS = 10

/** Probe deliveries per second the whole network spends on a mesh check of `members` members. */
export function probeBudget(members: number): number {
  return members <= MESH_PROBE_SENDERS ? PROBE_DELIVERIES_PER_S : LARGE_PROBE_DELIVERIES_PER_S
}

/**
 * How many members probe: all up to {@link MESH_PROBE_SENDERS}; beyond, as many as the budget lets
 * send a round every {@link PROBE_ROUND_MS} (each round costs N-1 deliveries per topic), at least
 * {@link MIN_PROBE_SENDERS}.
 */
export function probeSenderCount(members: number, topics: number): number {
  if (members <= MESH_PROBE_SENDERS) return members
  const fit = Math.floor((probeBudget(members) * PROBE_ROUND_MS) / 1000 / (topics * (members - 1)))
  return Math.min(MESH_PROBE_SENDERS, Math.max(MIN_PROBE_SENDERS, fit))
}

/** The members that probe ({@link probeSenderCount} of them), spread evenly over `members` (first and last included). */
export function probeSenders<T>(members: readonly T[], topics: number): T[] {
  const n = members.length
  const count = probeSenderCount(n, topics)
  if (count >= n) return [...members]
  return Array.from({ length: count }, (_, i) => members[Math.round((i * (n - 1)) / (count - 1))] as T)
}

/** Probe rounds per second per sender so that the network delivers about {@link probeBudget} probes a second. */
export function probeRate(senders: number, topics: number, members: number): number {
  return Math.min(4, Math.max(0.001, probeBudget(members) / (senders * topics * Math.max(1, members - 1))))
}

/** `receiver` has heard `sender`'s probes of phase `id` on every topic. */
export function heard(receiver: NodeHandle, sender: NodeHandle, id: number, topics: number): boolean {
  return Object.keys(receiver.phases.get(id)?.received[sender.peerId] ?? {}).length >= topics
}

/** `node` reported a subscribed peer on every topic. */
export function hasTopicPeers(node: NodeHandle, topics: number): boolean {
  return Object.values(node.latest?.topicPeers ?? {}).filter((n) => n > 0).length >= topics
}

/** What a mesh check still lacks: the pairs not heard yet, and the members with no peer on a topic. */
export interface MeshGaps {
  /** Receiver-sender pairs the check needs (every member, every sender but itself). */
  pairs: number
  unheard: Array<{ sender: NodeHandle; receiver: NodeHandle }>
  alone: NodeHandle[]
}

export function meshGaps(
  members: readonly NodeHandle[],
  senders: readonly NodeHandle[],
  id: number,
  topics: number,
): MeshGaps {
  let pairs = 0
  const unheard: MeshGaps['unheard'] = []
  for (const receiver of members)
    for (const sender of senders) {
      if (sender === receiver) continue
      pairs++
      if (!heard(receiver, sender, id, topics)) unheard.push({ sender, receiver })
    }
  return { pairs, unheard, alone: aloneMembers(members, topics) }
}

/** The first three labels of `nodes`, then `...`. */
function someLabels(nodes: readonly NodeHandle[]): string {
  const labels = nodes.map((n) => n.label)
  return labels.length > 3 ? `${labels.slice(0, 3).join(', ')}, ...` : labels.join(', ')
}

/** The members with no peer on some topic yet: the mesh check probes only once there are none. */
export function aloneMembers(members: readonly NodeHandle[], topics: number): NodeHandle[] {
  return members.filter((n) => !hasTopicPeers(n, topics))
}

/** What the mesh check waits for before it probes, for the views. */
export function joinProgress(members: readonly NodeHandle[], topics: number): string {
  const alone = aloneMembers(members, topics)
  return `mesh: ${alone.length} of ${members.length} without a topic peer (${someLabels(alone)}), no probes until none`
}

/**
 * What a mesh check still waits for, for the views: a start at scale spends most of a minute there,
 * first on nodes with no peer on the topic yet, then on a few pairs that have not heard each other.
 */
export function meshProgress(
  members: readonly NodeHandle[],
  senders: readonly NodeHandle[],
  id: number,
  topics: number,
): string {
  const { pairs, unheard, alone } = meshGaps(members, senders, id, topics)
  const named = someLabels(alone)
  return `mesh: ${pairs - unheard.length}/${pairs} pairs heard, ${alone.length} without a topic peer${named === '' ? '' : ` (${named})`}`
}

/**
 * Why a mesh check timed out, for its failure: the pairs not heard (when `senders` probed), the members
 * without a peer on every topic, and every member's last report.
 */
export function meshFailureDetail(
  members: readonly NodeHandle[],
  senders: readonly NodeHandle[],
  id: number,
  topics: number,
): string {
  const gaps = meshGaps(members, senders, id, topics)
  const missing = gaps.unheard.map(({ sender, receiver }) => `${sender.label}->${receiver.label}`)
  const alone = gaps.alone.map((n) => `${n.label} (${n.latest?.peers.length ?? 0} peers)`)
  const reports = members
    .map((n) => {
      const s = n.latest
      if (s === undefined) return `${n.label}: no stats`
      const topicPeers = Object.values(s.topicPeers).join('/')
      return `${n.label}: peers ${s.peers.length}, connections ${s.connections}, topic peers ${topicPeers}, link repairs ${s.linkRepairs}, ${JSON.stringify(s.messaging)}`
    })
    .join('; ')
  const heardPart = senders.length > 0 ? `not heard: ${missing.join(', ') || 'none'}` : 'no probes sent yet'
  return `${heardPart}; without a peer on every topic: ${alone.join(', ') || 'none'}; ${reports}`
}
