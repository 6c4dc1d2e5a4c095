import { connectedPeers, type PeerAccountability } from '@depin/infrastructure'
import type { Logger } from '@depin/logger'
import type { SignedMessage } from '@libp2p/gossipsub'
import { RPC } from '@libp2p/gossipsub/message'
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import { decodeEvent, type PubSubEvent } from './event.js'
import { CatchUpScheduler } from './history-catch-up.js'
import { HistoryClient } from './history-client.js'
import { createHistoryCounters, type HistoryMetrics, historyMetricsOf } from './history-counters.js'
import { HistoryServer } from './history-server.js'
import { type HistoryEntry, HistoryStore } from './history-store.js'
import type { TopicCatchUp } from './history-topic-state.js'
import { ownBytes, type VerifiedEntry } from './history-wire.js'
import type { ResolvedHistoryOptions } from './options.js'
import { gossipTopic } from './topic.js'

export type { HistoryMetrics } from './history-counters.js'

/** What the history needs of the libp2p node: the protocol handler, connections, peers' protocols. */
export type HistoryHost = Pick<
  Libp2p,
  'handle' | 'unhandle' | 'getConnections' | 'peerStore' | 'addEventListener' | 'removeEventListener'
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

/**
 * The history of one database: keeps what it receives and publishes, serves it over
 * `/depin/history/1.0.0` to peers its registry authorizes, and catches its subscriptions up.
 */
export class DatabaseHistory {
  readonly store: HistoryStore
  private readonly init: DatabaseHistoryInit
  private readonly client: HistoryClient
  private readonly server: HistoryServer
  private readonly catchUps: CatchUpScheduler
  private seqno = BigInt(Date.now()) * 1_000_000n
  private registered = false
  private readonly counters = createHistoryCounters()

  constructor(init: DatabaseHistoryInit) {
    this.init = init
    this.store = new HistoryStore(init.options)
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
    this.catchUps = new CatchUpScheduler({
      host: init.host,
      databaseName: init.databaseName,
      options: init.options,
      counters: this.counters,
      subscribers: init.subscribers,
      fetch: (state, batch, signal) => this.fetchMissed(state, batch, signal),
      log: init.log,
    })
  }

  async start(): Promise<void> {
    this.catchUps.start()
    this.registered = true
    await this.server.register(this.init.host)
  }

  async stop(): Promise<void> {
    this.catchUps.stop()
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
    this.catchUps.subscribed(topic, sinceMs)
  }

  /** The topic has no handler left: stop tracking it (what it keeps stays until it ages out). */
  unsubscribed(topic: string): void {
    this.catchUps.unsubscribed(topic)
  }

  /**
   * A live event was accepted on a subscribed topic: keep it and remember it was delivered. False
   * (counted as a duplicate) when a catch-up already delivered it: the caller drops it.
   */
  received(topic: string, message: SignedMessage, event: PubSubEvent): boolean {
    if (!this.catchUps.delivered(topic, event.id)) return false
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
    this.catchUps.published(topic, event.id)
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
    this.catchUps.subscriptionChange(peer, changes)
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
    for (const peer of connectedPeers(this.init.host).keys()) candidates.add(peer)
    const peers = [...candidates].slice(0, this.init.options.catchUpPeers)
    const { entries } = await this.client.collect(
      topic,
      full,
      peers.map((peer): [string, number] => [peer, sinceMs]),
      new Set(byId.keys()),
      signal,
    )
    for (const entry of entries) byId.set(entry.event.id, entry.event)
    return sortByTimestamp([...byId.values()])
      .slice(0, limit)
      .map((event) => Object.freeze(event))
  }

  /**
   * Asks each peer of `batch` for what it holds since its time; keeps and delivers what is new, in
   * order. The peers that answered.
   */
  private async fetchMissed(
    state: TopicCatchUp,
    batch: Array<[string, number]>,
    signal: AbortSignal,
  ): Promise<readonly string[]> {
    const epoch = state.gapEpoch
    const { entries: fetched, answered } = await this.client.collect(
      state.topic,
      state.gossipTopic,
      batch,
      state.seen,
      signal,
    )
    const fresh = new Map<string, VerifiedEntry>()
    for (const entry of fetched) {
      if (state.seen.has(entry.event.id) || fresh.has(entry.event.id)) this.counters.duplicates++
      else fresh.set(entry.event.id, entry)
    }
    if (!this.catchUps.isCurrent(state)) return answered
    if (fresh.size > 0) await this.deliverFresh(state, [...fresh.values()], batch)
    // Answered, and what was new is queued (each replayed event holds the handlers' resume point
    // back until handled): the gap closes if an answer reached back to its start.
    const asked = new Map(batch)
    this.catchUps.filled(
      state,
      epoch,
      Math.min(...answered.map((peer) => asked.get(peer) ?? Number.POSITIVE_INFINITY)),
    )
    return answered
  }

  /** Keeps caught-up events and hands them to the topic's handlers, oldest first, marked replayed. */
  private async deliverFresh(
    state: TopicCatchUp,
    fresh: VerifiedEntry[],
    batch: Array<[string, number]>,
  ): Promise<void> {
    const entries = fresh.sort((a, b) => a.event.timestamp - b.event.timestamp)
    const events: PubSubEvent[] = []
    for (const entry of entries) {
      this.catchUps.markSeen(state, entry.event.id)
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
  }

  /** See `Subscription.resumeFrom`: the start of the topic's unfilled gap, if any. */
  gapSince(topic: string): number | undefined {
    return this.catchUps.gapSince(topic)
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
