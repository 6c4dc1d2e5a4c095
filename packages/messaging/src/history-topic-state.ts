/** Clock skew and in-flight margin on the time of the last delivery. */
export const SKEW_MARGIN_MS = 5_000
/** Departed peers remembered per topic. */
const MAX_DEPARTED = 1_024

/** The catch-up state of one subscribed topic. */
export interface TopicCatchUp {
  readonly topic: string
  readonly gossipTopic: string
  readonly members: Set<string>
  readonly departed: Map<string, number>
  readonly pending: Map<string, number>
  /** Delivered (or published) event ids, oldest first, bounded. */
  readonly seen: Set<string>
  /**
   * Nothing older is ever asked for: when the subscription started, or its explicit `catchUp`
   * time (a fresh subscription starts from now; syncs and margins must not reach past it).
   */
  floorMs: number
  /** A peer was connected while the topic was subscribed (so being alone now means missing events). */
  hadPeers: boolean
  /** When an event was last delivered or published here (syncs stop once this is older than maxAgeMs). */
  lastDeliveredAtMs: number | undefined
  /** When the last anti-entropy sync of this topic was asked for. */
  lastSyncAt: number | undefined
  /** The last sync, until one of its peers answered: from when it asks, and whom it asked. */
  sync: { readonly since: number; readonly tried: Set<string> } | undefined
  /**
   * The start of a gap this process has not filled yet (an explicit `catchUp` time, or the topic
   * lost its peers): the earliest time a restarted process must ask from. Undefined once a peer
   * answered a catch-up from that time (or earlier) and its events were queued for the handlers.
   */
  gapSinceMs: number | undefined
  /** Bumped each time a gap opens, so that a catch-up started before it does not close it. */
  gapEpoch: number
  /** Asking the next peers that appear for what was published since `since` (a regain, or `catchUp`). */
  episode: { since: number; left: number; asked: Set<string> } | undefined
  timer: ReturnType<typeof setTimeout> | undefined
  running: boolean
}

/** The state of a topic that just got its first handler. */
export function createTopicCatchUp(
  topic: string,
  gossipTopic: string,
  floorMs: number,
  hadPeers: boolean,
): TopicCatchUp {
  return {
    topic,
    gossipTopic,
    members: new Set(),
    departed: new Map(),
    pending: new Map(),
    seen: new Set(),
    floorMs,
    hadPeers,
    lastDeliveredAtMs: undefined,
    lastSyncAt: undefined,
    sync: undefined,
    gapSinceMs: undefined,
    gapEpoch: 0,
    episode: undefined,
    timer: undefined,
    running: false,
  }
}

/** An event was delivered (or published) on the topic now; the oldest id goes past `capacity`. */
export function markSeen(state: TopicCatchUp, id: string, capacity: number): void {
  state.lastDeliveredAtMs = Date.now()
  if (state.seen.has(id)) return
  state.seen.add(id)
  if (state.seen.size > capacity) {
    const oldest = state.seen.values().next().value
    if (oldest !== undefined) state.seen.delete(oldest)
  }
}

/** A gap from `sinceMs` opened (it widens one still open). */
export function openGap(state: TopicCatchUp, sinceMs: number): void {
  state.gapSinceMs = Math.min(state.gapSinceMs ?? sinceMs, sinceMs)
  state.gapEpoch++
}

/** Asks the next `peers` peers that appear for what was published since `since` (widening an open episode). */
export function openEpisode(state: TopicCatchUp, since: number, peers: number): void {
  const open = state.episode
  if (open !== undefined && open.left > 0) {
    open.since = Math.min(open.since, since)
    return
  }
  state.episode = { since, left: peers, asked: new Set() }
}

/** `peer`'s turn in the open episode: the time to ask it from, or undefined (no room, or asked already). */
export function takeEpisodeTurn(state: TopicCatchUp, peer: string): number | undefined {
  const episode = state.episode
  if (episode === undefined || episode.left <= 0 || episode.asked.has(peer)) return undefined
  episode.asked.add(peer)
  episode.left--
  if (episode.left === 0) state.episode = undefined
  return episode.since
}

/** A member left the topic: remembered as departed now. False when it was not a member. */
export function recordDeparture(state: TopicCatchUp, peer: string): boolean {
  if (!state.members.delete(peer)) return false
  state.departed.delete(peer)
  state.departed.set(peer, Date.now())
  if (state.departed.size > MAX_DEPARTED) {
    const oldest = state.departed.keys().next().value
    if (oldest !== undefined) state.departed.delete(oldest)
  }
  return true
}
