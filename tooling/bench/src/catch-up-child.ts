// The catch-up section's measured processes (forked with --expose-gc, so their CPU and memory are
// their own), driven over IPC by catch-up-bench.ts:
// - `subscriber`: the node S that goes away and comes back. It joins through the publisher, takes a
//   live event, disconnects (`db.disconnect()`), and on `return` connects again with the same wallet
//   and subscribes with `catchUp: { sinceMs: <when it went away> }`; it reports when every missed
//   event was delivered, with its CPU, the history metrics and the memory its node kept.
// - `receiver`: a node that receives `events` events live: the memory its process keeps for them.
// - `store`: a HistoryStore alone, filled with `events` events of the bench's size, for the memory
//   a database's history takes.
import { readFileSync } from 'node:fs'
import { HistoryStore } from '@depin/messaging'
import {
  type BootstrapNode,
  connect,
  type Database,
  type HistoryMetrics,
  type PubSubEvent,
} from '@depin/pubsub'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { RPC } from '@libp2p/gossipsub/message'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { benchPayload } from './catch-up-payload.js'

/** Parent → child. */
export type CatchUpChildCommand =
  | {
      type: 'init'
      kind: 'subscriber'
      secretKeyBase58: string
      authorized: string[]
      bootstrap: BootstrapNode[]
      database: string
      topic: string
    }
  | { type: 'init'; kind: 'store'; events: number; sizeBytes: number }
  | {
      type: 'init'
      kind: 'receiver'
      secretKeyBase58: string
      authorized: string[]
      bootstrap: BootstrapNode[]
      database: string
      topic: string
      /** Events (of `n >= 0`) to receive before measuring. */
      events: number
      /** Wait after the last one, so GossipSub's message cache (5 heartbeats) lets them go. */
      settleMs: number
    }
  | { type: 'base' }
  | { type: 'leave' }
  | { type: 'return'; missed: string[]; sinceMs: number }
  | { type: 'finish'; live: string[]; waitMs: number }

/** What the subscriber's node counted, read when every missed event was in (or at the end). */
export type HistoryCounters = Pick<
  HistoryMetrics,
  | 'bytesReceived'
  | 'bytesSent'
  | 'requestsMade'
  | 'requestsFailed'
  | 'catchUps'
  | 'recovered'
  | 'duplicates'
  | 'rejectedTotal'
  | 'events'
  | 'bytes'
>

/** The subscriber's figures of one return. Times are performance.now() differences, in ms. */
export interface SubscriberReport {
  missed: number
  /** Distinct missed events delivered. */
  missedDelivered: number
  /** Deliveries of a missed event beyond its first. */
  missedExtraDeliveries: number
  /** Missed events delivered without `replayed === true`. */
  missedNotReplayed: number
  live: number
  liveDelivered: number
  liveExtraDeliveries: number
  /** Live events (published after the return) that came by a catch-up, not by GossipSub. */
  liveReplayed: number
  /** Deliveries of events the bench did not publish in this run (none expected). */
  unknownDeliveries: number
  /** connect() call → resolved. */
  connectMs: number
  /** subscribe() call → the first missed event delivered, → the last one (null: not all came). */
  subscribeToFirstMs: number | null
  subscribeToAllMs: number | null
  /** CPU of the process (process.cpuUsage: user + system, all threads) over connect(). */
  connectCpuMs: number
  /** CPU of the process from the subscribe() call to the last missed event delivered. */
  catchUpCpuMs: number | null
  /** The history metrics when the last missed event was delivered (or at the end when it never was). */
  history: HistoryCounters
  /** The history metrics at the end (later catch-ups, e.g. peers that joined after the first, included). */
  historyEnd: HistoryCounters
  /** Peak RSS of the process (VmHWM), MB. */
  peakRssMb: number
  /**
   * Memory the node kept after the catch-up, over what it held before subscribing (each after a full
   * GC): heap, and ArrayBuffers outside the heap (event bytes). `historyEvents`: events its history held.
   */
  retained: { heapBytes: number; arrayBuffersBytes: number; historyEvents: number }
}

