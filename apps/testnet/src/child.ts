// One testnet node: a separate OS process started by the CLI with an IPC channel. It joins the
// database through @depin/pubsub's connect(), asks the parent for the registry and bootstrap list,
// publishes and counts what it receives, and serves /metrics and /healthz (connect's metricsServer).

import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { createConsoleLogger } from '@depin/logger'
import { type BootstrapNode, connect, type Database } from '@depin/pubsub'
import type {
  ChildConfig,
  ChildMessage,
  ParentMessage,
  PhaseCommand,
  PhaseCounts,
  TestnetPayload,
} from './protocol.js'

const ASK_TIMEOUT_MS = 5_000
const STATS_INTERVAL_MS = 500

/** Short timings: the testnet shows recovery within seconds, not the production minutes. */
const FAST_TIMINGS = {
  bootstrap: { dialTimeoutMs: 5_000, retryInitialDelayMs: 500, retryIntervalMs: 1_000 },
  rendezvous: { findIntervalMs: 2_000 },
  // A crashed peer's QUIC connection is noticed after the idle timeout (the partition scenario);
  // below ~5 s, busy machines (event loops stalled for seconds) drop healthy connections.
  quic: { maxIdleTimeoutMs: 6_000, keepAliveIntervalMs: 1_500 },
}

function send(message: ChildMessage): void {
  if (process.connected) process.send?.(message)
}

let nextAsk = 0
const pendingAsks = new Map<number, (value: unknown) => void>()

/** Asks the parent (the registry owner); bounded by a timeout and the caller's signal. */
function ask<T>(what: 'wallets' | 'bootstrap', signal: AbortSignal): Promise<T> {
  const id = nextAsk++
  return new Promise<T>((resolve, reject) => {
    const timeout = setTimeout(
      () => done(new Error(`registry (${what}) did not answer in ${ASK_TIMEOUT_MS} ms`)),
      ASK_TIMEOUT_MS,
    )
    const onAbort = (): void => done(signal.reason)
    const done = (error: unknown, value?: unknown): void => {
      clearTimeout(timeout)
      signal.removeEventListener('abort', onAbort)
      pendingAsks.delete(id)
      if (error === undefined) resolve(value as T)
      else reject(error)
    }
    pendingAsks.set(id, (value) => done(undefined, value))
    signal.addEventListener('abort', onAbort, { once: true })
    send({ type: 'ask', id, what })
  })
}

const phases = new Map<number, PhaseCounts>()
const seen = new Map<string, Set<number>>() // `${phase}|${sender}|${topic}` -> seqs
let latencies: Record<number, number[]> = {}
let db: Database | undefined
let topics: string[] = []
let timers: NodeJS.Timeout[] = [] // publishing
let statsTimer: NodeJS.Timeout | undefined
let stopping: Promise<void> | undefined
const deniedPeers: Record<string, number> = {}

function counts(phase: number): PhaseCounts {
  let c = phases.get(phase)
  if (c === undefined) {
    c = { sent: {}, received: {}, duplicates: 0, publishErrors: 0 }
    phases.set(phase, c)
  }
  return c
}

function onEvent(topic: string, fromPeerId: string, message: unknown): void {
  const payload = message as Partial<TestnetPayload> | null
  if (
    payload === null ||
    typeof payload !== 'object' ||
    typeof payload.s !== 'number' ||
    typeof payload.p !== 'number'
  )
    return
  const key = `${payload.p}|${fromPeerId}|${topic}`
  let seqs = seen.get(key)
  if (seqs === undefined) {
    seqs = new Set()
    seen.set(key, seqs)
  }
  const c = counts(payload.p)
  if (seqs.has(payload.s)) {
    c.duplicates++
    return
  }
  seqs.add(payload.s)
  const bySender = c.received[fromPeerId] ?? {}
  c.received[fromPeerId] = bySender
  bySender[topic] = (bySender[topic] ?? 0) + 1
  if (typeof payload.t === 'number') {
    const list = latencies[payload.p] ?? []
    latencies[payload.p] = list
    list.push(Math.max(0, Date.now() - payload.t))
  }
}

function publishing(config: ChildConfig, command: PhaseCommand): void {
  for (const timer of timers) clearInterval(timer)
  timers = []
  if (command.mode === 'quiet' || (command.mode === 'measure' && command.rate <= 0)) return
  const padding = config.size > 0 ? 'x'.repeat(config.size) : undefined
  let next = 0
  const publishOne = (topic: string): void => {
    const c = counts(command.id)
    const s = c.sent[topic] ?? 0
    c.sent[topic] = s + 1 // counted before sending so sequence numbers stay contiguous
    const payload: TestnetPayload = {
      s,
      t: Date.now(),
      p: command.id,
      ...(padding === undefined ? {} : { x: padding }),
    }
    db?.publish(topic, payload).catch(() => {
      c.sent[topic] = (c.sent[topic] ?? 1) - 1
      c.publishErrors++
    })
  }
  if (command.mode === 'probe') {
    // Probe mode: `rate` rounds per second, one event per topic each round.
    timers.push(
      setInterval(() => config.topics.forEach(publishOne), Math.max(50, Math.round(1000 / command.rate))),
    )
  } else {
    timers.push(
      setInterval(
        () => {
          const topic = config.topics[next++ % config.topics.length]
          if (topic !== undefined) publishOne(topic)
        },
        Math.max(1, Math.round(1000 / command.rate)),
      ),
    )
  }
}

