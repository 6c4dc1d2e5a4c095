// One testnet node, wherever it runs: alone in a process (child.ts) or beside others in a worker
// thread (host.ts). It joins the database through @depin/pubsub's connect(), asks the parent for the
// registry and bootstrap list, publishes and counts what it receives, and serves /metrics and
// /healthz (connect's metricsServer). It talks to the parent only through `send` and `handle`.

import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { createConsoleLogger } from '@depin/logger'
import { type BootstrapNode, connect, type Database } from '@depin/pubsub'
import {
  type Asker,
  createAsker,
  createNodeLifecycle,
  type NodeLifecycle,
} from '@depin/test-utils/node-process-child'
import { threadLoopDelayMs } from './loop-delay.js'
import { PhaseTally } from './phase-tally.js'
import type { ChildConfig, ChildMessage, ParentMessage, PhaseCommand, TestnetPayload } from './protocol.js'
import { type PublishSchedule, schedulePublishing } from './publish-schedule.js'

const ASK_TIMEOUT_MS = 5_000
/**
 * A stats report that would say what the last one said is sent only this often: each costs the
 * node a structured clone and the parent an IPC message, and in an idle network most say nothing
 * new (at 100 in-process nodes, reporting every second was a fifth of the nodes' idle CPU).
 */
