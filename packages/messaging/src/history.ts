import type { PeerAccountability } from '@depin/infrastructure'
import type { Logger } from '@depin/logger'
import type { SignedMessage } from '@libp2p/gossipsub'
import { RPC } from '@libp2p/gossipsub/message'
import type { Connection, IdentifyResult, Libp2p, PeerId, PrivateKey, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream, RateLimiter } from '@libp2p/utils'
import type { PubSubEvent } from './event.js'
import { type HistoryEntry, HistoryStore } from './history-store.js'
import {
  decodeHeader,
  decodeRequest,
  encodeJson,
  HISTORY_PROTOCOL,
  HISTORY_REJECT_REASONS,
  type HistoryRefusal,
  type HistoryRejectReason,
  type HistoryRequest,
  type HistoryResponseHeader,
  MAX_EVENTS_PER_PAGE,
  MAX_ID_LENGTH,
  MAX_IDS_PER_PAGE,
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_BYTES,
  signedBytes,
  type VerifiedEntry,
  verifyEntry,
} from './history-wire.js'
import type { ResolvedHistoryOptions } from './options.js'
import { gossipTopic } from './topic.js'

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

/** Counters of a database's history (see the messaging README, "History and catch-up"). */
export interface HistoryMetrics {
  /** Events kept now, all topics. */
  events: number
  /** Estimated bytes kept now. */
  bytes: number
  /** History requests this node made (inventories and fetches). */
  requestsMade: number
  /** Of those, the ones that failed (stream error, timeout, refusal, bad answer). */
  requestsFailed: number
  /** Peers not asked because they do not speak the protocol (the Go implementation). */
  peersSkipped: number
  /** Requests this node answered with history. */
  requestsServed: number
  /** Requests this node refused, by reason. */
  requestsRefused: Record<HistoryRefusal, number>
  /** Catch-ups run (a topic regained peers, a peer came back, a subscription asked, or a sync). */
  catchUps: number
  /** Anti-entropy syncs asked for (one peer per subscribed topic per `syncIntervalMs`). */
  syncs: number
  /** Missed events delivered to handlers by catch-up (each once, marked `replayed`). */
  recovered: number
  /** Events offered by peers that this node had already delivered (dropped). */
  duplicates: number
  /** Bytes of history answers received and sent. */
  bytesReceived: number
  bytesSent: number
  /** Events in history answers rejected, by reason; the serving peer is held to account. */
  rejected: Record<HistoryRejectReason, number>
  rejectedTotal: number
}

/** A peer asked within one catch-up: its open connection, and the ids its inventory listed. */
interface Source {
  readonly peer: string
  readonly connection: Connection
  readonly listed: Set<string>
  /** It answered with something it should not have: not asked further. */
  lied: boolean
}

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
  /** Hands replayed events (sorted, new to this node) to the topic's handlers; resolves once queued. */
  deliver: (topic: string, events: PubSubEvent[]) => Promise<void>
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
/** Concurrent history streams per connection, each way. */
const MAX_STREAMS = 4

interface TopicCatchUp {
  readonly topic: string
  readonly gossipTopic: string
  readonly members: Set<string>
  readonly departed: Map<string, number>
  readonly pending: Map<string, number>
  /** Delivered (or published) event ids, oldest first, bounded. */
  readonly seen: Set<string>
  /** A peer was connected while the topic was subscribed (so being alone now means missing events). */
  hadPeers: boolean
  lastDeliveredAtMs: number | undefined
  /** When the last anti-entropy sync of this topic was asked for. */
  lastSyncAt: number | undefined
  /** Asking the next peers that appear for what was published since `since` (a regain, or `catchUp`). */
  episode: { since: number; left: number; asked: Set<string> } | undefined
  timer: ReturnType<typeof setTimeout> | undefined
  running: boolean
}

// One protocol handler per libp2p node, shared by its databases (a request names its database).
const servers = new WeakMap<object, Map<string, DatabaseHistory>>()

