import { connectedPeers } from '@depin/infrastructure'
import type { Logger } from '@depin/logger'
import type { IdentifyResult, Libp2p, PeerId } from '@libp2p/interface'
import type { HistoryCounters } from './history-counters.js'
import { AntiEntropySync } from './history-sync.js'
import {
  createTopicCatchUp,
  markSeen,
  openEpisode,
  openGap,
  recordDeparture,
  SKEW_MARGIN_MS,
  type TopicCatchUp,
  takeEpisodeTurn,
} from './history-topic-state.js'
import { HISTORY_PROTOCOL } from './history-wire.js'

export { SKEW_MARGIN_MS } from './history-topic-state.js'

import type { ResolvedHistoryOptions } from './options.js'
import { gossipTopic } from './topic.js'

/** Past a peer's departure, how far back a returning peer is asked (a dead link is noticed late). */
const LINK_LOSS_MARGIN_MS = 30_000
/** A catch-up waits this long after its first trigger, so peers appearing together are asked together. */
const CATCH_UP_DELAY_MS = 100

/** What a {@link CatchUpScheduler} watches and asks with. */
export interface CatchUpSchedulerInit {
  host: Pick<Libp2p, 'getConnections' | 'addEventListener' | 'removeEventListener'>
  databaseName: string
  options: ResolvedHistoryOptions
  counters: HistoryCounters
  /** Subscribers of a GossipSub topic, as GossipSub knows them now. */
  subscribers: (gossipTopic: string) => string[]
  /**
   * Asks each peer of `batch` for the topic's events since its time, and delivers what is new: the
   * peers that answered.
   */
  fetch: (
    state: TopicCatchUp,
    batch: Array<[string, number]>,
    signal: AbortSignal,
  ) => Promise<readonly string[]>
  log: Logger
}

/**
 * When a database's subscribed topics catch up, and from whom: peers joining and leaving each
 * topic, a topic left without peers, peers coming back, explicit `catchUp` times, and the
 * anti-entropy sync. The fetching itself is `init.fetch`.
 */
export class CatchUpScheduler {
  private readonly init: CatchUpSchedulerInit
  private readonly topics = new Map<string, TopicCatchUp>()
  private readonly seenCapacity: number
  private controller = new AbortController()
  private readonly sync: AntiEntropySync

  constructor(init: CatchUpSchedulerInit) {
    this.init = init
    // Twice the history: a catch-up of a whole peer's history must not push the ids of events
    // delivered live meanwhile out of the window (they would pass as new again).
    this.seenCapacity = Math.max(1_000, 2 * init.options.maxEvents)
    this.sync = new AntiEntropySync({
      host: init.host,
      options: init.options,
      counters: init.counters,
      subscribers: init.subscribers,
      topics: () => this.topics.values(),
      ask: (state, peer, since) => this.enqueue(state, peer, since),
      isCurrent: (state) => this.isCurrent(state),
    })
  }

  start(): void {
    this.controller = new AbortController()
    this.init.host.addEventListener('peer:disconnect', this.onPeerDisconnect)
    this.init.host.addEventListener('peer:identify', this.onPeerIdentify)
    this.sync.start()
  }

  stop(): void {
    this.controller.abort(new Error('history stopped'))
    this.sync.stop()
    this.init.host.removeEventListener('peer:disconnect', this.onPeerDisconnect)
    this.init.host.removeEventListener('peer:identify', this.onPeerIdentify)
    for (const state of this.topics.values()) clearTimeout(state.timer)
    this.topics.clear()
  }

  /** Whether `state` is still the topic's (it was not unsubscribed meanwhile). */
  isCurrent(state: TopicCatchUp): boolean {
    return this.topics.get(state.topic) === state
  }

  /** See `DatabaseHistory.subscribed`. */
  subscribed(topic: string, sinceMs: number | undefined): void {
    let state = this.topics.get(topic)
    if (state === undefined) {
      const full = gossipTopic(this.init.databaseName, topic)
      state = createTopicCatchUp(
        topic,
        full,
        sinceMs ?? Date.now(),
        this.init.host.getConnections().length > 0,
      )
      this.topics.set(topic, state)
    }
    if (sinceMs !== undefined) {
      state.floorMs = Math.min(state.floorMs, sinceMs)
      openGap(state, sinceMs)
      openEpisode(state, sinceMs, this.init.options.catchUpPeers)
    }
    for (const peer of this.init.subscribers(state.gossipTopic)) this.peerJoined(state, peer)
    // Peers that publish without subscribing keep their own events too: ask them after the subscribers.
    if (state.episode !== undefined) {
      for (const peer of connectedPeers(this.init.host).keys()) this.ask(state, peer)
    }
  }

  unsubscribed(topic: string): void {
    const state = this.topics.get(topic)
    if (state === undefined) return
    clearTimeout(state.timer)
    this.topics.delete(topic)
  }

  /** A live event arrived: false (counted as a duplicate) when a catch-up already delivered it. */
  delivered(topic: string, id: string): boolean {
    const state = this.topics.get(topic)
    if (state?.seen.has(id) === true) {
      this.init.counters.duplicates++
      return false
    }
    if (state !== undefined) markSeen(state, id, this.seenCapacity)
    return true
  }

  /** We published an event on the topic. */
  published(topic: string, id: string): void {
    const state = this.topics.get(topic)
    if (state !== undefined) markSeen(state, id, this.seenCapacity)
  }

