import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { NODE_PROCESS_FLAGS } from '@depin/infrastructure'
import { type BootstrapNode, connect, type Database } from '@depin/pubsub'
import { type GeneratedWallet, generateWallets } from '@depin/test-utils'
import { spawnNodeProcess } from '@depin/test-utils/node-process'
import type {
  CatchUpChildCommand,
  CatchUpChildMessage,
  ReceiverReport,
  StoreReport,
  SubscriberReport,
} from './catch-up-child.js'
import { benchPayload } from './catch-up-payload.js'
import { sleep } from './stats.js'

/**
 * One return of the subscriber S, as the issue (#17) asks: S away while the publisher P publishes,
 * then back.
 * - `quiet`: P and S; P publishes only while S is away (the catch-up alone: its time, bytes, CPU).
 * - `live`: P and S; P goes on publishing at the same rate through S's return (catch-up and live
 *   delivery meet: every event still once).
 * - `three-holders`: P and two more subscribed nodes that hold the history too (S knows all three
 *   as bootstrap nodes and asks up to `catchUpPeers`, 3); P publishes only while S is away.
 */
export type CatchUpScenario = 'quiet' | 'live' | 'three-holders'

export const CATCH_UP_SCENARIOS: readonly CatchUpScenario[] = ['quiet', 'live', 'three-holders']

/** The figures of one return. */
export interface CatchUpRun {
  scenario: CatchUpScenario
  /** Nodes holding the history S asks (P and the other subscribed nodes). */
  holders: number
  /** Events per second P published while S was away (and, `live`, after its return). */
  rate: number
  /** S's disconnect → the return command (ms, measured). */
  awayMs: number
  /** Bytes of one event as published (its JSON: id, from_peer, message, timestamp). */
  eventBytes: number
  /** Events published while S was away, and the figures S measured of its return. */
  subscriber: SubscriberReport
  /** Of the missed events, how many each other holder had received live (they serve from that). */
  holdersHeld: number[]
  /** connect() call → last missed event delivered (connect, then subscribe → all; ms). */
  returnToAllMs: number | null
  /** Missed events delivered per second, subscribe() → last missed. */
  recoveredPerSecond: number | null
  /** History bytes S received ÷ the missed events' own bytes. */
  bytesReceivedPerEventByte: number
  /** CPU of S per recovered event (µs), subscribe() → last missed. */
  cpuPerEventUs: number | null
  /**
   * CPU of the bench's own process (P, the other holders, the harness) from the return command to
   * S reporting every missed event delivered; in `live` it includes P's publishing.
   */
  holdersCpuMs: number
  /** History bytes the holders sent over the same window (their metrics, summed). */
  holdersBytesSent: number
  /** Every missed event delivered once and marked replayed; every live one once. */
  complete: boolean
}

export interface CatchUpFigures {
  awayMs: number
  rate: number
  sizeBytes: number
  runs: CatchUpRun[]
  /** A HistoryStore holding `storeEvents` events of the same size (its own process, --expose-gc). */
  store?: StoreReport
  /** A node (its own process, --expose-gc) that received `storeEvents` such events live from P. */
  receiver?: ReceiverReport & { rate: number }
}

export interface CatchUpOptions {
  /** How long S is away (P publishes `rate` events a second meanwhile). */
  awayMs: number
  rate: number
  /** Payload bytes of each event (`{ n, p: 'x'.repeat(size) }`). */
  sizeBytes: number
  scenarios: readonly CatchUpScenario[]
  /** Events in the store whose memory is measured (0: not measured). */
  storeEvents: number
  log?: (line: string) => void
}

const TOPIC = 'bench'
/** Events per second P sends the receiving node whose history memory is measured. */
const RECEIVER_RATE = 250
/** GossipSub keeps a message 5 heartbeats (1 s each) in its cache: measure after that. */
const RECEIVER_SETTLE_MS = 7_000
const DATABASE = 'catch-up'
const STEP_TIMEOUT_MS = 30_000

function childScript(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  // From the built CLI (dist/) the child sits beside it; from the sources (vitest) use the build.
  return here.endsWith('src')
    ? join(here, '..', 'dist', 'catch-up-child.js')
    : join(here, 'catch-up-child.js')
}