/**
 * The history of one database: keeps what it receives and publishes, serves it over
 * `/depin/history/1.0.0` to peers its registry authorizes, and catches its subscriptions up.
 */
export class DatabaseHistory {
  readonly store: HistoryStore
  private readonly init: DatabaseHistoryInit
  private readonly topics = new Map<string, TopicCatchUp>()
  private readonly limiter: RateLimiter
  private readonly seenCapacity: number
  private controller = new AbortController()
  private seqno = BigInt(Date.now()) * 1_000_000n
  private registered = false
  private syncTimer: ReturnType<typeof setTimeout> | undefined
  private readonly counters = {
    requestsMade: 0,
    requestsFailed: 0,
    peersSkipped: 0,
    requestsServed: 0,
    requestsRefused: {
      'bad-request': 0,
      unauthorized: 0,
      'rate-limited': 0,
      'unknown-database': 0,
    } as Record<HistoryRefusal, number>,
    catchUps: 0,
    syncs: 0,
    recovered: 0,
    duplicates: 0,
    bytesReceived: 0,
    bytesSent: 0,
    rejected: Object.fromEntries(HISTORY_REJECT_REASONS.map((r) => [r, 0])) as Record<
      HistoryRejectReason,
      number
    >,
  }

  constructor(init: DatabaseHistoryInit) {
    this.init = init
    this.store = new HistoryStore(init.options)
    this.seenCapacity = Math.max(1_000, init.options.maxEvents)
    this.limiter = new RateLimiter({ points: init.options.requestsPerPeer, duration: 10 })
  }

  async start(): Promise<void> {
    this.controller = new AbortController()
    this.init.host.addEventListener('peer:disconnect', this.onPeerDisconnect)
    this.init.host.addEventListener('peer:identify', this.onPeerIdentify)
    let databases = servers.get(this.init.host)
    if (databases === undefined) {
      databases = new Map()
      servers.set(this.init.host, databases)
    }
    const first = databases.size === 0
    databases.set(this.init.databaseName, this)
    this.registered = true
    this.scheduleSync()
    if (first) {
      await this.init.host.handle(
        HISTORY_PROTOCOL,
        (stream, connection) => serve(databases, stream, connection),
        {
          maxInboundStreams: MAX_STREAMS,
          maxOutboundStreams: MAX_STREAMS,
          force: true,
        },
      )
    }
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
    const databases = servers.get(this.init.host)
    if (databases?.get(this.init.databaseName) !== this) return
    databases.delete(this.init.databaseName)
    if (databases.size === 0) await this.init.host.unhandle(HISTORY_PROTOCOL).catch(() => undefined)
  }