  subscriptionChange(peer: string, changes: ReadonlyArray<{ topic: string; subscribe: boolean }>): void {
    for (const change of changes) {
      for (const state of this.topics.values()) {
        if (state.gossipTopic !== change.topic) continue
        if (change.subscribe) this.peerJoined(state, peer)
        else this.peerLeft(state, peer)
      }
    }
  }

  /**
   * The start of the topic's unfilled gap (see `TopicCatchUp.gapSinceMs`), if any, never earlier
   * than `maxAgeMs` ago: no history keeps anything older (a gap left open without automatic
   * catch-up would otherwise make every restart ask for all a peer keeps).
   */
  gapSince(topic: string): number | undefined {
    const gap = this.topics.get(topic)?.gapSinceMs
    return gap === undefined ? undefined : Math.max(gap, Date.now() - this.init.options.maxAgeMs)
  }

  /**
   * A catch-up that began at gap epoch `epoch` got answers from peers asked from `answeredSinceMs`
   * (the earliest of them) and its events are queued: the gap is filled if that reached back to
   * its start and no gap opened meanwhile.
   */
  filled(state: TopicCatchUp, epoch: number, answeredSinceMs: number): void {
    const gap = state.gapSinceMs
    if (
      gap !== undefined &&
      state.gapEpoch === epoch &&
      answeredSinceMs <= Math.max(gap, this.floorOf(state))
    )
      state.gapSinceMs = undefined
  }

  /** A caught-up event of the topic was delivered. */
  markSeen(state: TopicCatchUp, id: string): void {
    markSeen(state, id, this.seenCapacity)
  }

  private readonly onPeerDisconnect = (event: CustomEvent<PeerId>): void => {
    const peer = event.detail.toString()
    const alone = this.init.host.getConnections().length === 0
    for (const state of this.topics.values()) {
      this.peerLeft(state, peer)
      // No peer at all (revoked, partitioned, offline): events of publishers that do not subscribe
      // were missed too, and the topic's subscriber set alone would not show it.
      if (alone) this.lonely(state)
    }
  }

  /** A peer finished identify: a candidate for topics that are catching up, if it speaks the protocol. */
  private readonly onPeerIdentify = (event: CustomEvent<IdentifyResult>): void => {
    const peer = event.detail.peerId.toString()
    const speaks = event.detail.protocols.includes(HISTORY_PROTOCOL)
    for (const state of this.topics.values()) {
      state.hadPeers = true
      if (state.episode === undefined || state.episode.asked.has(peer)) continue
      if (speaks) this.ask(state, peer)
      else this.init.counters.peersSkipped++
    }
  }

  private lonely(state: TopicCatchUp): void {
    if (!state.hadPeers) return
    const now = Date.now()
    const since = Math.min(state.lastDeliveredAtMs ?? now, now) - SKEW_MARGIN_MS
    // Without automatic catch-up the gap stays open: a restarted process asks from it.
    openGap(state, since)
    if (!this.init.options.catchUp) return
    openEpisode(state, since, this.init.options.catchUpPeers)
    this.init.log.debug('topic lost its peers; will catch up', 'topic', state.gossipTopic)
  }

  /** Asks `peer` within the open episode, when it has room and has not asked it yet. */
  private ask(state: TopicCatchUp, peer: string): boolean {
    const since = takeEpisodeTurn(state, peer)
    if (since === undefined) return false
    this.enqueue(state, peer, since)
    return true
  }

  private peerLeft(state: TopicCatchUp, peer: string): void {
    // Alone on the topic: whoever comes next is asked for everything since our last delivery.
    if (recordDeparture(state, peer) && state.members.size === 0) this.lonely(state)
  }

  private peerJoined(state: TopicCatchUp, peer: string): void {
    if (state.members.has(peer)) return
    state.members.add(peer)
    state.hadPeers = true
    const departedAt = state.departed.get(peer)
    state.departed.delete(peer)
    if (this.ask(state, peer)) return
    // A peer that left and came back (a partition healed, its links restarted) may hold what we missed.
    const { options } = this.init
    if (departedAt !== undefined && options.catchUp && Date.now() - departedAt < options.maxAgeMs) {
      this.enqueue(state, peer, departedAt - LINK_LOSS_MARGIN_MS)
    }
  }

  /** Nothing older is asked for: the subscription's floor, or what the history's age still keeps. */
  private floorOf(state: TopicCatchUp): number {
    return Math.max(Date.now() - this.init.options.maxAgeMs, state.floorMs)
  }

  private enqueue(state: TopicCatchUp, peer: string, sinceMs: number): void {
    const since = Math.max(this.floorOf(state), sinceMs)
    state.pending.set(peer, Math.min(state.pending.get(peer) ?? since, since))
    this.schedule(state)
  }

  private schedule(state: TopicCatchUp): void {
    if (state.timer !== undefined || state.running || this.controller.signal.aborted) return
    state.timer = setTimeout(() => {
      state.timer = undefined
      void this.catchUp(state)
    }, CATCH_UP_DELAY_MS)
  }

  private async catchUp(state: TopicCatchUp): Promise<void> {
    if (state.pending.size === 0 || !this.isCurrent(state)) return
    state.running = true
    const batch = [...state.pending]
    state.pending.clear()
    this.init.counters.catchUps++
    try {
      const answered = await this.init.fetch(state, batch, this.controller.signal)
      this.sync.answered(state, batch, answered)
    } finally {
      state.running = false
      if (state.pending.size > 0) this.schedule(state)
    }
  }
}