const UNCHANGED_STATS_EVERY_MS = 10_000
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
 * adds js-libp2p's own lines); otherwise nodes log nothing. DEPIN_TESTNET_LOG_NODES=0,950-999 logs
 * only those node indices (a 1000-node network's every js-libp2p line would itself load the machine).
 */
function nodeLogger(index: number): { logger?: ReturnType<typeof createConsoleLogger> } {
  const dir = process.env.DEPIN_TESTNET_LOG_DIR
  if (dir === undefined || dir === '' || !loggedIndex(index, process.env.DEPIN_TESTNET_LOG_NODES)) return {}
  const stream = createWriteStream(join(dir, `node-${index}.log`), { flags: 'a' })
  return { logger: createConsoleLogger({ level: 'debug', format: 'json', stream, fields: { node: index } }) }
}

/** Whether node `index` is in `ranges` (`FROM-TO` or one index, comma-separated); every node without any. */
export function loggedIndex(index: number, ranges: string | undefined): boolean {
  if (ranges === undefined || ranges.trim() === '') return true
  return ranges.split(',').some((range) => {
    const match = /^(\d+)(?:-(\d+))?$/.exec(range.trim())
    return match !== null && index >= Number(match[1]) && index <= Number(match[2] ?? match[1])
  })
}

export interface NodeRunnerInit {
  send(message: ChildMessage): void
  /** Called once the node has stopped (code 0) or failed to start (code 1). */
  onExit(code: number): void
  /**
   * Whether its /metrics also serves Node's process metrics: yes for a node alone in its process;
   * no for nodes that share one (each would report the same process and run its own event loop
   * monitor, a timer every 10 ms; 50-node testnet idle, with the 8 KiB Buffer slabs: worker threads'
   * CPU per node 2.41 / 2.35 → 1.80 / 2.03 ms/s).
   */
  processMetrics: boolean
}

/** One node's state and its answers to the parent's messages. */
export class NodeRunner {
  private readonly tally = new PhaseTally()
  private db: Database | undefined
  private config: ChildConfig | undefined
  private schedule: PublishSchedule | undefined
  private statsTimer: NodeJS.Timeout | undefined
  /** The last phase this node was told to go quiet on (reported with every stats report). */
  private quietPhase: number | undefined
  private readonly deniedPeers: Record<string, number> = {}
  /** The last report sent (as JSON) and when: an unchanged one waits {@link UNCHANGED_STATS_EVERY_MS}. */
  private lastStats: { json: string; at: number } | undefined
  /** Asks the parent (the registry owner); bounded by a timeout and the caller's signal. */
  private readonly asker: Asker<'wallets' | 'bootstrap'>
  private readonly lifecycle: NodeLifecycle<ParentMessage>

  constructor(private readonly init: NodeRunnerInit) {
    this.asker = createAsker((message) => init.send(message), { timeoutMs: ASK_TIMEOUT_MS })
    this.lifecycle = createNodeLifecycle<ParentMessage>({
      send: (message) => init.send(message),
      start: (message) => this.start(message.config),
      onMessage: (command) => {
        if (this.config !== undefined) this.publishing(this.config, command)
      },
      asker: this.asker,
      shutdown: () => {
        this.schedule?.stop()
        clearInterval(this.statsTimer)
        return this.db?.disconnect()
      },
      stopTimeoutMs: DISCONNECT_TIMEOUT_MS,
      exit: (code) => init.onExit(code),
    })
  }

  handle(message: ParentMessage): void {
    this.lifecycle.handle(message)
  }

  /** Disconnects cleanly (bounded), then reports `stopped` and exits with `code`. */
  stop(code: number): Promise<void> {
    return this.lifecycle.stop(code)
  }

  private publishing(config: ChildConfig, command: PhaseCommand): void {
    this.schedule?.stop()
    if (command.mode === 'quiet') {
      // Report at once what was sent in the phase: the parent's drain waits for this report, so that
      // it does not count a phase complete from counts taken before the last events were sent.
      this.quietPhase = command.id
      this.stats(true)
    }
    const padding = config.size > 0 ? 'x'.repeat(config.size) : undefined
    this.schedule = schedulePublishing(command, config.topics, (topic) => {
      const c = this.tally.counts(command.id)
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
        this.tally.counts(command.id)
      })
    })
  }

  /** Reports the node's state to the parent, unless nothing changed lately (`always`: even then). */
  private stats(always = false): void {
    const db = this.db
    if (db === undefined) return
    const m = db.metrics()
    // Counts and latencies are handed over once: a report that carries any is always sent.
    const tally = this.tally.takeReport()
    const fresh = Object.keys(tally.phases).length > 0 || Object.keys(tally.latencies).length > 0
    const report: ChildMessage = {
      type: 'stats',
      ready: db.isReady(),
      peers: db.peers(),
      ...tally,
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
      connectionsOpened: m.node.connectionsOpened,
      connectionsTrimmed: m.node.connectionsTrimmed,
      ...(this.quietPhase === undefined ? {} : { quietPhase: this.quietPhase }),
      gaterDenied: m.hostGater.deniedTotal,
      deniedPeers: this.deniedPeers,
      eventLoopDelayMs: threadLoopDelayMs(),
    }
    const json = JSON.stringify(report)
    const now = Date.now()
    const last = this.lastStats
    if (!always && !fresh && last?.json === json && now - last.at < UNCHANGED_STATS_EVERY_MS) return
    this.lastStats = { json, at: now }
    this.init.send(report)
  }

  private async start(config: ChildConfig): Promise<void> {
    this.config = config
    // Loaded only with --registry litesvm: @solana/kit stays out of a plain node's start-up.
    const onChain =
      config.solana === undefined
        ? {}
        : (await import('./onchain-registry.js')).onChainRegistry(config.solana)
    const logger = nodeLogger(config.index)
    const database = await connect({
      walletPrivateKey: config.secretKey,
      databaseName: config.databaseName,
      getAuthorizedWallets: ({ signal }) => this.asker.ask<string[]>('wallets', signal),
      getBootstrapNodes: ({ signal }) => this.asker.ask<BootstrapNode[]>('bootstrap', signal),
      ...onChain,
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
        libp2pLogs: process.env.DEPIN_TESTNET_LOG_LIBP2P === '1' && logger.logger !== undefined,
      },
      metricsServer: {
        port: config.metricsPort,
        host: config.listenHost,
        processMetrics: this.init.processMetrics,
      },
      ...logger,
    })
    if (this.lifecycle.stopping) {
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
      await database.subscribe(topic, (event) => this.tally.received(topic, event.fromPeerId, event.message))
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
    this.stats(true)
  }
}
