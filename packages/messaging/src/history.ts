import type { PeerAccountability } from '@depin/infrastructure'
import type { Logger } from '@depin/logger'
import type { SignedMessage } from '@libp2p/gossipsub'
import { RPC } from '@libp2p/gossipsub/message'
import type { IdentifyResult, Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import { decodeEvent, type PubSubEvent } from './event.js'
import { HistoryClient } from './history-client.js'
import { createHistoryCounters, type HistoryMetrics, historyMetricsOf } from './history-counters.js'
import { HistoryServer } from './history-server.js'
import { type HistoryEntry, HistoryStore } from './history-store.js'
import { HISTORY_PROTOCOL, ownBytes, type VerifiedEntry } from './history-wire.js'
import type { ResolvedHistoryOptions } from './options.js'
import { gossipTopic } from './topic.js'

export type { HistoryMetrics } from './history-counters.js'

/** What the history needs of the libp2p node: the protocol handler, connections, peers' protocols. */
export type HistoryHost = Pick<
  Libp2p,
  | 'handle'
  | 'unhandle'
  | 'getConnections'
  | 'getPeers'
  | 'peerStore'
  | 'addEventListener'
  | 'removeEventListener'
>

/** What {@link DatabaseHistory} is built from (the messaging layer's parts). */
export interface DatabaseHistoryInit {
  host: HistoryHost
  databaseName: string
  options: ResolvedHistoryOptions
  maxMessageBytes: number
  /** Signs our own events when they are first served (this node's key); without it they are not kept. */
  privateKey: PrivateKey | undefined
  /** The database registry's verdict on a peer (undefined: it could not say). */
  authorize: (peer: PeerId) => Promise<boolean | undefined>
  accountability: PeerAccountability
  /** Subscribers of a GossipSub topic, as GossipSub knows them now. */
  subscribers: (gossipTopic: string) => string[]
  /**
   * Hands replayed events (sorted, new to this node) to the handlers of the topic that were
   * listening when the gap began at `sinceMs`; resolves once queued.
   */
  deliver: (topic: string, events: PubSubEvent[], sinceMs: number) => Promise<void>
  log: Logger
}

/** Past a peer's departure, how far back a returning peer is asked (a dead link is noticed late). */
const LINK_LOSS_MARGIN_MS = 30_000
/** Clock skew and in-flight margin on the time of the last delivery. */
const SKEW_MARGIN_MS = 5_000
/** A catch-up waits this long after its first trigger, so peers appearing together are asked together. */
const CATCH_UP_DELAY_MS = 100
/** Departed peers remembered per topic. */
const MAX_DEPARTED = 1_024

interface TopicCatchUp {
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
  /** Asking the next peers that appear for what was published since `since` (a regain, or `catchUp`). */
  episode: { since: number; left: number; asked: Set<string> } | undefined
  timer: ReturnType<typeof setTimeout> | undefined
  running: boolean
}

/**
 * The history of one database: keeps what it receives and publishes, serves it over
 * `/depin/history/1.0.0` to peers its registry authorizes, and catches its subscriptions up.
 */
export class DatabaseHistory {
  readonly store: HistoryStore
  private readonly init: DatabaseHistoryInit
  private readonly topics = new Map<string, TopicCatchUp>()
  private readonly client: HistoryClient
  private readonly server: HistoryServer
  private readonly seenCapacity: number
  private controller = new AbortController()
  private seqno = BigInt(Date.now()) * 1_000_000n
  private registered = false
  private syncTimer: ReturnType<typeof setTimeout> | undefined
  private readonly counters = createHistoryCounters()

  constructor(init: DatabaseHistoryInit) {
    this.init = init
    this.store = new HistoryStore(init.options)
    // Twice the history: a catch-up of a whole peer's history must not push the ids of events
    // delivered live meanwhile out of the window (they would pass as new again).
    this.seenCapacity = Math.max(1_000, 2 * init.options.maxEvents)
    this.client = new HistoryClient({
      host: init.host,
      databaseName: init.databaseName,
      maxMessageBytes: init.maxMessageBytes,
      requestTimeoutMs: init.options.requestTimeoutMs,
      maxEvents: init.options.maxEvents,
      authorize: init.authorize,
      accountability: init.accountability,
      holds: (topic, id) => this.store.has(topic, id),
      counters: this.counters,
      log: init.log,
    })
    this.server = new HistoryServer({
      databaseName: init.databaseName,
      store: this.store,
      privateKey: init.privateKey,
      authorize: init.authorize,
      requestsPerPeer: init.options.requestsPerPeer,
      counters: this.counters,
    })
  }

  async start(): Promise<void> {
    this.controller = new AbortController()
    this.init.host.addEventListener('peer:disconnect', this.onPeerDisconnect)
    this.init.host.addEventListener('peer:identify', this.onPeerIdentify)
    this.registered = true
    this.scheduleSync()
    await this.server.register(this.init.host)
  }

  async stop(): Promise<void> {
    this.controller.abort(new Error('history stopped'))
    clearTimeout(this.syncTimer)
    this.syncTimer = undefined
    this.init.host.removeEventListener('peer:disconnect', this.onPeerDisconnect)
    this.init.host.removeEventListener('peer:identify', this.onPeerIdentify)
    for (const state of this.topics.values()) clearTimeout(state.timer)
    this.topics.clear()
    this.store.clear()
    if (!this.registered) return
    this.registered = false
    await this.server.unregister(this.init.host)
  }

  metrics(): HistoryMetrics {
    return historyMetricsOf(this.counters, this.store)
  }

  /**
   * A topic got its first handler: track its peers. With `sinceMs`, ask up to `catchUpPeers` of
   * them (now, or as they appear) for what was published since.
   */
  subscribed(topic: string, sinceMs: number | undefined): void {
    let state = this.topics.get(topic)
    if (state === undefined) {
      state = {
        topic,
        gossipTopic: gossipTopic(this.init.databaseName, topic),
        members: new Set(),
        departed: new Map(),
        pending: new Map(),
        seen: new Set(),
        floorMs: sinceMs ?? Date.now(),
        hadPeers: this.init.host.getPeers().length > 0,
        lastDeliveredAtMs: undefined,
        lastSyncAt: undefined,
        episode: undefined,
        timer: undefined,
        running: false,
      }
      this.topics.set(topic, state)
    }
    if (sinceMs !== undefined) {
      state.floorMs = Math.min(state.floorMs, sinceMs)
      this.openEpisode(state, sinceMs)
    }
    for (const peer of this.init.subscribers(state.gossipTopic)) this.peerJoined(state, peer)
    // Peers that publish without subscribing keep their own events too: ask them after the subscribers.
    if (state.episode !== undefined) {
      for (const peerId of this.init.host.getPeers()) this.ask(state, peerId.toString())
    }
  }

  /** The topic has no handler left: stop tracking it (what it keeps stays until it ages out). */
  unsubscribed(topic: string): void {
    const state = this.topics.get(topic)
    if (state === undefined) return
    clearTimeout(state.timer)
    this.topics.delete(topic)
  }

  /**
   * A live event was accepted on a subscribed topic: keep it and remember it was delivered. False
   * (counted as a duplicate) when a catch-up already delivered it: the caller drops it.
   */
  received(topic: string, message: SignedMessage, event: PubSubEvent): boolean {
    const state = this.topics.get(topic)
    if (state?.seen.has(event.id) === true) {
      this.counters.duplicates++
      return false
    }
    if (state !== undefined) this.markSeen(state, event.id)
    // One buffer per event: the message as its author signed it, ready to serve.
    const frame = ownBytes(
      RPC.Message.encode({
        from: message.from.toMultihash().bytes,
        data: message.data,
        seqno: seqnoBytes(message.sequenceNumber),
        topic: message.topic,
        signature: message.signature,
      }),
    )
    this.store.record({
      topic,
      id: event.id,
      timestamp: event.timestamp,
      frame,
      unsigned: undefined,
      dataBytes: message.data.byteLength,
    })
    return true
  }

  /** We published an event: keep it, to be signed when first served. */
  published(topic: string, event: PubSubEvent, data: Uint8Array): void {
    if (this.init.privateKey === undefined) return
    const state = this.topics.get(topic)
    if (state !== undefined) this.markSeen(state, event.id)
    this.store.record({
      topic,
      id: event.id,
      timestamp: event.timestamp,
      frame: undefined,
      unsigned: { data, seqno: seqnoBytes(++this.seqno) },
      dataBytes: data.byteLength,
    })
  }

  /** A subscription-change from GossipSub: peers joining and leaving our topics. */
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
   * On demand: the topic's events since `sinceMs`, from this node's history and up to
   * `catchUpPeers` topic peers, verified, oldest first (by event timestamp), each once, at most `limit`.
   */
  async query(topic: string, sinceMs: number, limit: number, signal?: AbortSignal): Promise<PubSubEvent[]> {
    const full = gossipTopic(this.init.databaseName, topic)
    const byId = new Map<string, PubSubEvent>()
    for (const entry of this.store.page(topic, { sinceMs, limit: this.store.limits.maxEvents }).entries) {
      const event = this.localEvent(entry)
      if (event !== undefined) byId.set(event.id, event)
    }
    const candidates = new Set(this.init.subscribers(full))
    for (const peerId of this.init.host.getPeers()) candidates.add(peerId.toString())
    const peers = [...candidates].slice(0, this.init.options.catchUpPeers)
    const fetched = await this.client.collect(
      topic,
      full,
      peers.map((peer): [string, number] => [peer, sinceMs]),
      new Set(byId.keys()),
      signal,
    )
    for (const entry of fetched) byId.set(entry.event.id, entry.event)
    return sortByTimestamp([...byId.values()])
      .slice(0, limit)
      .map((event) => Object.freeze(event))
  }

  // ---- catch-up ----

  private markSeen(state: TopicCatchUp, id: string): void {
    state.lastDeliveredAtMs = Date.now()
    if (state.seen.has(id)) return
    state.seen.add(id)
    if (state.seen.size > this.seenCapacity) {
      const oldest = state.seen.values().next().value
      if (oldest !== undefined) state.seen.delete(oldest)
    }
  }

  private readonly onPeerDisconnect = (event: CustomEvent<PeerId>): void => {
    const peer = event.detail.toString()
    const alone = this.init.host.getPeers().length === 0
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
      else this.counters.peersSkipped++
    }
  }

  /** Anti-entropy: one random peer per subscribed topic, for what arrived since the last sync. */
  private scheduleSync(): void {
    const interval = this.init.options.syncIntervalMs
    if (interval === 0 || this.controller.signal.aborted) return
    const delay = Math.round(interval * (0.8 + Math.random() * 0.4))
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined
      this.sync()
      this.scheduleSync()
    }, delay)
    this.syncTimer.unref?.()
  }

  private sync(): void {
    const now = Date.now()
    for (const state of this.topics.values()) {
      // A topic on which nothing arrived for the history's age is not synced (an idle network pays
      // nothing); after traffic, syncs go on that long, so what reached only some nodes spreads.
      const last = state.lastDeliveredAtMs
      if (last === undefined || now - last > this.init.options.maxAgeMs) continue
      const since = (state.lastSyncAt ?? state.floorMs) - SKEW_MARGIN_MS
      const subscribers = this.init.subscribers(state.gossipTopic)
      const candidates = subscribers.length > 0 ? subscribers : this.init.host.getPeers().map(String)
      const peer = candidates[Math.floor(Math.random() * candidates.length)]
      if (peer === undefined) continue
      state.lastSyncAt = now
      this.counters.syncs++
      this.enqueue(state, peer, since)
    }
  }

  private lonely(state: TopicCatchUp): void {
    if (!state.hadPeers || !this.init.options.catchUp) return
    const now = Date.now()
    this.openEpisode(state, Math.min(state.lastDeliveredAtMs ?? now, now) - SKEW_MARGIN_MS)
    this.init.log.debug('topic lost its peers; will catch up', 'topic', state.gossipTopic)
  }

  private openEpisode(state: TopicCatchUp, since: number): void {
    const open = state.episode
    if (open !== undefined && open.left > 0) {
      open.since = Math.min(open.since, since)
      return
    }
    state.episode = { since, left: this.init.options.catchUpPeers, asked: new Set() }
  }

  /** Asks `peer` within the open episode, when it has room and has not asked it yet. */
  private ask(state: TopicCatchUp, peer: string): boolean {
    const episode = state.episode
    if (episode === undefined || episode.left <= 0 || episode.asked.has(peer)) return false
    episode.asked.add(peer)
    episode.left--
    this.enqueue(state, peer, episode.since)
    if (episode.left === 0) state.episode = undefined
    return true
  }

  private peerLeft(state: TopicCatchUp, peer: string): void {
    if (!state.members.delete(peer)) return
    const now = Date.now()
    state.departed.delete(peer)
    state.departed.set(peer, now)
    if (state.departed.size > MAX_DEPARTED) {
      const oldest = state.departed.keys().next().value
      if (oldest !== undefined) state.departed.delete(oldest)
    }
    // Alone on the topic: whoever comes next is asked for everything since our last delivery.
    if (state.members.size === 0) this.lonely(state)
  }

  private peerJoined(state: TopicCatchUp, peer: string): void {
    if (state.members.has(peer)) return
    state.members.add(peer)
    state.hadPeers = true
    const departedAt = state.departed.get(peer)
    state.departed.delete(peer)
    if (this.ask(state, peer)) return
    // A peer that left and came back (a partition healed, its links restarted) may hold what we missed.
    if (
      departedAt !== undefined &&
      this.init.options.catchUp &&
      Date.now() - departedAt < this.init.options.maxAgeMs
    ) {
      this.enqueue(state, peer, departedAt - LINK_LOSS_MARGIN_MS)
    }
  }

  private enqueue(state: TopicCatchUp, peer: string, sinceMs: number): void {
    const floor = Math.max(Date.now() - this.init.options.maxAgeMs, state.floorMs)
    const since = Math.max(floor, sinceMs)
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
    if (state.pending.size === 0 || this.topics.get(state.topic) !== state) return
    state.running = true
    const batch = [...state.pending]
    state.pending.clear()
    this.counters.catchUps++
    try {
      const fetched = await this.client.collect(
        state.topic,
        state.gossipTopic,
        batch,
        state.seen,
        this.controller.signal,
      )
      const fresh = new Map<string, VerifiedEntry>()
      for (const entry of fetched) {
        if (state.seen.has(entry.event.id) || fresh.has(entry.event.id)) this.counters.duplicates++
        else fresh.set(entry.event.id, entry)
      }
      if (this.topics.get(state.topic) !== state || fresh.size === 0) return
      const entries = [...fresh.values()].sort((a, b) => a.event.timestamp - b.event.timestamp)
      const events: PubSubEvent[] = []
      for (const entry of entries) {
        this.markSeen(state, entry.event.id)
        this.store.record({
          topic: state.topic,
          id: entry.event.id,
          timestamp: entry.event.timestamp,
          frame: entry.frame,
          unsigned: undefined,
          dataBytes: entry.data.byteLength,
        })
        events.push(Object.freeze({ ...entry.event, replayed: true }))
      }
      this.counters.recovered += events.length
      this.init.log.info(
        'caught up',
        'topic',
        state.gossipTopic,
        'events',
        events.length,
        'peers',
        batch.length,
      )
      const sinceMs = Math.min(...batch.map(([, since]) => since))
      await this.init.deliver(state.topic, events, sinceMs)
    } finally {
      state.running = false
      if (state.pending.size > 0) this.schedule(state)
    }
  }

  /** A kept event as handlers see it (it was decoded once when it was kept; this is the same codec). */
  private localEvent(entry: HistoryEntry): PubSubEvent | undefined {
    const data =
      entry.unsigned?.data ?? (entry.frame === undefined ? undefined : RPC.Message.decode(entry.frame).data)
    if (data === undefined) return undefined
    const decoded = decodeEvent(data)
    return decoded.ok ? decoded.event : undefined
  }
}

function seqnoBytes(value: bigint): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, value), false)
  return out
}

function sortByTimestamp(events: PubSubEvent[]): PubSubEvent[] {
  return events.sort((a, b) => a.timestamp - b.timestamp)
}
