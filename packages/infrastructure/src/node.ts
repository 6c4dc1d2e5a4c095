import type { GaterGroup, RegistryGater } from '@depin/gater'
import { createCounts, snapshotOf } from '@depin/metrics-schema'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import { TypedEventEmitter } from 'main-event'
import type { PeerAccountability } from './accountability.js'
import type { ResolvedNodeInit } from './config-resolve.js'
import type { ConnectedPeersWatch } from './connected-peers.js'
import { createConnectionLog, transportOf } from './connection-log.js'
import { InvalidNodeConfigError, NodeStoppedError } from './errors.js'
import type { HeartbeatClock } from './heartbeat-clock.js'
import { type LatencyPeering, PEERING_OFF_METRICS } from './latency-peering.js'
import type { DepinServices } from './libp2p-options.js'
import { Memberships } from './membership.js'
import { NODE_METRICS, type NodeMetrics } from './metrics.js'
import type { DatabaseMembership, DepinNode, DepinNodeEvents, WaitUntilReadyOptions } from './node-api.js'
import { createNodeBootstrap, type NodeBootstrap } from './node-bootstrap.js'
import { portMappingOff } from './port-mapping.js'
import { Readiness, waitForReady } from './readiness.js'
import { type ConnectionUpkeep, createConnectionUpkeep } from './upkeep.js'
import { createUsablePeers, type UsablePeers } from './usable-peers.js'

/** A started node (see createNode in create-node.ts). */
export class Node extends TypedEventEmitter<DepinNodeEvents> implements DepinNode {
  readonly libp2p: Libp2p<DepinServices>
  readonly peerId: PeerId
  readonly wallet: string
  readonly gaters: GaterGroup
  readonly accountability: PeerAccountability
  /** Called once the node has stopped (the process registry forgets it). */
  onStopped: (() => void) | undefined

  private readonly config: ResolvedNodeInit
  /** The node's own counts (see NODE_METRICS); bootstrap, rendezvous, readiness and upkeep count in it. */
  private readonly counts = createCounts(NODE_METRICS)
  private readonly shutdown = new AbortController()
  private readonly bootstrap: NodeBootstrap
  private readonly upkeep: ConnectionUpkeep
  private readonly latency: LatencyPeering | undefined
  private readonly connected: ConnectedPeersWatch
  private readonly usablePeers: UsablePeers
  private readonly readiness: Readiness
  private readonly memberships: Memberships
  private readonly onConnectionOpen: (event: CustomEvent<Connection>) => void
  private readonly startedAt: number
  private detachGaters: (() => void) | undefined
  private stopping: Promise<void> | undefined

  constructor(
    config: ResolvedNodeInit,
    libp2p: Libp2p<DepinServices>,
    gaters: GaterGroup,
    accountability: PeerAccountability,
    startedAt: number,
    latency: LatencyPeering | undefined,
    clock: HeartbeatClock,
    connected: ConnectedPeersWatch,
  ) {
    super()
    this.connected = connected
    this.startedAt = startedAt
    this.latency = latency
    this.config = config
    this.libp2p = libp2p
    this.gaters = gaters
    this.accountability = accountability
    this.peerId = libp2p.peerId
    this.wallet = config.identity.wallet
    // Its probe of superseded connections waits for the successor to be usable (the usable peers
    // are created below; the upkeep starts after them).
    this.upkeep = createConnectionUpkeep(
      config,
      libp2p,
      latency,
      this.counts,
      (connection, signal) => this.usablePeers.whenUsable(connection, signal),
      clock,
    )
    this.readiness = new Readiness(startedAt, this.counts, config.logger)
    this.onConnectionOpen = createConnectionLog(config.logger, startedAt)
    this.memberships = new Memberships({
      libp2p,
      gaters,
      rendezvous: config.rendezvous,
      dialTimeoutMs: config.bootstrap.dialTimeoutMs,
      logger: config.logger,
      counts: this.counts,
      peers: () => this.connected.peers(),
    })
    this.usablePeers = createUsablePeers({
      libp2p,
      settleMs: config.readiness.settleMs,
      transportOf,
      onChange: () => this.updateReadiness(),
      onRefused: (detail) => {
        this.counts.connectionsRefused++
        this.safeDispatchEvent('peer:refused', { detail })
      },
      logger: config.logger,
    })
    this.bootstrap = createNodeBootstrap({
      config,
      libp2p,
      whenUsable: (connection, signal) => this.usablePeers.whenUsable(connection, signal),
      isReady: () => this.readiness.ready,
      shutdown: this.shutdown.signal,
      counts: this.counts,
    })
  }

