import { createGaterGroup, type GaterGroup, type RegistryGater } from '@depin/gater'
import { isLevelEnabled } from '@depin/logger'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import { createLibp2p } from 'libp2p'
import { TypedEventEmitter, type TypedEventTarget } from 'main-event'
import { timeoutSignal } from './abort.js'
import { createPeerAccountability, type PeerAccountability } from './accountability.js'
import { isRelayed } from './address-order.js'
import { type BootstrapDialerInit, bootstrapRound, isQuic } from './bootstrap.js'
import { type NodeConfig, type NodeInit, resolveNodeConfig } from './config.js'
import { type ConnectionMonitor, createConnectionMonitor } from './connection-monitor.js'
import { type ConnectionTrimmer, createConnectionTrimmer } from './connection-trimmer.js'
import { InvalidNodeConfigError, NodeStartError, NodeStoppedError, NotReadyError } from './errors.js'
import {
  DEFAULT_APP_SPECIFIC_WEIGHT,
  DEFAULT_GRAYLIST_THRESHOLD,
  gossipsubOptions,
  withAppSpecificScore,
} from './gossipsub-defaults.js'
import { createLatencyPeering, type LatencyPeering, PEERING_OFF_METRICS } from './latency-peering.js'
import { AUTONAT_PROTOCOL, type DepinServices, libp2pOptions } from './libp2p-options.js'
import { createCounters, type NodeCounters, type NodeMetrics } from './metrics.js'
import { loadPortMapping, PORT_MAPPING_OFF } from './port-mapping.js'
import { createPubsubLinkWatch, type PubsubLinkWatch } from './pubsub-links.js'
import { createRendezvous, type Rendezvous, rendezvousNamespace } from './rendezvous.js'
import { createRetryLoop, type RetryLoop } from './retry-loop.js'
import { createUsablePeers, type PeerRefusedDetail, type UsablePeers } from './usable-peers.js'

/** Default of `waitUntilReady`'s `timeoutMs`. */
export const WAIT_UNTIL_READY_TIMEOUT_MS = 30_000

/**
 * Events of a {@link DepinNode}: readiness transitions, with the count of usable peers at that
 * moment, and connections that peers refused.
 */
export interface DepinNodeEvents {
  /** The first usable peer (the node was not ready); see {@link DepinNode.isReady}. */
  ready: CustomEvent<{ peers: number }>
  /** The last usable peer disconnected; the bootstrap retry loop starts. */
  'not-ready': CustomEvent<{ peers: number }>
  /**
   * A connection closed before it became usable: the peer let the handshake complete and then
   * closed it, which is what a peer whose gater does not admit our wallet does (QUIC, TCP).
   */
  'peer:refused': CustomEvent<PeerRefusedDetail>
}

/** Options of {@link DepinNode.waitUntilReady}. */
export interface WaitUntilReadyOptions {
  signal?: AbortSignal | undefined
  /** Give up with {@link NotReadyError} after this long. @default 30_000 */
  timeoutMs?: number | undefined
}

/** What {@link DepinNode.joinDatabase} returns: call `leave()` when the database disconnects. */
export interface DatabaseMembership {
  /** Stops advertising the database and removes its gater from the host. Idempotent. */
  leave(): Promise<void>
}

/**
 * The shared libp2p node of one wallet in one process: transports, DHT, rendezvous, bootstrap
 * with retry, readiness. Every database using the wallet attaches to it with `joinDatabase`.
 */