/** A HistoryStore with `events` events: what it adds to the process (after a full GC). */
export interface StoreReport {
  events: number
  /** Events the store kept (bounded by count only: all of them). */
  kept: number
  /** Events of this size a store with HISTORY_DEFAULTS' bounds keeps (the byte bound may bind first). */
  keptAtDefaults: number
  /** The JSON bytes of one event (the GossipSub data). */
  eventBytes: number
  /** The store's own estimate (`HistoryStore.bytes`: data + ENTRY_OVERHEAD_BYTES per event). */
  estimateBytes: number
  heapBytes: number
  arrayBuffersBytes: number
  rssBytes: number
  /** (heap + ArrayBuffers) ÷ kept. */
  perEventBytes: number
}

/** A node that received `events` events live: what its process kept (after a full GC). */
export interface ReceiverReport {
  received: number
  /** Events its history held at the end. */
  historyEvents: number
  /** The history's own estimate of them (metrics().messaging.history.bytes). */
  estimateBytes: number
  /** Heap and ArrayBuffers retained, over what the process held just before the events came. */
  heapBytes: number
  arrayBuffersBytes: number
  /** (heap + ArrayBuffers) ÷ historyEvents. */
  perEventBytes: number
}

/** Child → parent. */
export type CatchUpChildMessage =
  | { type: 'ready'; peerId: string }
  | { type: 'based' }
  | { type: 'receiver'; report: ReceiverReport }
  | { type: 'warm' }
  | { type: 'away'; awayAtMs: number }
  | { type: 'caught-up' }
  | { type: 'done'; report: SubscriberReport }
  | { type: 'store'; report: StoreReport }
  | { type: 'error'; error: string }

const send = (msg: CatchUpChildMessage): void => {
  process.send?.(msg)
}

const cpuMsOf = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000

/** Heap in use and ArrayBuffer bytes after a full collection (the child runs with --expose-gc). */
function retainedMemory(): { heap: number; arrayBuffers: number; rss: number } {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('the catch-up child needs --expose-gc')
  gc()
  gc()
  const m = process.memoryUsage()
  return { heap: m.heapUsed, arrayBuffers: m.arrayBuffers, rss: m.rss }
}

function peakRssMb(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8')
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024
  } catch {
    return Number.NaN
  }
}

async function storeMemory(events: number, sizeBytes: number): Promise<StoreReport> {
  const key = await generateKeyPair('Ed25519')
  const author = peerIdFromPrivateKey(key)
  const from = author.toMultihash().bytes
  const encoder = new TextEncoder()
  const before = retainedMemory()
  // Bounded by count only, so that it holds all `events`; `atDefaults` (filled after the measurement,
  // sharing the frames) has HISTORY_DEFAULTS' bounds (10,000 events, 16 MiB, 10 minutes): how many
  // of them a database keeps.
  const store = new HistoryStore({
    maxEvents: events,
    maxBytes: Number.MAX_SAFE_INTEGER,
    maxAgeMs: 10 * 60_000,
  })
  let eventBytes = 0
  for (let n = 0; n < events; n++) {
    const id = crypto.randomUUID()
    const timestamp = Math.floor(Date.now() / 1000)
    // As @depin/messaging's encodeEvent writes it (same keys, same order).
    const data = encoder.encode(
      JSON.stringify({ id, from_peer: author.toString(), message: benchPayload(n, sizeBytes), timestamp }),
    )
    eventBytes = data.byteLength
    const signature = new Uint8Array(64)
    crypto.getRandomValues(signature)
    const seqno = new Uint8Array(8)
    new DataView(seqno.buffer).setBigUint64(0, BigInt(n))
    // As a received event is kept: one buffer, the signed message it is served as.
    const frame = RPC.Message.encode({ from, data, seqno, topic: 'catch-up_bench', signature })
    store.record({ topic: 'bench', id, timestamp, frame, unsigned: undefined, dataBytes: data.byteLength })
  }
  const after = retainedMemory()
  const atDefaults = new HistoryStore({
    maxEvents: 10_000,
    maxBytes: 16 * 1024 * 1024,
    maxAgeMs: 10 * 60_000,
  })
  for (const e of store.page('bench', { sinceMs: 0, limit: events }).entries)
    atDefaults.record({
      topic: 'bench',
      id: e.id,
      timestamp: e.timestamp,
      frame: e.frame,
      unsigned: e.unsigned,
      dataBytes: e.dataBytes,
    })
  const heapBytes = after.heap - before.heap
  const arrayBuffersBytes = after.arrayBuffers - before.arrayBuffers
  const report: StoreReport = {
    events,
    kept: store.size,
    eventBytes,
    estimateBytes: store.bytes,
    keptAtDefaults: atDefaults.size,
    heapBytes,
    arrayBuffersBytes,
    rssBytes: after.rss - before.rss,
    perEventBytes: (heapBytes + arrayBuffersBytes) / Math.max(1, store.size),
  }
  return report
}