/** A forked child and the messages it sent, awaited by type. */
interface Child {
  send(cmd: CatchUpChildCommand): void
  /** The first message of this type (already come or coming); rejects on an `error` message, exit or timeout. */
  next<T extends CatchUpChildMessage['type']>(
    type: T,
    timeoutMs: number,
  ): Promise<Extract<CatchUpChildMessage, { type: T }>>
  /** Whether a message of this type came. */
  has(type: CatchUpChildMessage['type']): boolean
  kill(): void
}

function forkChild(): Child {
  const proc = spawnNodeProcess<CatchUpChildCommand, CatchUpChildMessage>({
    script: childScript(),
    stderr: 'inherit',
    // A full GC before and after tells retained memory from garbage not yet collected; the node's
    // production flags as the testnet and the vs-go section run them.
    execArgv: [...process.execArgv, ...NODE_PROCESS_FLAGS, '--expose-gc'],
    history: true,
  })
  return {
    send: (cmd) => proc.send(cmd),
    has: (type) => proc.messages.some((m) => m.type === type),
    next: (type, timeoutMs) =>
      proc.next((m): m is Extract<CatchUpChildMessage, { type: typeof type }> => m.type === type, {
        timeoutMs,
        what: `catch-up child: ${type}`,
        failed: (m) => (m.type === 'error' ? m.error : undefined),
      }),
    kill: () => void proc.kill(),
  }
}

/** The QUIC bootstrap entry of a node on 127.0.0.1. */
function quicEntry(db: Database, wallet: string): BootstrapNode {
  const port = db
    .multiaddrs()
    .map((a) => /^\/ip4\/127\.0\.0\.1\/udp\/(\d+)\/quic-v1\//.exec(a)?.[1])
    .find((p) => p !== undefined)
  if (port === undefined) throw new Error(`no QUIC address on 127.0.0.1 among ${db.multiaddrs().join(', ')}`)
  return { publicKey: wallet, ip: '127.0.0.1', quicPort: Number(port) }
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(20)
  }
}

/** A node of the bench's own process: QUIC only on 127.0.0.1, production timings. */
function nodeConfig(wallet: GeneratedWallet, authorized: string[], bootstrap: BootstrapNode[]) {
  return {
    walletPrivateKey: wallet.secretKeyBase58,
    databaseName: DATABASE,
    getAuthorizedWallets: async () => authorized,
    getBootstrapNodes: async () => bootstrap,
    listenHost: '127.0.0.1',
    listenPorts: { quic: 0, tcp: 0 },
    node: { transports: { quic: true, tcp: false } },
  }
}

const bytesSent = (dbs: Database[]): number =>
  dbs.reduce((sum, db) => sum + db.metrics().messaging.history.bytesSent, 0)