export interface DepinNode extends TypedEventTarget<DepinNodeEvents> {
  /** The libp2p node; `libp2p.services.pubsub` is the GossipSub router. */
  readonly libp2p: Libp2p<DepinServices>
  readonly peerId: PeerId
  /** Our wallet public key (base58). */
  readonly wallet: string
  /** The host's connection gater delegates to this group (a peer is admitted if any database admits it). */
  readonly gaters: GaterGroup
  /**
   * Who pays for invalid events, shared by the node's databases: the signed author (strikes, then a
   * suspension in `gaters`), not the relay; feeds GossipSub's application-specific score.
   */
  readonly accountability: PeerAccountability
  /**
   * At least one peer is usable: connected, and identify completed on its connection (or the
   * connection stayed open `readiness.settleMs`). A connection that a peer's gater closes right
   * after the handshake never counts.
   */
  isReady(): boolean
  /**
   * Resolves when at least one peer is usable (see {@link DepinNode.isReady}). Rejects with {@link NotReadyError} after
   * `timeoutMs`, with the signal's reason on abort, and with {@link NodeStoppedError} on stop.
   */
  waitUntilReady(options?: WaitUntilReadyOptions): Promise<void>
  /**
   * Adds the database's gater to the host group and advertises/finds
   * `p2p-database-discovery_<databaseName>`. The first database also starts the bootstrap
   * (before it, the host admits nobody). The gater's own start/stop stay with its owner.
   */
  joinDatabase(databaseName: string, gater: RegistryGater): Promise<DatabaseMembership>
  /**
   * Connected peers, by PeerId string. Read from the open connections' own PeerIds: libp2p's
   * `getPeers()` parses every PeerId back from its string (a base58 decode and a public key per peer
   * per call), which at 50 peers cost more than the rest of an idle node.
   */
  peers(): Map<string, PeerId>
  /** Readiness, peers, bootstrap and rendezvous counters, as a plain object. */
  metrics(): NodeMetrics
  /** Stops everything: loops, timers, listeners, sockets. Idempotent. */
  stop(): Promise<void>
}

/**
 * Creates, starts and returns a node; resolves as soon as it is listening (it does not wait for
 * a peer: use `waitUntilReady()` or the `ready` event).
 *
 * @example
 * const node = await createNode({ identity: parseSecretKey(key), getBootstrapNodes })
 * const db = await node.joinDatabase('my-depin', registryGater)
 * await node.waitUntilReady({ signal: AbortSignal.timeout(30_000) })
 * node.libp2p.services.pubsub.subscribe('my-depin_rooms')
 * await db.leave(); await node.stop()
 */
export async function createNode(init: NodeInit): Promise<DepinNode> {
  const startedAt = Date.now()
  const config = resolveNodeConfig(init)
  const gaters = createGaterGroup({ logger: config.logger })
  const gossipsub = gossipsubOptions(config.gossipsub)
  const accountability = createPeerAccountability({
    ...config.accountability,
    suspend: (peerId, durationMs) => {
      gaters.suspend(peerId, durationMs)
    },
    isSuspended: (peerId) => gaters.isSuspended(peerId),
    score: {
      graylistThreshold: gossipsub.scoreThresholds?.graylistThreshold ?? DEFAULT_GRAYLIST_THRESHOLD,
      appSpecificWeight: gossipsub.scoreParams?.appSpecificWeight ?? DEFAULT_APP_SPECIFIC_WEIGHT,
    },
    logger: config.logger,
  })
  let libp2p: Libp2p<DepinServices>
  // Latency-aware peering adds its preference for near peers to the accountability's P5 score.
  let latency: LatencyPeering | undefined
  const scoring = {
    appSpecificScore: (peerId: string) =>
      accountability.appSpecificScore(peerId) + (latency?.appSpecificScore(peerId) ?? 0),
  }
  const portMapping = config.portMapping.enabled
    ? await loadPortMapping({ gateways: config.portMapping.gateways, logger: config.logger })
    : undefined
  try {
    libp2p = await createLibp2p(
      libp2pOptions(config, gaters.connectionGater, withAppSpecificScore(gossipsub, scoring), portMapping),
    )
    // See NodeInit.autonat: the upstream AutoNAT server drops the requester's connection.
    if (!config.autonat.server) await libp2p.unhandle(AUTONAT_PROTOCOL)
  } catch (cause) {
    throw new NodeStartError(config.listenAddresses, { cause })
  }
  if (config.peering.latencyAware) {
    latency = createLatencyPeering({ libp2p, options: config.peering, logger: config.logger })
  }
  const node = new Node(config, libp2p, gaters, accountability, startedAt, latency)
  node.start()
  return node
}

interface DatabaseEntry {
  rendezvous: Rendezvous
  /**
   * The gaters of the database's memberships, each with its count of memberships (the database is
   * left when none remains); they tell the database's peers from other databases'.
   */
  gaters: Map<RegistryGater, number>
}

/** Counts one more reference to `key`. */
function retain<K>(refs: Map<K, number>, key: K): void {
  refs.set(key, (refs.get(key) ?? 0) + 1)
}