/** A child node's connect() config: its wallet, the run's registry and bootstrap list, QUIC on loopback. */
function nodeConfig(init: {
  secretKeyBase58: string
  database: string
  authorized: string[]
  bootstrap: BootstrapNode[]
}) {
  return {
    walletPrivateKey: init.secretKeyBase58,
    databaseName: init.database,
    getAuthorizedWallets: async () => init.authorized,
    getBootstrapNodes: async () => init.bootstrap,
    listenHost: '127.0.0.1',
    listenPorts: { quic: 0, tcp: 0 },
    node: { transports: { quic: true as const, tcp: false as const } },
  }
}

/** The subscriber S: lives through ready → warm → away → return → done, one command at a time. */
function subscriber(init: Extract<CatchUpChildCommand, { kind: 'subscriber' }>): void {
  const config = nodeConfig(init)
  let db: Database | undefined
  let awayAtMs = 0
  // The return's bookkeeping.
  let missed = new Set<string>()
  let live = new Set<string>()
  const deliveries = new Map<string, number>()
  const replayed = new Set<string>()
  let missedDelivered = 0
  let t0 = 0
  let cpu0: NodeJS.CpuUsage = process.cpuUsage()
  let firstAt: number | null = null
  let allAt: number | null = null
  let allCpu: number | null = null
  let allHistory: HistoryCounters | undefined
  let connectMs = 0
  let connectCpuMs = 0
  let base = { heap: 0, arrayBuffers: 0, rss: 0 }

  const counters = (): HistoryCounters => {
    const h = (db as Database).metrics().messaging.history
    return {
      bytesReceived: h.bytesReceived,
      bytesSent: h.bytesSent,
      requestsMade: h.requestsMade,
      requestsFailed: h.requestsFailed,
      catchUps: h.catchUps,
      recovered: h.recovered,
      duplicates: h.duplicates,
      rejectedTotal: h.rejectedTotal,
      events: h.events,
      bytes: h.bytes,
    }
  }

  const onReturnEvent = (event: PubSubEvent): void => {
    const seen = (deliveries.get(event.id) ?? 0) + 1
    deliveries.set(event.id, seen)
    if (event.replayed === true) replayed.add(event.id)
    if (seen === 1 && missed.has(event.id)) {
      missedDelivered++
      firstAt ??= performance.now()
      if (missedDelivered === missed.size) {
        allAt = performance.now()
        allCpu = cpuMsOf(process.cpuUsage(cpu0))
        allHistory = counters()
        send({ type: 'caught-up' })
      }
    }
  }

  process.on('message', async (cmd: CatchUpChildCommand) => {
    try {
      if (cmd.type === 'leave') {
        awayAtMs = Date.now()
        await db?.disconnect()
        db = undefined
        send({ type: 'away', awayAtMs })
      } else if (cmd.type === 'return') {
        missed = new Set(cmd.missed)
        const c0 = process.cpuUsage()
        const start = performance.now()
        db = await connect(config)
        connectMs = performance.now() - start
        connectCpuMs = cpuMsOf(process.cpuUsage(c0))
        base = retainedMemory()
        cpu0 = process.cpuUsage()
        t0 = performance.now()
        await db.subscribe(init.topic, onReturnEvent, { catchUp: { sinceMs: cmd.sinceMs } })
        if (missed.size === 0) {
          allAt = t0
          allCpu = 0
          allHistory = counters()
          send({ type: 'caught-up' })
        }
      } else if (cmd.type === 'finish') {
        live = new Set(cmd.live)
        const delivered = (set: Set<string>): number => [...set].filter((id) => deliveries.has(id)).length
        const until = performance.now() + cmd.waitMs
        while (delivered(live) < live.size && performance.now() < until)
          await new Promise((resolve) => setTimeout(resolve, 50))
        // Time for late duplicates (a live copy after a replayed one, or the reverse) to show.
        await new Promise((resolve) => setTimeout(resolve, 500))
        const extra = (set: Set<string>): number =>
          [...set].reduce((sum, id) => sum + Math.max(0, (deliveries.get(id) ?? 0) - 1), 0)
        const after = retainedMemory()
        const history = counters()
        const report: SubscriberReport = {
          missed: missed.size,
          missedDelivered,
          missedExtraDeliveries: extra(missed),
          missedNotReplayed: [...missed].filter((id) => deliveries.has(id) && !replayed.has(id)).length,
          live: live.size,
          liveDelivered: delivered(live),
          liveExtraDeliveries: extra(live),
          liveReplayed: [...live].filter((id) => replayed.has(id)).length,
          unknownDeliveries: [...deliveries.keys()].filter((id) => !missed.has(id) && !live.has(id)).length,
          connectMs,
          subscribeToFirstMs: firstAt === null ? null : firstAt - t0,
          subscribeToAllMs: allAt === null ? null : allAt - t0,
          connectCpuMs,
          catchUpCpuMs: allCpu,
          history: allHistory ?? history,
          historyEnd: history,
          peakRssMb: peakRssMb(),
          retained: {
            heapBytes: after.heap - base.heap,
            arrayBuffersBytes: after.arrayBuffers - base.arrayBuffers,
            historyEvents: history.events,
          },
        }
        await db?.disconnect()
        process.send?.({ type: 'done', report } satisfies CatchUpChildMessage, () => process.exit(0))
      }
    } catch (err) {
      send({ type: 'error', error: (err as Error).stack ?? String(err) })
    }
  })

  void (async () => {
    try {
      db = await connect(config)
      let warm = false
      await db.subscribe(init.topic, () => {
        if (warm) return
        warm = true
        send({ type: 'warm' })
      })
      await db.waitForTopicPeers(init.topic, { min: 1, timeoutMs: 30_000 })
      send({ type: 'ready', peerId: db.peerId })
    } catch (err) {
      send({ type: 'error', error: (err as Error).stack ?? String(err) })
    }
  })()
}

