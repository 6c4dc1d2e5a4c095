import { connectedPeers } from '@depin/infrastructure'
import type { Libp2p } from '@libp2p/interface'
import type { HistoryCounters } from './history-counters.js'
import { SKEW_MARGIN_MS, type TopicCatchUp } from './history-topic-state.js'
import type { ResolvedHistoryOptions } from './options.js'

/**
 * An anti-entropy sync compares the ids of this many sync intervals (plus the skew margin), so that
 * each event is compared with several random peers in turn while the share of nodes holding it
 * grows: with one interval, an event that reached half the nodes would reach about three quarters
 * and stop there (each node asks one random peer once).
 */
const SYNC_WINDOW_INTERVALS = 4
/**
 * Peers one anti-entropy sync may ask in all: a sync whose peer does not answer (gone, timed out,
 * refusing) asks another at once rather than losing its turn, since an event that reached few
 * nodes has only the window's few syncs to spread by.
 */
const SYNC_PEERS = 3

/** What an {@link AntiEntropySync} reads and asks through (the catch-up scheduler's). */
export interface AntiEntropySyncInit {
  host: Pick<Libp2p, 'getConnections'>
  options: ResolvedHistoryOptions
  counters: HistoryCounters
  /** Subscribers of a GossipSub topic, as GossipSub knows them now. */
  subscribers: (gossipTopic: string) => string[]
  /** The subscribed topics' states. */
  topics: () => Iterable<TopicCatchUp>
  /** Queues asking `peer` for the topic's events since `sinceMs`. */
  ask: (state: TopicCatchUp, peer: string, sinceMs: number) => void
  /** Whether `state` is still its topic's. */
  isCurrent: (state: TopicCatchUp) => boolean
}

/**
 * The anti-entropy sync: every `syncIntervalMs` (±20 %), one random peer per subscribed topic that
 * had traffic within the history's age, asked for what arrived in the last few intervals; a peer
 * that does not answer is replaced at once.
 */
export class AntiEntropySync {
  private readonly init: AntiEntropySyncInit
  private timer: ReturnType<typeof setTimeout> | undefined
  private running = false

  constructor(init: AntiEntropySyncInit) {
    this.init = init
  }

  start(): void {
    this.running = true
    this.schedule()
  }

  stop(): void {
    this.running = false
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private schedule(): void {
    const interval = this.init.options.syncIntervalMs
    if (interval === 0 || !this.running) return
    const delay = Math.round(interval * (0.8 + Math.random() * 0.4))
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.sync()
      this.schedule()
    }, delay)
    this.timer.unref?.()
  }

  private sync(): void {
    const now = Date.now()
    for (const state of this.init.topics()) {
      // A topic on which nothing arrived for the history's age is not synced (an idle network pays
      // nothing); after traffic, syncs go on that long, so what reached only some nodes spreads.
      const last = state.lastDeliveredAtMs
      if (last === undefined || now - last > this.init.options.maxAgeMs) continue
      const windowStart = now - SYNC_WINDOW_INTERVALS * this.init.options.syncIntervalMs
      const since = Math.min(state.lastSyncAt ?? state.floorMs, windowStart) - SKEW_MARGIN_MS
      const peer = this.peer(state, new Set())
      if (peer === undefined) continue
      state.lastSyncAt = now
      state.sync = { since, tried: new Set([peer]) }
      this.init.counters.syncs++
      this.init.ask(state, peer, since)
    }
  }

  /** A random subscriber of the topic not in `tried`; else any connected peer not in it. */
  private peer(state: TopicCatchUp, tried: ReadonlySet<string>): string | undefined {
    const untried = (peers: Iterable<string>): string[] => [...peers].filter((peer) => !tried.has(peer))
    let candidates = untried(this.init.subscribers(state.gossipTopic))
    if (candidates.length === 0) candidates = untried(connectedPeers(this.init.host).keys())
    return candidates[Math.floor(Math.random() * candidates.length)]
  }

  /**
   * A catch-up of `batch` ended, `answered` by those peers: if it asked the topic's current sync
   * peer and none of the sync's peers answered, the sync asks another (up to {@link SYNC_PEERS} in all).
   */
  answered(state: TopicCatchUp, batch: ReadonlyArray<[string, number]>, answered: readonly string[]): void {
    const sync = state.sync
    if (sync === undefined || !batch.some(([peer]) => sync.tried.has(peer))) return
    const done =
      answered.some((peer) => sync.tried.has(peer)) ||
      sync.tried.size >= SYNC_PEERS ||
      !this.running ||
      !this.init.isCurrent(state)
    const peer = done ? undefined : this.peer(state, sync.tried)
    if (peer === undefined) {
      state.sync = undefined
      return
    }
    sync.tried.add(peer)
    this.init.counters.syncRetries++
    this.init.ask(state, peer, sync.since)
  }
}