/** Counts one reference less to `key`; true when that was its last. */
function release<K>(refs: Map<K, number>, key: K): boolean {
  const left = (refs.get(key) ?? 1) - 1
  if (left > 0) {
    refs.set(key, left)
    return false
  }
  refs.delete(key)
  return true
}

class Node extends TypedEventEmitter<DepinNodeEvents> implements DepinNode {
  readonly libp2p: Libp2p<DepinServices>
  readonly peerId: PeerId
  readonly wallet: string
  readonly gaters: GaterGroup
  readonly accountability: PeerAccountability
  /** Called once the node has stopped (the process registry forgets it). */
  onStopped: (() => void) | undefined

  private readonly config: NodeConfig
  private readonly counters: NodeCounters = createCounters()
  private readonly shutdown = new AbortController()
  private readonly retryLoop: RetryLoop
  private readonly trimmer: ConnectionTrimmer
  private readonly linkWatch: PubsubLinkWatch
  private readonly monitor: ConnectionMonitor
  private readonly latency: LatencyPeering | undefined
  private readonly usablePeers: UsablePeers
  private readonly databases = new Map<string, DatabaseEntry>()
  private readonly gaterRefs = new Map<RegistryGater, number>()
  private readonly startedAt: number
  private ready = false
  private notReadySince: number | undefined
  private firstConnectionLogged = new Set<string>()
  private initialBootstrap: Promise<void> | undefined
  private detachGaters: (() => void) | undefined
  private stopping: Promise<void> | undefined

  constructor(
    config: NodeConfig,
    libp2p: Libp2p<DepinServices>,
    gaters: GaterGroup,
    accountability: PeerAccountability,
    startedAt: number,
    latency: LatencyPeering | undefined,
  ) {
    super()
    this.startedAt = startedAt
    this.latency = latency
    this.config = config
    this.libp2p = libp2p
    this.gaters = gaters
    this.accountability = accountability
    this.peerId = libp2p.peerId
    this.wallet = config.identity.wallet
    this.trimmer = createConnectionTrimmer({
      libp2p,
      low: config.connectionLimits.low,
      high: config.connectionLimits.high,
      gracePeriodMs: config.connectionLimits.gracePeriodMs,
      logger: config.logger,
    })
    this.linkWatch = createPubsubLinkWatch({
      libp2p,
      intervalMs: config.pubsubLinks.checkIntervalMs,
      graceMs: config.pubsubLinks.graceMs,
      dialTimeoutMs: config.bootstrap.dialTimeoutMs,
      logger: config.logger,
      onRepair: () => {
        this.counters.pubsubLinkRepairs++
      },
    })
    this.monitor = createConnectionMonitor({
      libp2p,
      intervalMs: config.connectionMonitor.pingIntervalMs,
      timeoutMs: config.connectionMonitor.pingTimeoutMs,
      maxFailures: config.connectionMonitor.maxFailures,
      logger: config.logger,
      onClose: () => {
        this.counters.deadConnectionsClosed++
      },
    })
    this.usablePeers = createUsablePeers({
      libp2p,
      settleMs: config.readiness.settleMs,
      transportOf,
      onChange: () => this.updateReadiness(),
      onRefused: (detail) => {
        this.counters.connectionsRefused++
        this.safeDispatchEvent('peer:refused', { detail })
      },
      logger: config.logger,
    })
    this.retryLoop = createRetryLoop({
      initialDelayMs: config.bootstrap.retryInitialDelayMs,
      intervalMs: config.bootstrap.retryIntervalMs,
      isReady: () => this.ready,
      attempt: async (signal) => {
        const round = await bootstrapRound(this.dialer(), signal)
        if (round.nodes === 0)
          this.config.logger.debug('still no reachable bootstrap node in the list, will retry')
      },
      onAttempt: () => {
        this.counters.retryAttempts++
      },
      logger: config.logger,
    })
  }