/**
 * A node that only receives: `events` events live from the parent's P, then (once GossipSub's caches
 * let them go) the memory its process kept for them: the history as a node really holds it.
 */
function receiver(init: Extract<CatchUpChildCommand, { kind: 'receiver' }>): void {
  let db: Database | undefined
  let received = 0
  let base = { heap: 0, arrayBuffers: 0, rss: 0 }
  let warm = false
  const finish = async (): Promise<void> => {
    await new Promise((resolve) => setTimeout(resolve, init.settleMs))
    const after = retainedMemory()
    const h = (db as Database).metrics().messaging.history
    const heapBytes = after.heap - base.heap
    const arrayBuffersBytes = after.arrayBuffers - base.arrayBuffers
    const report: ReceiverReport = {
      received,
      historyEvents: h.events,
      estimateBytes: h.bytes,
      heapBytes,
      arrayBuffersBytes,
      perEventBytes: (heapBytes + arrayBuffersBytes) / Math.max(1, h.events),
    }
    await db?.disconnect()
    process.send?.({ type: 'receiver', report } satisfies CatchUpChildMessage, () => process.exit(0))
  }
  process.on('message', (cmd: CatchUpChildCommand) => {
    if (cmd.type !== 'base') return
    base = retainedMemory()
    send({ type: 'based' })
  })
  void (async () => {
    try {
      db = await connect({
        ...nodeConfig(init),
        // Every event of the run kept (the byte bound would stop short of 10,000 events of 1 KiB).
        history: { maxEvents: init.events, maxBytes: 1024 * 1024 * 1024 },
      })
      await db.subscribe(init.topic, (event: PubSubEvent) => {
        const n = (event.message as { n?: number }).n ?? -1
        if (n < 0) {
          if (!warm) send({ type: 'warm' })
          warm = true
          return
        }
        if (++received === init.events) void finish()
      })
      await db.waitForTopicPeers(init.topic, { min: 1, timeoutMs: 30_000 })
      send({ type: 'ready', peerId: db.peerId })
    } catch (err) {
      send({ type: 'error', error: (err as Error).stack ?? String(err) })
    }
  })()
}

process.once('message', async (cmd: CatchUpChildCommand) => {
  if (cmd.type !== 'init') return
  if (cmd.kind === 'store') {
    try {
      const report = await storeMemory(cmd.events, cmd.sizeBytes)
      process.send?.({ type: 'store', report } satisfies CatchUpChildMessage, () => process.exit(0))
    } catch (err) {
      process.send?.({ type: 'error', error: (err as Error).stack ?? String(err) }, () => process.exit(1))
    }
    return
  }
  if (cmd.kind === 'receiver') receiver(cmd)
  else subscriber(cmd)
})