  metrics(): HistoryMetrics {
    const c = this.counters
    return {
      events: this.store.size,
      bytes: this.store.bytes,
      requestsMade: c.requestsMade,
      requestsFailed: c.requestsFailed,
      peersSkipped: c.peersSkipped,
      requestsServed: c.requestsServed,
      requestsRefused: { ...c.requestsRefused },
      catchUps: c.catchUps,
      syncs: c.syncs,
      recovered: c.recovered,
      duplicates: c.duplicates,
      bytesReceived: c.bytesReceived,
      bytesSent: c.bytesSent,
      rejected: { ...c.rejected },
      rejectedTotal: Object.values(c.rejected).reduce((sum, n) => sum + n, 0),
    }
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
        hadPeers: this.init.host.getPeers().length > 0,
        lastDeliveredAtMs: undefined,
        lastSyncAt: undefined,
        episode: undefined,
        timer: undefined,
        running: false,
      }
      this.topics.set(topic, state)
    }
    if (sinceMs !== undefined) this.openEpisode(state, sinceMs)
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

  /** Whether an event was already delivered on a subscribed topic (live or replayed); counted when so. */
  isDuplicate(topic: string, id: string): boolean {
    if (this.topics.get(topic)?.seen.has(id) !== true) return false
    this.counters.duplicates++
    return true
  }

  /** A live event was accepted on a subscribed topic: keep it, and remember it was delivered. */
  received(topic: string, message: SignedMessage, event: PubSubEvent): void {
    const state = this.topics.get(topic)
    if (state !== undefined) this.markSeen(state, event.id)
    // One buffer per event: the message as its author signed it, ready to serve.
    const frame = RPC.Message.encode({
      from: message.from.toMultihash().bytes,
      data: message.data,
      seqno: seqnoBytes(message.sequenceNumber),
      topic: message.topic,
      signature: message.signature,
    })
    this.store.record({
      topic,
      id: event.id,
      timestamp: event.timestamp,
      frame,
      unsigned: undefined,
      dataBytes: message.data.byteLength,
    })
  }

  /** We published an event: keep it, to be signed when first served. */
  published(topic: string, event: PubSubEvent, data: Uint8Array, author: PeerId): void {
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
    const fetched = await this.collect(
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
      this.sync(interval)
      this.scheduleSync()
    }, delay)
    this.syncTimer.unref?.()
  }

  private sync(interval: number): void {
    const now = Date.now()
    for (const state of this.topics.values()) {
      const since = (state.lastSyncAt ?? now - interval) - SKEW_MARGIN_MS
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
    const floor = Date.now() - this.init.options.maxAgeMs
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
      const fetched = await this.collect(
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
      await this.init.deliver(state.topic, events)
    } finally {
      state.running = false
      if (state.pending.size > 0) this.schedule(state)
    }
  }

  /**
   * Asks peers for a topic's events since their `sinceMs` that `known` (and this node's history)
   * does not hold: an inventory of ids from each (in parallel, paged), then each missing id fetched
   * once, from one of the peers that listed it (spread over them, in parallel), every event
   * verified; ids a peer failed to deliver are asked once more of another peer that listed them. A
   * peer without the protocol is skipped quietly; a peer whose answer holds an altered, forged or
   * malformed event is held to account once per answer and not asked further.
   */
  private async collect(
    topic: string,
    full: string,
    asks: ReadonlyArray<readonly [string, number]>,
    known: ReadonlySet<string>,
    signal?: AbortSignal,
  ): Promise<VerifiedEntry[]> {
    const sources = (
      await Promise.all(asks.map(([peer, since]) => this.inventory(topic, full, peer, since, known, signal)))
    ).filter((source): source is Source => source !== undefined)
    const got = new Map<string, VerifiedEntry>()
    const wanted = new Set<string>()
    for (const source of sources) for (const id of source.listed) wanted.add(id)
    for (let round = 0; round < 2 && wanted.size > 0; round++) {
      // Each id from one source that listed it (and has not lied), spread round-robin.
      const share = new Map<Source, string[]>()
      let turn = round
      for (const id of wanted) {
        const owners = sources.filter((source) => !source.lied && source.listed.has(id))
        const owner = owners[turn++ % Math.max(1, owners.length)]
        if (owner === undefined) continue
        const list = share.get(owner)
        if (list === undefined) share.set(owner, [id])
        else list.push(id)
        owner.listed.delete(id)
      }
      if (share.size === 0) break
      await Promise.all(
        [...share].map(async ([source, ids]) => {
          for (const entry of await this.fetchIds(source, topic, full, ids, signal))
            got.set(entry.event.id, entry)
        }),
      )
      for (const id of got.keys()) wanted.delete(id)
    }
    return [...got.values()]
  }

  /** One peer's inventory of a topic since `sinceMs`, less what `known` and our history hold. */
  private async inventory(
    topic: string,
    full: string,
    peer: string,
    sinceMs: number,
    known: ReadonlySet<string>,
    signal?: AbortSignal,
  ): Promise<Source | undefined> {
    let peerId: PeerId
    try {
      peerId = peerIdFromString(peer)
    } catch {
      return undefined
    }
    const connection = this.init.host.getConnections(peerId).find((c) => c.status === 'open')
    if (connection === undefined || !(await this.speaksHistory(peerId))) return undefined
    const source: Source = { peer, connection, listed: new Set(), lied: false }
    let after: number | undefined
    const maxPages = Math.ceil(this.store.limits.maxEvents / MAX_IDS_PER_PAGE) + 1
    for (let page = 0; page < maxPages; page++) {
      const request: HistoryRequest = {
        database: this.init.databaseName,
        topic,
        sinceMs,
        limit: MAX_IDS_PER_PAGE,
        inventory: true,
        ...(after === undefined ? {} : { after }),
      }
      const answer = await this.request(connection, full, request, signal)
      if (answer === undefined || answer.lied) return page === 0 ? undefined : source
      for (const id of answer.ids) if (!known.has(id) && !this.store.has(topic, id)) source.listed.add(id)
      if (answer.next === undefined) break
      after = answer.next
    }
    return source
  }

  /** The events `ids` from one source, in pages; what verified (the rest is simply not returned). */
  private async fetchIds(
    source: Source,
    topic: string,
    full: string,
    ids: string[],
    signal?: AbortSignal,
  ): Promise<VerifiedEntry[]> {
    const entries: VerifiedEntry[] = []
    const queue = [...ids]
    while (queue.length > 0 && !source.lied) {
      const chunk = queue.splice(0, MAX_EVENTS_PER_PAGE)
      const request: HistoryRequest = {
        database: this.init.databaseName,
        topic,
        sinceMs: 0,
        limit: chunk.length,
        ids: chunk,
      }
      const answer = await this.request(source.connection, full, request, signal)
      if (answer === undefined) break
      entries.push(...answer.entries)
      source.lied = answer.lied
      // A page cut short by its byte bound (large events): the rest goes back in the queue.
      if (answer.entries.length > 0 && answer.entries.length < chunk.length) {
        const delivered = new Set(answer.entries.map((e) => e.event.id))
        queue.unshift(...chunk.filter((id) => !delivered.has(id)))
      }
    }
    return entries
  }

  /** Whether a peer announced the protocol (identify); unknown counts as yes. */
  private async speaksHistory(peerId: PeerId): Promise<boolean> {
    try {
      const protocols = (await this.init.host.peerStore.get(peerId)).protocols
      if (protocols.length === 0 || protocols.includes(HISTORY_PROTOCOL)) return true
    } catch {
      return true
    }
    this.counters.peersSkipped++
    return false
  }

  /** One request on a new stream; undefined when it failed (counted, and the peer penalised if it lied). */
  private async request(
    connection: Connection,
    full: string,
    request: HistoryRequest,
    outer?: AbortSignal,
  ): Promise<
    { ids: string[]; next: number | undefined; entries: VerifiedEntry[]; lied: boolean } | undefined
  > {
    const timeout = AbortSignal.timeout(this.init.options.requestTimeoutMs)
    const signal = outer === undefined ? timeout : AbortSignal.any([timeout, outer])
    const peer = connection.remotePeer
    this.counters.requestsMade++
    let stream: Stream | undefined
    let rejection: HistoryRejectReason | undefined
    const reject = (reason: HistoryRejectReason): void => {
      rejection = reason
      this.counters.rejected[reason]++
    }
    try {
      stream = await connection.newStream(HISTORY_PROTOCOL, { signal })
      const lp = lpStream(stream, { maxDataLength: frameLimit(this.init.maxMessageBytes) })
      await lp.write(encodeJson(request), { signal })
      const headerBytes = (await lp.read({ signal })).subarray()
      this.counters.bytesReceived += headerBytes.byteLength
      const header: HistoryResponseHeader | undefined = decodeHeader(headerBytes)
      if (header === undefined) {
        reject('malformed')
        return undefined
      }
      if (header.status !== 'ok') {
        this.counters.requestsFailed++
        this.init.log.debug('history request refused', 'peer', peer.toString(), 'status', header.status)
        return undefined
      }
      const wanted = request.ids === undefined ? undefined : new Set(request.ids)
      if (header.count > (request.ids?.length ?? (request.inventory === true ? 0 : request.limit))) {
        reject('unrequested')
        return undefined
      }
      const entries: VerifiedEntry[] = []
      let bytes = 0
      for (let i = 0; i < header.count; i++) {
        const frame = (await lp.read({ signal })).subarray()
        bytes += frame.byteLength
        this.counters.bytesReceived += frame.byteLength
        if (bytes > MAX_RESPONSE_BYTES + this.init.maxMessageBytes) {
          reject('too-large')
          break
        }
        const verdict = await verifyEntry(frame, full, this.init.maxMessageBytes)
        if (!verdict.ok) {
          reject(verdict.reason)
          continue
        }
        if (wanted !== undefined && !wanted.has(verdict.entry.event.id)) {
          reject('unrequested')
          continue
        }
        const authorized = await this.init.authorize(verdict.entry.author)
        if (authorized === false) {
          // Its author is not (or no longer) admitted: dropped and counted, the server not blamed.
          this.counters.rejected.unauthorized++
          continue
        }
        // The registry could not say: dropped without blame, as the live validator does.
        if (authorized === undefined) continue
        entries.push(verdict.entry)
      }
      await stream.close({ signal }).catch(() => undefined)
      // What verified is kept; a server that lied is not asked further.
      if (rejection !== undefined) return { ids: [], next: undefined, entries, lied: true }
      return { ids: header.ids ?? [], next: header.next, entries, lied: false }
    } catch (err) {
      stream?.abort(err instanceof Error ? err : new Error('history request failed'))
      // A peer without the protocol (the Go implementation): skipped, without a word.
      if (isUnsupported(err)) {
        this.counters.peersSkipped++
        return undefined
      }
      this.counters.requestsFailed++
      if (!signal.aborted || timeout.aborted) {
        this.init.log.debug('history request failed', 'peer', peer.toString(), 'error', err)
      }
      return undefined
    } finally {
      if (rejection !== undefined) this.blame(peer, full, rejection)
    }
  }

  private blame(peer: PeerId, full: string, reason: HistoryRejectReason): void {
    this.counters.requestsFailed++
    const verdict = this.init.accountability.reportInvalid({
      author: peer,
      forwarder: peer,
      authorAuthorized: true,
      reason: `history-${reason}`,
      topic: full,
    })
    this.init.log.warn(
      'rejected a history answer; the serving peer is held to account',
      'peer',
      peer.toString(),
      'topic',
      full,
      'reason',
      reason,
      'penalized',
      verdict.penalized,
    )
  }

  // ---- serving ----

  /** Answers one request of `peer` (already parsed): the header and the event frames. */
  async answer(request: HistoryRequest, peer: PeerId): Promise<Uint8Array[]> {
    try {
      this.limiter.consume(peer.toString())
    } catch {
      return this.refuse('rate-limited')
    }
    if ((await this.init.authorize(peer)) !== true) return this.refuse('unauthorized')
    const full = gossipTopic(this.init.databaseName, request.topic)
    if (request.inventory === true) {
      const page = this.store.page(request.topic, {
        sinceMs: request.sinceMs,
        limit: Math.min(request.limit, MAX_IDS_PER_PAGE),
        ...(request.after === undefined ? {} : { after: request.after }),
      })
      this.counters.requestsServed++
      return this.sent([
        encodeJson({
          status: 'ok',
          count: 0,
          // An id too long for the protocol (a Go node's event may carry any id) cannot be caught up.
          ids: page.entries.filter((e) => e.id.length <= MAX_ID_LENGTH).map((e) => e.id),
          ...(page.next === undefined ? {} : { next: page.next }),
        }),
      ])
    }
    let entries: HistoryEntry[]
    let next: number | undefined
    if (request.ids !== undefined) {
      entries = this.store.byIds(
        request.topic,
        request.ids.slice(0, Math.min(request.limit, MAX_EVENTS_PER_PAGE)),
      )
    } else {
      const page = this.store.page(request.topic, {
        sinceMs: request.sinceMs,
        limit: Math.min(request.limit, MAX_EVENTS_PER_PAGE),
        maxBytes: MAX_RESPONSE_BYTES,
        ...(request.after === undefined ? {} : { after: request.after }),
      })
      entries = page.entries
      next = page.next
    }
    const frames: Uint8Array[] = []
    let bytes = 0
    for (const entry of entries) {
      const frame = entry.frame ?? (await this.sign(entry, full))
      if (frame === undefined) continue
      if (frames.length > 0 && bytes + frame.byteLength > MAX_RESPONSE_BYTES) break
      bytes += frame.byteLength
      frames.push(frame)
    }
    this.counters.requestsServed++
    return this.sent([
      encodeJson({ status: 'ok', count: frames.length, ...(next === undefined ? {} : { next }) }),
      ...frames,
    ])
  }

  refuse(reason: HistoryRefusal): Uint8Array[] {
    this.counters.requestsRefused[reason]++
    return this.sent([encodeJson({ status: reason })])
  }

  private sent(frames: Uint8Array[]): Uint8Array[] {
    for (const frame of frames) this.counters.bytesSent += frame.byteLength
    return frames
  }

  /** Signs our own event when it is first served: the frame replaces its data and seqno. */
  private async sign(entry: HistoryEntry, full: string): Promise<Uint8Array | undefined> {
    const key = this.init.privateKey
    const unsigned = entry.unsigned
    if (key === undefined || unsigned === undefined) return undefined
    const fields = {
      from: key.publicKey.toMultihash().bytes,
      data: unsigned.data,
      seqno: unsigned.seqno,
      topic: full,
    }
    const signature = await key.sign(signedBytes(fields))
    entry.frame = RPC.Message.encode({ ...fields, signature })
    entry.unsigned = undefined
    return entry.frame
  }

  private localEvent(entry: HistoryEntry): PubSubEvent | undefined {
    try {
      const data =
        entry.unsigned?.data ?? (entry.frame === undefined ? undefined : RPC.Message.decode(entry.frame).data)
      if (data === undefined) return undefined
      const parsed = JSON.parse(new TextDecoder().decode(data)) as Record<string, unknown>
      return {
        id: entry.id,
        fromPeerId: String(parsed.from_peer),
        message: parsed.message === undefined ? null : parsed.message,
        timestamp: entry.timestamp,
      }
    } catch {
      return undefined
    }
  }
}