  start(): void {
    const { libp2p, config } = this
    this.usablePeers.start()
    libp2p.addEventListener('peer:disconnect', this.onPeerDisconnect)
    libp2p.addEventListener('connection:open', this.onConnectionOpen)
    this.detachGaters = this.gaters.attach(libp2p)
    this.trimmer.start()
    this.linkWatch.start()
    this.monitor.start()
    this.latency?.start()
    this.notReadySince = this.startedAt
    config.logger.info(
      'node listening',
      'peerId',
      this.peerId.toString(),
      'wallet',
      this.wallet,
      'addrs',
      libp2p.getMultiaddrs().map((a) => a.toString()),
      'dhtMode',
      libp2p.services.dht.getMode(),
      'portMapping',
      config.portMapping.enabled,
      'startMs',
      Date.now() - this.startedAt,
    )
  }

  isReady(): boolean {
    return this.ready
  }

  async waitUntilReady(options: WaitUntilReadyOptions = {}): Promise<void> {
    if (this.ready) return
    if (this.stopping !== undefined) throw new NodeStoppedError('wait until ready')
    options.signal?.throwIfAborted()
    const timeoutMs = options.timeoutMs ?? WAIT_UNTIL_READY_TIMEOUT_MS
    const wait = timeoutSignal(
      AbortSignal.any([this.shutdown.signal, ...(options.signal ? [options.signal] : [])]),
      timeoutMs,
      () => new NotReadyError(`no peer connected within ${timeoutMs} ms`),
    )
    try {
      await new Promise<void>((resolve, reject) => {
        const onReady = (): void => {
          wait.signal.removeEventListener('abort', onAbort)
          resolve()
        }
        const onAbort = (): void => {
          this.removeEventListener('ready', onReady)
          reject(
            this.shutdown.signal.aborted && !options.signal?.aborted
              ? new NodeStoppedError('wait until ready')
              : wait.signal.reason,
          )
        }
        this.addEventListener('ready', onReady, { once: true })
        wait.signal.addEventListener('abort', onAbort, { once: true })
      })
    } finally {
      wait.clear()
    }
  }

  async joinDatabase(databaseName: string, gater: RegistryGater): Promise<DatabaseMembership> {
    if (typeof databaseName !== 'string' || databaseName.length === 0) {
      throw new InvalidNodeConfigError('databaseName', 'must be a non-empty string')
    }
    if (gater === null || typeof gater !== 'object' || gater.connectionGater === undefined) {
      throw new InvalidNodeConfigError('gater', 'must be a RegistryGater from @depin/gater')
    }
    if (this.stopping !== undefined) throw new NodeStoppedError(`join database "${databaseName}"`)

    retain(this.gaterRefs, gater)
    this.gaters.add(gater)
    let entry = this.databases.get(databaseName)
    if (entry === undefined) {
      const gaters = new Map<RegistryGater, number>()
      entry = {
        gaters,
        rendezvous: createRendezvous({
          libp2p: this.libp2p,
          dhts: [
            this.libp2p.services.dht,
            ...(this.libp2p.services.lanDht ? [this.libp2p.services.lanDht] : []),
          ],
          namespace: rendezvousNamespace(databaseName),
          findIntervalMs: this.config.rendezvous.findIntervalMs,
          maxFindIntervalMs: this.config.rendezvous.maxFindIntervalMs,
          advertiseIntervalMs: this.config.rendezvous.advertiseIntervalMs,
          dialTimeoutMs: this.config.bootstrap.dialTimeoutMs,
          enoughPeers: () => this.databasePeers(gaters) >= this.config.rendezvous.targetPeers,
          logger: this.config.logger,
          counters: this.counters,
        }),
      }
      this.databases.set(databaseName, entry)
      retain(gaters, gater)
      await entry.rendezvous.start()
    } else {
      retain(entry.gaters, gater)
    }
    this.config.logger.info(
      'database joined the node',
      'database',
      databaseName,
      'databases',
      this.databases.size,
    )

    if (this.initialBootstrap === undefined) {
      this.initialBootstrap = this.runInitialBootstrap()
    } else if (!this.ready) {
      // A new gater may admit peers the others refused: try now rather than at the next tick.
      this.retryLoop.wake()
    }

    let left = false
    return {
      leave: async () => {
        if (left) return
        left = true
        if (release(this.gaterRefs, gater)) this.gaters.delete(gater)
        const current = this.databases.get(databaseName)
        if (current === undefined) return
        release(current.gaters, gater)
        if (current.gaters.size === 0) {
          this.databases.delete(databaseName)
          await current.rendezvous.stop()
          this.config.logger.info('database left the node', 'database', databaseName)
        }
      },
    }
  }