  start(): void {
    const { libp2p, config } = this
    this.usablePeers.start()
    libp2p.addEventListener('peer:disconnect', this.onPeerDisconnect)
    libp2p.addEventListener('connection:open', this.onConnectionOpen)
    this.detachGaters = this.gaters.attach(libp2p)
    this.upkeep.start()
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
    return this.readiness.ready
  }

  async waitUntilReady(options: WaitUntilReadyOptions = {}): Promise<void> {
    if (this.readiness.ready) return
    if (this.stopping !== undefined) throw new NodeStoppedError('wait until ready')
    await waitForReady(this, this.shutdown.signal, options)
  }

  async joinDatabase(databaseName: string, gater: RegistryGater): Promise<DatabaseMembership> {
    if (typeof databaseName !== 'string' || databaseName.length === 0) {
      throw new InvalidNodeConfigError('databaseName', 'must be a non-empty string')
    }
    if (gater === null || typeof gater !== 'object' || gater.connectionGater === undefined) {
      throw new InvalidNodeConfigError('gater', 'must be a RegistryGater from @depin/gater')
    }
    if (this.stopping !== undefined) throw new NodeStoppedError(`join database "${databaseName}"`)

    const membership = await this.memberships.join(databaseName, gater)
    this.bootstrap.joined()
    return membership
  }

  peers(): Map<string, PeerId> {
    // A copy: the watch's map is shared with the node's own readers.
    return new Map(this.connected.peers())
  }

  metrics(): NodeMetrics {
    const { libp2p, readiness } = this
    return snapshotOf(NODE_METRICS, this.counts, {
      ready: readiness.ready,
      peers: this.connected.peers().size,
      usablePeers: this.usablePeers.size,
      accountability: this.accountability.metrics(),
      connections: libp2p.getConnections().length,
      databases: this.memberships.size,
      retryLoopRunning: this.bootstrap.retrying,
      timeToFirstReadyMs: readiness.timeToFirstReadyMs,
      lastRecoveryMs: readiness.lastRecoveryMs,
      dhtMode: libp2p.services.dht.getMode(),
      peering: this.latency?.metrics() ?? PEERING_OFF_METRICS,
      nat: libp2p.services.nat.metrics(),
      portMapping: libp2p.services.portMapping?.metrics() ?? portMappingOff(),
    })
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
    this.upkeep.stop()
    const t0 = Date.now()
    await this.bootstrap.stop()
    config.logger.debug('stop: bootstrap stopped', 'ms', Date.now() - t0)
    await this.memberships.stopRendezvous()
    config.logger.debug('stop: rendezvous stopped', 'ms', Date.now() - t0)
    this.detachGaters?.()
    this.memberships.releaseGaters()
    try {
      await libp2p.stop()
    } finally {
      this.connected.stop()
      this.readiness.ready = false
      this.onStopped?.()
      config.logger.info('node stopped', 'peerId', this.peerId.toString())
    }
  }

  private readonly onPeerDisconnect = (): void => {
    if (this.shutdown.signal.aborted) return
    // Fewer peers: look for more of each database's peers now rather than at the next tick.
    this.memberships.findNow()
  }

  private updateReadiness(): void {
    if (this.shutdown.signal.aborted) return
    const peers = this.usablePeers.size
    const transition = this.readiness.update(peers)
    if (transition === 'ready') {
      this.safeDispatchEvent('ready', { detail: { peers } })
      // End a waiting retry loop now instead of at the end of its delay.
      this.bootstrap.wake()
      // Advertisements made while alone reached nobody: publish them again now.
      this.memberships.advertiseAndFindNow()
    } else if (transition === 'not-ready') {
      this.safeDispatchEvent('not-ready', { detail: { peers } })
      this.bootstrap.retry()
    }
  }
}

/** Internal: lets the process registry learn when a node it handed out has stopped. */
export function onNodeStopped(node: DepinNode, callback: () => void): void {
  if (node instanceof Node) node.onStopped = callback
}
