import { type CountsOf, counter } from '@depin/metrics-schema'
import type { Connection, Libp2p } from '@libp2p/interface'
import type { ResolvedNodeInit } from './config-resolve.js'
import { createConnectionMonitor } from './connection-monitor.js'
import { createConnectionTrimmer } from './connection-trimmer.js'
import { gossipSubInternals } from './gossipsub-internals.js'
import type { HeartbeatClock } from './heartbeat-clock.js'
import type { LatencyPeering } from './latency-peering.js'
import type { DepinServices } from './libp2p-options.js'
import { limitPeerExchange } from './peer-exchange.js'
import { createPubsubLinkWatch } from './pubsub-links.js'

/** What the connection upkeep counts, part of the node's metrics. */
export const UPKEEP_METRICS = {
  /** Connected peers that GossipSub had lost and that were reconnected (see `pubsubLinks`). */
  pubsubLinkRepairs: counter(
    'node_pubsub_link_repairs_total',
    'Connected peers that GossipSub had lost and that were reconnected.',
  ),
  /**
   * Connections opened, inbound and outbound. Against `connections`, the churn: a node of a large
   * network opens many more than it keeps while the start's DHT lookups run.
   */
  connectionsOpened: counter('node_connections_opened_total', 'Connections opened, inbound and outbound.'),
  /** Connections the trimmer closed to bring the node back into its band (`connectionLimits`). */
  connectionsTrimmed: counter(
    'node_connections_trimmed_total',
    'Connections closed by the trimmer to bring the node back into its connectionLimits band.',
  ),
  /**
   * Peers offered by GossipSub peer exchange (in a PRUNE) and not dialed because the node already
   * had `connectionLimits.low` peers (see peer-exchange.ts).
   */
  peerExchangeSkipped: counter(
    'node_peer_exchange_skipped_total',
    'Peers offered by GossipSub peer exchange that were not dialed: the node already had connectionLimits.low peers.',
  ),
  /**
   * Peers offered by GossipSub peer exchange without a signed peer record, whose addresses the node
   * did not know: not dialed, since libp2p would walk the DHT to find them (see peer-exchange.ts).
   */
  peerExchangeUnaddressed: counter(
    'node_peer_exchange_unaddressed_total',
    'Peers offered by GossipSub peer exchange with no signed record and no known address: not dialed (finding them would walk the DHT).',
  ),
  /**
   * Connections closed because their peer stopped answering pings, or because the peer connected
   * anew and the old connection did not answer (see `connectionMonitor`).
   */
  deadConnectionsClosed: counter(
    'node_dead_connections_closed_total',
    'Connections closed because their peer stopped answering pings, or was superseded by a new connection of the peer and did not answer.',
  ),
}

/** The node's background connection upkeep, started and stopped together. */
export interface ConnectionUpkeep {
  start(): void
  /** Clears every timer. Idempotent. */
  stop(): void
}

/**
 * The connection upkeep of a node: trims connections past `connectionLimits.high`, lets GossipSub's
 * peer exchange dial only up to `connectionLimits.low` peers, reconnects
 * peers GossipSub lost while their connection stayed open, closes connections whose peer stopped
 * answering pings, and runs latency-aware peering when it is on.
 */
export function createConnectionUpkeep(
  config: ResolvedNodeInit,
  libp2p: Libp2p<DepinServices>,
  latency: LatencyPeering | undefined,
  counts: CountsOf<typeof UPKEEP_METRICS>,
  /** Resolves once a connection is usable (the node's usable peers), false if it closes first. */
  whenUsable: (connection: Connection, signal: AbortSignal) => Promise<boolean>,
  /** GossipSub's heartbeat, in whose wake-ups the periodic checks run. */
  clock: HeartbeatClock,
): ConnectionUpkeep {
  // One adapter over GossipSub's implementation for the trimmer and the link check.
  const internals = gossipSubInternals(libp2p.services.pubsub, config.logger)
  const trimmer = createConnectionTrimmer({
    libp2p,
    low: config.connectionLimits.low,
    high: config.connectionLimits.high,
    gracePeriodMs: config.connectionLimits.gracePeriodMs,
    meshPeers: internals.meshPeers,
    onTrimmed: (closed) => {
      counts.connectionsTrimmed += closed
    },
    logger: config.logger,
  })
  const countOpened = (): void => {
    counts.connectionsOpened++
  }
  const linkWatch = createPubsubLinkWatch({
    libp2p,
    intervalMs: config.pubsubLinks.checkIntervalMs,
    graceMs: config.pubsubLinks.graceMs,
    dialTimeoutMs: config.bootstrap.dialTimeoutMs,
    logger: config.logger,
    onRepair: () => {
      counts.pubsubLinkRepairs++
    },
    clock,
    links: internals,
  })
  const monitor = createConnectionMonitor({
    libp2p,
    intervalMs: config.connectionMonitor.pingIntervalMs,
    timeoutMs: config.connectionMonitor.pingTimeoutMs,
    maxFailures: config.connectionMonitor.maxFailures,
    logger: config.logger,
    onClose: () => {
      counts.deadConnectionsClosed++
    },
    onSuperseded: (peerId) => linkWatch.superseded(peerId),
    whenUsable,
  })
  let unwrapPeerExchange: (() => void) | undefined
  return {
    start() {
      unwrapPeerExchange ??= internals.wrapPeerExchange((dial) =>
        limitPeerExchange(dial, {
          libp2p,
          low: config.connectionLimits.low,
          onSkipped: (skipped) => {
            counts.peerExchangeSkipped += skipped
          },
          onUnaddressed: (unaddressed) => {
            counts.peerExchangeUnaddressed += unaddressed
          },
          logger: config.logger,
        }),
      )
      libp2p.addEventListener('connection:open', countOpened)
      trimmer.start()
      linkWatch.start()
      monitor.start()
      latency?.start()
    },
    stop() {
      unwrapPeerExchange?.()
      unwrapPeerExchange = undefined
      libp2p.removeEventListener('connection:open', countOpened)
      trimmer.stop()
      linkWatch.stop()
      monitor.stop()
      latency?.stop()
    },
  }
}