/** The handler of `/depin/history/1.0.0`: one request, one answer. */
async function serve(
  databases: Map<string, DatabaseHistory>,
  stream: Stream,
  connection: Connection,
): Promise<void> {
  const signal = AbortSignal.timeout(10_000)
  try {
    const lp = lpStream(stream, { maxDataLength: MAX_REQUEST_BYTES })
    const request = decodeRequest((await lp.read({ signal })).subarray())
    const history = request === undefined ? undefined : databases.get(request.database)
    let frames: Uint8Array[]
    if (request === undefined) frames = [encodeJson({ status: 'bad-request' })]
    else if (history === undefined) frames = [encodeJson({ status: 'unknown-database' })]
    else frames = await history.answer(request, connection.remotePeer)
    await lp.writeV(frames, { signal })
    await stream.close({ signal })
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error('history request failed'))
  }
}

function frameLimit(maxMessageBytes: number): number {
  // An event frame is the event plus ~200 bytes of signature, ids and framing; an inventory is ids.
  // An id of MAX_ID_LENGTH characters is at most 6 bytes each in JSON (\u escapes).
  return Math.max(maxMessageBytes + 4_096, MAX_IDS_PER_PAGE * (MAX_ID_LENGTH * 6 + 4) + 1_024)
}

function isUnsupported(err: unknown): boolean {
  return err instanceof Error && err.name === 'UnsupportedProtocolError'
}

function seqnoBytes(value: bigint): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, value), false)
  return out
}

function sortByTimestamp(events: PubSubEvent[]): PubSubEvent[] {
  return events.sort((a, b) => a.timestamp - b.timestamp)
}