  peers(): Map<string, PeerId> {
    const peers = new Map<string, PeerId>()
    for (const connection of this.libp2p.getConnections()) {
      const peer = connection.remotePeer
      peers.set(peer.toString(), peer)
    }
    return peers
  }

  metrics(): NodeMetrics {
    const c = this.counters
    return {
      ready: this.ready,
      peers: this.peers().size,
      usablePeers: this.usablePeers.size,
      connectionsRefused: c.connectionsRefused,
      accountability: this.accountability.metrics(),
      connections: this.libp2p.getConnections().length,
      databases: this.databases.size,
      bootstrapAttempts: c.bootstrapAttempts,
      bootstrapSuccesses: c.bootstrapSuccesses,
      bootstrapFailures: c.bootstrapFailures,
      retryLoopsStarted: c.retryLoopsStarted,
      retryAttempts: c.retryAttempts,
      retryLoopRunning: this.retryLoop.running,
      timeToFirstReadyMs: c.timeToFirstReadyMs,
      lastRecoveryMs: c.lastRecoveryMs,
      notReadyTransitions: c.notReadyTransitions,
      dhtMode: this.libp2p.services.dht.getMode(),
      rendezvousFinds: c.rendezvousFinds,
      rendezvousSkips: c.rendezvousSkips,
      dhtPeersFound: c.dhtPeersFound,
      rendezvousDials: c.rendezvousDials,
      rendezvousAdvertisements: c.rendezvousAdvertisements,
      pubsubLinkRepairs: c.pubsubLinkRepairs,
      deadConnectionsClosed: c.deadConnectionsClosed,
      peering: this.latency?.metrics() ?? PEERING_OFF_METRICS,
      nat: this.libp2p.services.nat.metrics(),
      portMapping: this.libp2p.services.portMapping?.metrics() ?? { ...PORT_MAPPING_OFF, mapped: [] },
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop()
    return this.stopping
  }

  private async doStop(): Promise<void> {
    const { libp2p, config } = this
    config.logger.info('stopping node', 'peerId', this.peerId.toString())
    this.shutdown.abort(new NodeStoppedError('continue'))
    libp2p.removeEventListener('peer:disconnect', this.onPeerDisconnect)
    this.usablePeers.stop()
    libp2p.removeEventListener('connection:open', this.onConnectionOpen)
    this.trimmer.stop()
    this.linkWatch.stop()
    this.monitor.stop()
    this.latency?.stop()
    const t0 = Date.now()
    await this.retryLoop.stop()
    await this.initialBootstrap?.catch(() => {})
    config.logger.debug('stop: bootstrap stopped', 'ms', Date.now() - t0)
    const databases = [...this.databases.values()]
    this.databases.clear()
    await Promise.allSettled(databases.map((entry) => entry.rendezvous.stop()))
    config.logger.debug('stop: rendezvous stopped', 'ms', Date.now() - t0)
    this.detachGaters?.()
    for (const gater of this.gaterRefs.keys()) this.gaters.delete(gater)
    this.gaterRefs.clear()
    try {
      await libp2p.stop()
    } finally {
      this.ready = false
      this.onStopped?.()
      config.logger.info('node stopped', 'peerId', this.peerId.toString())
    }
  }

  private dialer(): BootstrapDialerInit {
    return {
      libp2p: this.libp2p,
      whenUsable: (connection, signal) => this.usablePeers.whenUsable(connection, signal),
      getBootstrapNodes: this.config.getBootstrapNodes,
      transports: this.config.transports,
      dialTimeoutMs: this.config.bootstrap.dialTimeoutMs,
      listTimeoutMs: this.config.bootstrap.listTimeoutMs,
      logger: this.config.logger,
      counters: this.counters,
    }
  }

  private async runInitialBootstrap(): Promise<void> {
    const { logger } = this.config
    try {
      const round = await bootstrapRound(this.dialer(), this.shutdown.signal)
      if (this.shutdown.signal.aborted) return
      if (round.nodes === 0) logger.info('no bootstrap nodes available, starting retry process')
      else if (round.connected === 0)
        logger.warn('initial bootstrap failed, starting retry process', 'nodes', round.nodes)
      else logger.info('initial bootstrap successful', 'connected', round.connected, 'nodes', round.nodes)
    } catch (err) {
      if (this.shutdown.signal.aborted) return
      logger.warn('initial bootstrap failed, starting retry process', 'error', err)
    }
    if (!this.ready) this.startRetryLoop()
  }

  private startRetryLoop(): void {
    if (this.shutdown.signal.aborted) return
    if (this.retryLoop.start()) this.counters.retryLoopsStarted++
  }

  /**
   * Connected peers that one of the database's gaters admits (from their caches; no registry call),
   * counted up to the rendezvous target: peers of the process's other databases do not count.
   */
  private databasePeers(gaters: Map<RegistryGater, number>): number {
    const target = this.config.rendezvous.targetPeers
    let count = 0
    for (const peer of this.peers().values()) {
      for (const gater of gaters.keys()) {
        if (gater.isAuthorizedCached(peer)) {
          count++
          break
        }
      }
      if (count >= target) break
    }
    return count
  }

  private readonly onPeerDisconnect = (): void => {
    if (this.shutdown.signal.aborted) return
    // Fewer peers: look for more of each database's peers now rather than at the next tick.
    for (const entry of this.databases.values()) entry.rendezvous.findNow()
  }

  private readonly onConnectionOpen = (event: CustomEvent<Connection>): void => {
    const connection = event.detail
    const transport = transportOf(connection)
    if (isLevelEnabled(this.config.logger, 'debug')) this.logClose(connection, transport)
    if (this.firstConnectionLogged.has(transport)) return
    this.firstConnectionLogged.add(transport)
    this.config.logger.info(
      'first peer connected',
      'transport',
      transport,
      'direction',
      connection.direction,
      'peer',
      connection.remotePeer.toString(),
      'msSinceStart',
      Date.now() - this.startedAt,
    )
  }

  /** Why a connection ended (operators ask "why did that peer drop?"): at debug level only. */
  private logClose(connection: Connection, transport: string): void {
    connection.addEventListener(
      'close',
      (event) => {
        this.config.logger.debug(
          'connection closed',
          'peer',
          connection.remotePeer.toString(),
          'transport',
          transport,
          'direction',
          connection.direction,
          'openMs',
          Date.now() - connection.timeline.open,
          'by',
          event.error === undefined ? 'close' : event.local === true ? 'local abort' : 'remote reset',
          'error',
          event.error,
        )
      },
      { once: true },
    )
  }

  private updateReadiness(): void {
    if (this.shutdown.signal.aborted) return
    const peers = this.usablePeers.size
    if (!this.ready && peers > 0) {
      this.ready = true
      const now = Date.now()
      const since = this.notReadySince ?? now
      this.notReadySince = undefined
      if (this.counters.timeToFirstReadyMs === undefined)
        this.counters.timeToFirstReadyMs = now - this.startedAt
      else this.counters.lastRecoveryMs = now - since
      this.config.logger.info('node became ready', 'peer_count', peers, 'notReadyMs', now - since)
      this.safeDispatchEvent('ready', { detail: { peers } })
      // End a waiting retry loop now instead of at the end of its delay.
      this.retryLoop.wake()
      // Advertisements made while alone reached nobody: publish them again now.
      for (const entry of this.databases.values()) {
        entry.rendezvous.advertiseNow()
        entry.rendezvous.findNow()
      }
    } else if (this.ready && peers === 0) {
      this.ready = false
      this.notReadySince = Date.now()
      this.counters.notReadyTransitions++
      this.config.logger.info('node no longer ready', 'peer_count', peers)
      this.safeDispatchEvent('not-ready', { detail: { peers } })
      this.startRetryLoop()
    }
  }
}

function transportOf(connection: Connection): string {
  if (connection.limits !== undefined || isRelayed(connection.remoteAddr)) return 'relay'
  return isQuic(connection.remoteAddr) ? 'quic' : 'tcp'
}

/** Internal: lets the process registry learn when a node it handed out has stopped. */
export function onNodeStopped(node: DepinNode, callback: () => void): void {
  if (node instanceof Node) node.onStopped = callback
}