function stats(): void {
  if (db === undefined) return
  const m = db.metrics()
  const phasesOut: Record<number, PhaseCounts> = {}
  for (const [id, c] of phases) phasesOut[id] = c
  send({
    type: 'stats',
    ready: db.isReady(),
    peers: db.peers(),
    phases: phasesOut,
    latencies,
    bootstrapAttempts: m.node.bootstrapAttempts,
    bootstrapFailures: m.node.bootstrapFailures,
    retryAttempts: m.node.retryAttempts,
    notReadyTransitions: m.node.notReadyTransitions,
    lastRecoveryMs: m.node.lastRecoveryMs,
    timeToFirstReadyMs: m.node.timeToFirstReadyMs,
    messaging: {
      published: m.messaging.published,
      accepted: m.messaging.accepted,
      delivered: m.messaging.delivered,
      rejectedTotal: m.messaging.rejectedTotal,
    },
    topicPeers: Object.fromEntries(topics.map((topic) => [topic, db?.topicPeers(topic).length ?? 0])),
    connections: m.node.connections,
    linkRepairs: m.node.pubsubLinkRepairs,
    gaterDenied: m.hostGater.deniedTotal,
    deniedPeers,
  })
  latencies = {}
}

/**
 * With DEPIN_TESTNET_LOG_DIR set, each node writes its debug log as JSON lines to
 * `<dir>/node-<index>.log` (to find out why a large testnet misbehaves; DEPIN_TESTNET_LOG_LIBP2P=1
 * adds js-libp2p's own lines); otherwise nodes log nothing.
 */
function nodeLogger(index: number): { logger?: ReturnType<typeof createConsoleLogger> } {
  const dir = process.env.DEPIN_TESTNET_LOG_DIR
  if (dir === undefined || dir === '') return {}
  const stream = createWriteStream(join(dir, `node-${index}.log`), { flags: 'a' })
  return { logger: createConsoleLogger({ level: 'debug', format: 'json', stream, fields: { node: index } }) }
}

async function start(config: ChildConfig): Promise<void> {
  const database = await connect({
    walletPrivateKey: config.secretKey,
    databaseName: config.databaseName,
    getAuthorizedWallets: ({ signal }) => ask<string[]>('wallets', signal),
    getBootstrapNodes: ({ signal }) => ask<BootstrapNode[]>('bootstrap', signal),
    listenHost: '127.0.0.1',
    listenPorts: config.listenPorts,
    refreshIntervalMs: config.refreshIntervalMs,
    node: {
      transports: config.transports,
      ...(config.timings === 'fast' ? FAST_TIMINGS : {}),
      // Every node dials from 127.0.0.1: libp2p's per-host inbound rate (5/s by default) would
      // refuse part of a start batch, as it would for peers behind one NAT (see connectionLimits).
      connectionLimits: { inboundPerHostPerSecond: 1_000 },
      // With DEPIN_TESTNET_LOG_DIR: js-libp2p's own debug lines too (hundreds of MB for 50 nodes).
      libp2pLogs: process.env.DEPIN_TESTNET_LOG_LIBP2P === '1',
    },
    metricsServer: { port: config.metricsPort },
    ...nodeLogger(config.index),
  })
  db = database
  database.addEventListener('peer:denied', (event) => {
    deniedPeers[event.detail.peerId] = (deniedPeers[event.detail.peerId] ?? 0) + 1
  })
  database.addEventListener('ready', (e) => send({ type: 'transition', ready: true, peers: e.detail.peers }))
  database.addEventListener('not-ready', (e) =>
    send({ type: 'transition', ready: false, peers: e.detail.peers }),
  )
  topics = config.topics
  for (const topic of config.topics) {
    await database.subscribe(topic, (event) => onEvent(topic, event.fromPeerId, event.message))
  }
  statsTimer = setInterval(stats, STATS_INTERVAL_MS)
  send({
    type: 'listening',
    peerId: database.peerId,
    wallet: database.wallet,
    multiaddrs: database.multiaddrs(),
    // Always set: connect() was given metricsServer.
    metricsUrl: database.metricsUrl ?? '',
  })
  stats()
}

/** Disconnects cleanly (bounded), then exits. */
function stop(code: number): Promise<void> {
  stopping ??= (async () => {
    for (const timer of timers) clearInterval(timer)
    timers = []
    clearInterval(statsTimer)
    const bounded = new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref())
    await Promise.race([db?.disconnect().catch(() => {}), bounded])
    send({ type: 'stopped' })
    process.disconnect?.()
    process.exit(code)
  })()
  return stopping
}

let config: ChildConfig | undefined
process.on('message', (message: ParentMessage) => {
  switch (message.type) {
    case 'start':
      config = message.config
      start(message.config).catch((err: unknown) => {
        send({ type: 'failed', message: err instanceof Error ? err.message : String(err) })
        void stop(1)
      })
      break
    case 'answer':
      pendingAsks.get(message.id)?.(message.value)
      break
    case 'phase':
      if (config !== undefined) publishing(config, message)
      break
    case 'stop':
      void stop(0)
      break
  }
})
// The parent forwards Ctrl-C as 'stop'; a terminal's SIGINT also reaches us directly: ignore it and
// wait for the parent, unless the parent is gone.
process.on('SIGINT', () => {})
process.on('SIGTERM', () => void stop(0))
process.on('disconnect', () => void stop(0))