async function runOnce(scenario: CatchUpScenario, o: CatchUpOptions): Promise<CatchUpRun> {
  const log = o.log ?? (() => {})
  const holders = scenario === 'three-holders' ? 3 : 1
  const live = scenario === 'live'
  const wallets = generateWallets(holders + 1)
  const [pw, ...rest] = wallets as [GeneratedWallet, ...GeneratedWallet[]]
  const sw = rest.pop() as GeneratedWallet
  const authorized = wallets.map((w) => w.wallet)
  const nodes: Database[] = []
  let child: Child | undefined
  try {
    const p = await connect(nodeConfig(pw, authorized, []))
    nodes.push(p)
    await p.subscribe(TOPIC, () => {})
    const pEntry = quicEntry(p, pw.wallet)
    // The other holders: subscribed, so they receive (and keep) what P publishes while S is away.
    const held: Array<Set<string>> = []
    const entries = [pEntry]
    for (const w of rest) {
      const db = await connect(nodeConfig(w, authorized, [pEntry]))
      nodes.push(db)
      const ids = new Set<string>()
      held.push(ids)
      await db.subscribe(TOPIC, (event) => {
        ids.add(event.id)
      })
      await db.waitForTopicPeers(TOPIC, { min: 1, timeoutMs: STEP_TIMEOUT_MS })
      entries.push(quicEntry(db, w.wallet))
    }

    child = forkChild()
    child.send({
      type: 'init',
      kind: 'subscriber',
      secretKeyBase58: sw.secretKeyBase58,
      authorized,
      bootstrap: entries,
      database: DATABASE,
      topic: TOPIC,
    })
    const { peerId: sPeer } = await child.next('ready', STEP_TIMEOUT_MS)
    // Warm up: live events until S and every other holder take them (the meshes have formed).
    const warmUntil = performance.now() + STEP_TIMEOUT_MS
    while (!(child.has('warm') && held.every((ids) => ids.size > 0))) {
      if (performance.now() > warmUntil) throw new Error('the subscriber took no live event within 30 s')
      const warmUp = await p.publish(TOPIC, benchPayload(-1, o.sizeBytes))
      for (const ids of held) ids.delete(warmUp.id)
      await sleep(100)
    }
    await child.next('warm', STEP_TIMEOUT_MS)
    await sleep(1_000)
    for (const ids of held) ids.clear()

    // Away: S disconnects; P publishes `rate` events a second for `awayMs`.
    child.send({ type: 'leave' })
    const { awayAtMs } = await child.next('away', STEP_TIMEOUT_MS)
    await until(() => !p.topicPeers(TOPIC).includes(sPeer), 15_000, 'the publisher to see S gone')
    const count = Math.round((o.rate * o.awayMs) / 1000)
    log(`catch-up ${scenario}: S away ${o.awayMs} ms; P publishes ${count} events of ${o.sizeBytes} B`)
    const missed: string[] = []
    let eventBytes = 0
    const started = performance.now()
    for (let n = 0; n < count; n++) {
      const wait = started + (n * 1000) / o.rate - performance.now()
      if (wait > 1) await sleep(wait)
      const event = await p.publish(TOPIC, benchPayload(n, o.sizeBytes))
      missed.push(event.id)
      eventBytes = Buffer.byteLength(
        JSON.stringify({
          id: event.id,
          from_peer: event.fromPeerId,
          message: event.message,
          timestamp: event.timestamp,
        }),
      )
    }
    const left = started + o.awayMs - performance.now()
    if (left > 0) await sleep(left)
    // The other holders serve what they received live: let the last events reach them.
    await until(
      () => held.every((ids) => ids.size >= missed.length),
      10_000,
      'the holders to hold every event',
    ).catch(() => undefined)
    const holdersHeld = held.map((ids) => missed.filter((id) => ids.has(id)).length)

    // Back: S connects again with the same wallet and subscribes with catchUp since it left.
    const sent0 = bytesSent(nodes)
    const cpu0 = process.cpuUsage()
    const awayMs = Date.now() - awayAtMs
    child.send({ type: 'return', missed, sinceMs: awayAtMs })
    const liveIds: string[] = []
    let stopLive = !live
    const publishing = (async () => {
      const liveStart = performance.now()
      for (let n = 0; !stopLive; n++) {
        const wait = liveStart + (n * 1000) / o.rate - performance.now()
        if (wait > 1) await sleep(wait)
        if (stopLive) break
        liveIds.push((await p.publish(TOPIC, benchPayload(count + n, o.sizeBytes))).id)
      }
    })()
    let caughtUp = true
    await child.next('caught-up', STEP_TIMEOUT_MS + 10 * count).catch((err: Error) => {
      caughtUp = false
      log(`catch-up ${scenario}: ${err.message}`)
    })
    const cpu = process.cpuUsage(cpu0)
    const holdersBytesSent = bytesSent(nodes) - sent0
    // Live: a little more traffic after the catch-up, then every live event must have come once.
    if (live && caughtUp) await sleep(2_000)
    stopLive = true
    await publishing
    child.send({ type: 'finish', live: liveIds, waitMs: 10_000 })
    const { report: s } = await child.next('done', STEP_TIMEOUT_MS)
    const missedBytes = s.missed * eventBytes
    const complete =
      s.missedDelivered === s.missed &&
      s.missedExtraDeliveries === 0 &&
      s.missedNotReplayed === 0 &&
      s.liveDelivered === s.live &&
      s.liveExtraDeliveries === 0 &&
      s.unknownDeliveries === 0
    const run: CatchUpRun = {
      scenario,
      holders,
      rate: o.rate,
      awayMs,
      eventBytes,
      subscriber: s,
      holdersHeld,
      returnToAllMs: s.subscribeToAllMs === null ? null : s.connectMs + s.subscribeToAllMs,
      recoveredPerSecond:
        s.subscribeToAllMs === null || s.subscribeToAllMs === 0
          ? null
          : (s.missed * 1000) / s.subscribeToAllMs,
      bytesReceivedPerEventByte: missedBytes === 0 ? Number.NaN : s.history.bytesReceived / missedBytes,
      cpuPerEventUs: s.catchUpCpuMs === null || s.missed === 0 ? null : (s.catchUpCpuMs * 1000) / s.missed,
      holdersCpuMs: (cpu.user + cpu.system) / 1000,
      holdersBytesSent,
      complete,
    }
    log(
      `catch-up ${scenario}: ${s.missedDelivered}/${s.missed} missed delivered (${s.missedExtraDeliveries} extra), ` +
        `subscribe → all ${s.subscribeToAllMs?.toFixed(0) ?? '–'} ms, ${(s.history.bytesReceived / 1024 / 1024).toFixed(2)} MiB received, ` +
        `S CPU ${s.catchUpCpuMs?.toFixed(0) ?? '–'} ms; live ${s.liveDelivered}/${s.live}`,
    )
    return run
  } finally {
    child?.kill()
    await Promise.allSettled(nodes.map((db) => db.disconnect()))
  }
}

