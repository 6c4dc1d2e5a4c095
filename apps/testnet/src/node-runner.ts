// One testnet node, wherever it runs: alone in a process (child.ts) or beside others in a worker
// thread (host.ts). It joins the database through @depin/pubsub's connect(), asks the parent for the
// registry and bootstrap list, publishes and counts what it receives, and serves /metrics and
// /healthz (connect's metricsServer). It talks to the parent only through `send` and `handle`.

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
/** Disconnecting is bounded: a node that cannot say goodbye in time is dropped anyway. */
const DISCONNECT_TIMEOUT_MS = 5_000

/** Short timings: the testnet shows recovery within seconds, not the production minutes. */
const FAST_TIMINGS = {
  bootstrap: { dialTimeoutMs: 5_000, retryInitialDelayMs: 500, retryIntervalMs: 1_000 },
  rendezvous: { findIntervalMs: 2_000 },
  // A crashed peer's QUIC connection is noticed after the idle timeout (the partition scenario);
  // below ~5 s, busy machines (event loops stalled for seconds) drop healthy connections.
  quic: { maxIdleTimeoutMs: 6_000, keepAliveIntervalMs: 1_500 },
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

export interface NodeRunnerInit {
  send(message: ChildMessage): void
  /** Called once the node has stopped (code 0) or failed to start (code 1). */
  onExit(code: number): void
}

/** One node's state and its answers to the parent's messages. */
export class NodeRunner {
  private readonly phases = new Map<number, PhaseCounts>()
  private readonly seen = new Map<string, Set<number>>() // `${phase}|${sender}|${topic}` -> seqs
  private latencies: Record<number, number[]> = {}
  private readonly changedPhases = new Set<number>()
  private db: Database | undefined
  private config: ChildConfig | undefined
  private publishTimers: NodeJS.Timeout[] = []
  private statsTimer: NodeJS.Timeout | undefined
  private stopping: Promise<void> | undefined
  private readonly deniedPeers: Record<string, number> = {}
  private nextAsk = 0
  private readonly pendingAsks = new Map<number, (value: unknown) => void>()

  constructor(private readonly init: NodeRunnerInit) {}

  handle(message: ParentMessage): void {
    switch (message.type) {
      case 'start':
        this.config = message.config
        this.start(message.config).catch((err: unknown) => {
          this.init.send({ type: 'failed', message: err instanceof Error ? err.message : String(err) })
          void this.stop(1)
        })
        break
      case 'answer':
        this.pendingAsks.get(message.id)?.(message.value)
        break
      case 'phase':
        if (this.config !== undefined) this.publishing(this.config, message)
        break
      case 'stop':
        void this.stop(0)
        break
    }
  }

  /** Disconnects cleanly (bounded), then reports `stopped` and exits with `code`. */
  stop(code: number): Promise<void> {
    this.stopping ??= (async () => {
      for (const timer of this.publishTimers) clearInterval(timer)
      this.publishTimers = []
      clearInterval(this.statsTimer)
      const bounded = new Promise<void>((resolve) => setTimeout(resolve, DISCONNECT_TIMEOUT_MS).unref())
      await Promise.race([this.db?.disconnect().catch(() => {}), bounded])
      this.init.send({ type: 'stopped' })
      this.init.onExit(code)
    })()
    return this.stopping
  }

  /** Asks the parent (the registry owner); bounded by a timeout and the caller's signal. */
  private ask<T>(what: 'wallets' | 'bootstrap', signal: AbortSignal): Promise<T> {
    const id = this.nextAsk++
    return new Promise<T>((resolve, reject) => {
      const timeout = setTimeout(
        () => done(new Error(`registry (${what}) did not answer in ${ASK_TIMEOUT_MS} ms`)),
        ASK_TIMEOUT_MS,
      )
      const onAbort = (): void => done(signal.reason)
      const done = (error: unknown, value?: unknown): void => {
        clearTimeout(timeout)
        signal.removeEventListener('abort', onAbort)
        this.pendingAsks.delete(id)
        if (error === undefined) resolve(value as T)
        else reject(error)
      }
      this.pendingAsks.set(id, (value) => done(undefined, value))
      signal.addEventListener('abort', onAbort, { once: true })
      this.init.send({ type: 'ask', id, what })
    })
  }

  /** Counts of `phase`, marked to be reported (every caller changes them). */
  private counts(phase: number): PhaseCounts {
    this.changedPhases.add(phase)
    let c = this.phases.get(phase)
    if (c === undefined) {
      c = { sent: {}, received: {}, duplicates: 0, publishErrors: 0 }
      this.phases.set(phase, c)
    }
    return c
  }

  private onEvent(topic: string, fromPeerId: string, message: unknown): void {
    const payload = message as Partial<TestnetPayload> | null
    if (
      payload === null ||
      typeof payload !== 'object' ||
      typeof payload.s !== 'number' ||
      typeof payload.p !== 'number'
    )
      return
    const key = `${payload.p}|${fromPeerId}|${topic}`
    let seqs = this.seen.get(key)
    if (seqs === undefined) {
      seqs = new Set()
      this.seen.set(key, seqs)
    }
    const c = this.counts(payload.p)
    if (seqs.has(payload.s)) {
      c.duplicates++
      return
    }
    seqs.add(payload.s)
    const bySender = c.received[fromPeerId] ?? {}
    c.received[fromPeerId] = bySender
    bySender[topic] = (bySender[topic] ?? 0) + 1
    if (typeof payload.t === 'number') {
      const list = this.latencies[payload.p] ?? []
      this.latencies[payload.p] = list
      list.push(Math.max(0, Date.now() - payload.t))
    }
  }

  private publishing(config: ChildConfig, command: PhaseCommand): void {
    for (const timer of this.publishTimers) clearInterval(timer)
    this.publishTimers = []
    if (command.mode === 'quiet' || (command.mode === 'measure' && command.rate <= 0)) return
    const padding = config.size > 0 ? 'x'.repeat(config.size) : undefined
    let next = 0
    const publishOne = (topic: string): void => {
      const c = this.counts(command.id)
      const s = c.sent[topic] ?? 0
      c.sent[topic] = s + 1 // counted before sending so sequence numbers stay contiguous
      const payload: TestnetPayload = {
        s,
        t: Date.now(),
        p: command.id,
        ...(padding === undefined ? {} : { x: padding }),
      }
      this.db?.publish(topic, payload).catch(() => {
        c.sent[topic] = (c.sent[topic] ?? 1) - 1
        c.publishErrors++
        this.changedPhases.add(command.id)
      })
    }
    // The first event at a random point of the first interval: nodes that share a thread (or a
    // machine) do not all publish in the same millisecond.
    const every = (ms: number, fn: () => void): void => {
      const first = setTimeout(() => {
        fn()
        this.publishTimers.push(setInterval(fn, ms))
      }, Math.random() * ms)
      this.publishTimers.push(first)
    }
    if (command.mode === 'probe') {
      // Probe mode: `rate` rounds per second, one event per topic each round.
      every(Math.max(50, Math.round(1000 / command.rate)), () => config.topics.forEach(publishOne))
    } else {
      every(Math.max(1, Math.round(1000 / command.rate)), () => {
        const topic = config.topics[next++ % config.topics.length]
        if (topic !== undefined) publishOne(topic)
      })
    }
  }

  private stats(): void {
    const db = this.db
    if (db === undefined) return
    const m = db.metrics()
    // Only the phases whose counts changed since the last report: the parent keeps the rest, and at
    // a thousand nodes resending every phase's per-sender counts is megabytes a second.
    const phasesOut: Record<number, PhaseCounts> = {}
    for (const id of this.changedPhases) {
      const c = this.phases.get(id)
      if (c !== undefined) phasesOut[id] = c
    }
    this.changedPhases.clear()
    this.init.send({
      type: 'stats',
      ready: db.isReady(),
      peers: db.peers(),
      phases: phasesOut,
      latencies: this.latencies,
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
      topicPeers: Object.fromEntries(
        (this.config?.topics ?? []).map((topic) => [topic, db.topicPeers(topic).length]),
      ),
      connections: m.node.connections,
      linkRepairs: m.node.pubsubLinkRepairs,
      gaterDenied: m.hostGater.deniedTotal,
      deniedPeers: this.deniedPeers,
    })
    this.latencies = {}
  }

  private async start(config: ChildConfig): Promise<void> {
    const database = await connect({
      walletPrivateKey: config.secretKey,
      databaseName: config.databaseName,
      getAuthorizedWallets: ({ signal }) => this.ask<string[]>('wallets', signal),
      getBootstrapNodes: ({ signal }) => this.ask<BootstrapNode[]>('bootstrap', signal),
      listenHost: config.listenHost,
      listenPorts: config.listenPorts,
      refreshIntervalMs: config.refreshIntervalMs,
      node: {
        transports: config.transports,
        ...(config.timings === 'fast' ? FAST_TIMINGS : {}),
        ...config.node,
        // Nodes dial from a few loopback addresses (a start batch from one): libp2p's per-host
        // inbound rate (5/s by default) would refuse part of a batch, as it would for peers behind
        // one NAT (see connectionLimits).
        connectionLimits: { inboundPerHostPerSecond: 1_000, ...config.node?.connectionLimits },
        // With DEPIN_TESTNET_LOG_DIR: js-libp2p's own debug lines too (hundreds of MB for 50 nodes).
        libp2pLogs: process.env.DEPIN_TESTNET_LOG_LIBP2P === '1',
      },
      metricsServer: { port: config.metricsPort, host: config.listenHost },
      ...nodeLogger(config.index),
    })
    if (this.stopping !== undefined) {
      await database.disconnect()
      return
    }
    this.db = database
    database.addEventListener('peer:denied', (event) => {
      this.deniedPeers[event.detail.peerId] = (this.deniedPeers[event.detail.peerId] ?? 0) + 1
    })
    database.addEventListener('ready', (e) =>
      this.init.send({ type: 'transition', ready: true, peers: e.detail.peers }),
    )
    database.addEventListener('not-ready', (e) =>
      this.init.send({ type: 'transition', ready: false, peers: e.detail.peers }),
    )
    for (const topic of config.topics) {
      await database.subscribe(topic, (event) => this.onEvent(topic, event.fromPeerId, event.message))
    }
    // Reports spread over the interval: hosted nodes do not all report in the same tick.
    const first = setTimeout(() => {
      this.stats()
      this.statsTimer = setInterval(() => this.stats(), config.statsIntervalMs)
    }, Math.random() * config.statsIntervalMs)
    this.statsTimer = first
    this.init.send({
      type: 'listening',
      peerId: database.peerId,
      wallet: database.wallet,
      multiaddrs: database.multiaddrs(),
      // Always set: connect() was given metricsServer.
      metricsUrl: database.metricsUrl ?? '',
    })
    this.stats()
  }
}