/** A HistoryStore alone with `events` events of `sizeBytes`, in a fresh process with --expose-gc. */
async function measureStore(events: number, sizeBytes: number): Promise<StoreReport> {
  const child = forkChild()
  try {
    child.send({ type: 'init', kind: 'store', events, sizeBytes })
    return (await child.next('store', 120_000)).report
  } finally {
    child.kill()
  }
}

/**
 * A node in its own process receiving `events` events live from P (here), at RECEIVER_RATE: the
 * memory its process keeps for them once GossipSub let them go (its history, as a node holds it).
 */
async function measureReceiver(events: number, sizeBytes: number, log: (line: string) => void) {
  const [pw, rw] = generateWallets(2) as [GeneratedWallet, GeneratedWallet]
  const authorized = [pw.wallet, rw.wallet]
  let p: Database | undefined
  const child = forkChild()
  try {
    p = await connect(nodeConfig(pw, authorized, []))
    await p.subscribe(TOPIC, () => {})
    child.send({
      type: 'init',
      kind: 'receiver',
      secretKeyBase58: rw.secretKeyBase58,
      authorized,
      bootstrap: [quicEntry(p, pw.wallet)],
      database: DATABASE,
      topic: TOPIC,
      events,
      settleMs: RECEIVER_SETTLE_MS,
    })
    await child.next('ready', STEP_TIMEOUT_MS)
    const warmUntil = performance.now() + STEP_TIMEOUT_MS
    while (!child.has('warm')) {
      if (performance.now() > warmUntil) throw new Error('the receiver took no live event within 30 s')
      await p.publish(TOPIC, benchPayload(-1, sizeBytes))
      await sleep(100)
    }
    await sleep(1_000)
    child.send({ type: 'base' })
    await child.next('based', STEP_TIMEOUT_MS)
    log(`catch-up: a node receives ${events} events live at ${RECEIVER_RATE}/s (history memory)`)
    const started = performance.now()
    for (let n = 0; n < events; n++) {
      const wait = started + (n * 1000) / RECEIVER_RATE - performance.now()
      if (wait > 1) await sleep(wait)
      await p.publish(TOPIC, benchPayload(n, sizeBytes))
    }
    const { report } = await child.next('receiver', STEP_TIMEOUT_MS + RECEIVER_SETTLE_MS)
    return { ...report, rate: RECEIVER_RATE }
  } finally {
    child.kill()
    await p?.disconnect()
  }
}

/**
 * The catch-up section: each scenario once (each with new wallets and nodes), then the memory of a
 * HistoryStore of `storeEvents` events. P (and the other holders) run in this process; S is a child
 * process, so its CPU and memory are its own.
 */
export async function runCatchUpBench(o: CatchUpOptions): Promise<CatchUpFigures> {
  const runs: CatchUpRun[] = []
  for (const scenario of o.scenarios) runs.push(await runOnce(scenario, o))
  const figures: CatchUpFigures = { awayMs: o.awayMs, rate: o.rate, sizeBytes: o.sizeBytes, runs }
  if (o.storeEvents > 0) {
    figures.receiver = await measureReceiver(o.storeEvents, o.sizeBytes, o.log ?? (() => {}))
    o.log?.(
      `catch-up: a node that received ${figures.receiver.received} events live keeps ${(figures.receiver.perEventBytes / 1024).toFixed(2)} KiB per history event (heap + ArrayBuffers)`,
    )
    figures.store = await measureStore(o.storeEvents, o.sizeBytes)
    o.log?.(
      `catch-up: a HistoryStore of ${figures.store.kept} events of ${figures.store.eventBytes} B: ` +
        `${((figures.store.heapBytes + figures.store.arrayBuffersBytes) / 1024 / 1024).toFixed(1)} MiB (heap + ArrayBuffers)`,
    )
  }
  return figures
}
