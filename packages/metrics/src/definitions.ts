import type { DecisionCounts } from '@depin/gater'
import type { DepinMetricsSnapshot } from './snapshot.js'

/** One sample: its labels and value. */
export type Sample = [labels: Record<string, string>, value: number]

/** How one Prometheus metric is read from a snapshot. */
export interface MetricDefinition {
  /** Name without the prefix. */
  name: string
  help: string
  type: 'counter' | 'gauge'
  labelNames: readonly string[]
  samples(snapshot: DepinMetricsSnapshot): Sample[]
}

type Node = NonNullable<DepinMetricsSnapshot['node']>

const NAT_TYPES = [
  'public',
  'endpoint-independent',
  'symmetric',
  'unknown',
] as const satisfies readonly Node['nat']['type'][]

function nodeValue(
  name: string,
  help: string,
  type: 'counter' | 'gauge',
  read: (node: Node) => number | undefined,
): MetricDefinition {
  return {
    name,
    help,
    type,
    labelNames: [],
    samples: (s) => {
      if (s.node === undefined) return []
      const value = read(s.node)
      return value === undefined ? [] : [[{}, value]]
    },
  }
}

type Gater = NonNullable<NonNullable<DepinMetricsSnapshot['databases']>[number]['gater']>
type Messaging = NonNullable<NonNullable<DepinMetricsSnapshot['databases']>[number]['messaging']>

function perDatabase<T>(
  pick: (db: NonNullable<DepinMetricsSnapshot['databases']>[number]) => T | undefined,
  read: (value: T) => Sample[],
): (s: DepinMetricsSnapshot) => Sample[] {
  return (s) => {
    const out: Sample[] = []
    for (const db of s.databases ?? []) {
      const value = pick(db)
      if (value === undefined) continue
      for (const [labels, v] of read(value)) out.push([{ database: db.name, ...labels }, v])
    }
    return out
  }
}

function gaterValue(
  name: string,
  help: string,
  type: 'counter' | 'gauge',
  read: (g: Gater) => number | undefined,
): MetricDefinition {
  return {
    name,
    help,
    type,
    labelNames: ['database'],
    samples: perDatabase(
      (db) => db.gater,
      (g) => {
        const v = read(g)
        return v === undefined ? [] : [[{}, v]]
      },
    ),
  }
}

function gaterRecord(
  name: string,
  help: string,
  label: string,
  read: (g: Gater) => Record<string, number>,
): MetricDefinition {
  return {
    name,
    help,
    type: 'counter',
    labelNames: ['database', label],
    samples: perDatabase(
      (db) => db.gater,
      (g) => Object.entries(read(g)).map(([key, v]): Sample => [{ [label]: key }, v]),
    ),
  }
}

function messagingValue(
  name: string,
  help: string,
  type: 'counter' | 'gauge',
  read: (m: Messaging) => number,
): MetricDefinition {
  return {
    name,
    help,
    type,
    labelNames: ['database'],
    samples: perDatabase(
      (db) => db.messaging,
      (m) => [[{}, read(m)]],
    ),
  }
}

function messagingRecord(
  name: string,
  help: string,
  read: (m: Messaging) => Record<string, number>,
): MetricDefinition {
  return {
    name,
    help,
    type: 'counter',
    labelNames: ['database', 'reason'],
    samples: perDatabase(
      (db) => db.messaging,
      (m) => Object.entries(read(m)).map(([reason, v]): Sample => [{ reason }, v]),
    ),
  }
}

/** Decisions by hook: allowed ones without a reason, denied ones by reason. */
export function decisionSamples(counts: DecisionCounts): Sample[] {
  const out: Sample[] = []
  for (const [hook, v] of Object.entries(counts.allowed)) out.push([{ hook, decision: 'allowed' }, v])
  for (const [hook, reasons] of Object.entries(counts.denied)) {
    for (const [reason, v] of Object.entries(reasons)) out.push([{ hook, decision: 'denied', reason }, v])
  }
  return out
}

const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000)

/** Every metric the collector exposes, read from the plain objects. */
export const METRIC_DEFINITIONS: readonly MetricDefinition[] = Object.freeze([
  // @depin/infrastructure: the shared node.
  nodeValue('node_ready', '1 when at least one peer is connected, else 0.', 'gauge', (n) =>
    n.ready ? 1 : 0,
  ),
  nodeValue('node_peers', 'Connected peers.', 'gauge', (n) => n.peers),
  nodeValue('node_connections', 'Open connections (a peer may have several).', 'gauge', (n) => n.connections),
  nodeValue('node_databases', 'Databases joined on this node.', 'gauge', (n) => n.databases),
  nodeValue(
    'node_bootstrap_attempts_total',
    'Dials of one bootstrap node started.',
    'counter',
    (n) => n.bootstrapAttempts,
  ),
  nodeValue(
    'node_bootstrap_successes_total',
    'Bootstrap node dials that connected.',
    'counter',
    (n) => n.bootstrapSuccesses,
  ),
  nodeValue(
    'node_bootstrap_failures_total',
    'Bootstrap node dials that failed on every transport.',
    'counter',
    (n) => n.bootstrapFailures,
  ),
  nodeValue(
    'node_retry_loops_started_total',
    'Bootstrap retry loops started.',
    'counter',
    (n) => n.retryLoopsStarted,
  ),
  nodeValue(
    'node_retry_attempts_total',
    'Bootstrap retry loop iterations.',
    'counter',
    (n) => n.retryAttempts,
  ),
  nodeValue('node_retry_loop_running', '1 while the bootstrap retry loop runs.', 'gauge', (n) =>
    n.retryLoopRunning ? 1 : 0,
  ),
  nodeValue('node_time_to_first_ready_seconds', 'Seconds from node start to the first ready.', 'gauge', (n) =>
    seconds(n.timeToFirstReadyMs),
  ),
  nodeValue(
    'node_last_recovery_seconds',
    'Seconds from the last not-ready to the ready that followed.',
    'gauge',
    (n) => seconds(n.lastRecoveryMs),
  ),
  nodeValue(
    'node_not_ready_transitions_total',
    'Times the node went from ready to not ready.',
    'counter',
    (n) => n.notReadyTransitions,
  ),
  nodeValue('node_port_mapping_enabled', '1 when UPnP port mapping runs on this node.', 'gauge', (n) =>
    n.portMapping.enabled ? 1 : 0,
  ),
  nodeValue('node_port_mapping_gateways', 'UPnP gateways found.', 'gauge', (n) => n.portMapping.gateways),
  nodeValue(
    'node_port_mapping_failures_total',
    'Port mapping requests a UPnP gateway refused or that failed.',
    'counter',
    (n) => n.portMapping.failures,
  ),
  {
    name: 'node_port_mapped',
    help: 'External sockets a UPnP gateway forwards to this node, 1 each (address: /ip4/<external>/<tcp|udp>/<port>).',
    type: 'gauge',
    labelNames: ['address'],
    samples: (s) => s.node?.portMapping.mapped.map((address): Sample => [{ address }, 1]) ?? [],
  },
  nodeValue('node_dht_server', '1 when the DHT runs in server mode, 0 in client mode.', 'gauge', (n) =>
    n.dhtMode === 'server' ? 1 : 0,
  ),
  nodeValue('node_rendezvous_finds_total', 'Rendezvous lookups run.', 'counter', (n) => n.rendezvousFinds),
  nodeValue(
    'node_rendezvous_lookups_skipped_total',
    'Rendezvous lookups skipped because the database had rendezvous.targetPeers peers connected.',
    'counter',
    (n) => n.rendezvousSkips,
  ),
  nodeValue(
    'node_rendezvous_peers_found_total',
    'Peers found through rendezvous lookups (per lookup).',
    'counter',
    (n) => n.dhtPeersFound,
  ),
  nodeValue(
    'node_rendezvous_dials_total',
    'Dials of rendezvous-found peers that connected.',
    'counter',
    (n) => n.rendezvousDials,
  ),
  nodeValue(
    'node_rendezvous_advertisements_total',
    'Rendezvous provider records published.',
    'counter',
    (n) => n.rendezvousAdvertisements,
  ),
  nodeValue(
    'node_pubsub_link_repairs_total',
    'Connected peers that GossipSub had lost and that were reconnected.',
    'counter',
    (n) => n.pubsubLinkRepairs,
  ),
  nodeValue(
    'node_dead_connections_closed_total',
    'Connections closed because their peer stopped answering pings.',
    'counter',
    (n) => n.deadConnectionsClosed,
  ),
  nodeValue('node_peering_latency_aware', '1 when latency-aware peering runs on this node.', 'gauge', (n) =>
    n.peering.latencyAware ? 1 : 0,
  ),
  nodeValue(
    'node_peering_rtt_median_seconds',
    'Median round-trip time to the connected peers measured by latency-aware peering.',
    'gauge',
    (n) => (n.peering.rttMedianMs === null ? undefined : n.peering.rttMedianMs / 1000),
  ),
  nodeValue(
    'node_peering_measured_peers',
    'Connected peers with a measured RTT.',
    'gauge',
    (n) => n.peering.measuredPeers,
  ),
  nodeValue(
    'node_peering_near_band',
    'The nearest RTT band with a connected peer (index into peering.rttBandsMs; it and the next are near).',
    'gauge',
    (n) => n.peering.nearBand ?? undefined,
  ),
  nodeValue(
    'node_peering_near_peers',
    'Connected peers in the near RTT bands.',
    'gauge',
    (n) => n.peering.nearPeers,
  ),
  nodeValue(
    'node_peering_far_peers_kept',
    'Connected far peers kept by the far-band guarantee (never trimmed).',
    'gauge',
    (n) => n.peering.farPeersKept,
  ),
  nodeValue(
    'node_peering_far_bands_connected',
    'Far RTT bands with at least one connected peer.',
    'gauge',
    (n) => n.peering.farBandsConnected,
  ),
  nodeValue(
    'node_peering_far_redials_total',
    'Dials made to restore the links of a far RTT band.',
    'counter',
    (n) => n.peering.farRedials,
  ),
  nodeValue(
    'node_peering_pings_total',
    'RTT pings sent by latency-aware peering.',
    'counter',
    (n) => n.peering.pings,
  ),
  nodeValue(
    'node_peering_ping_failures_total',
    'RTT pings that failed (no sample; the connection is not judged by them).',
    'counter',
    (n) => n.peering.pingFailures,
  ),
  {
    name: 'node_nat_type',
    help: 'NAT type peers observe, 1 for the current one: public, endpoint-independent, symmetric or unknown.',
    type: 'gauge',
    labelNames: ['type'],
    samples: (s) =>
      s.node === undefined ? [] : NAT_TYPES.map((type) => [{ type }, s.node?.nat.type === type ? 1 : 0]),
  },
  nodeValue(
    'node_relayed_only_peers',
    'Connected peers reached only through a relay.',
    'gauge',
    (n) => n.nat.relayedOnlyPeers,
  ),
  nodeValue(
    'node_direct_upgrades_total',
    'Direct connections opened to peers while a relayed one was open (hole punching).',
    'counter',
    (n) => n.nat.directUpgrades,
  ),
  nodeValue(
    'node_last_direct_upgrade_seconds',
    'Seconds from the relayed connection to the direct one, for the last upgrade.',
    'gauge',
    (n) => seconds(n.nat.lastUpgradeMs),
  ),
  nodeValue(
    'node_usable_peers',
    'Connected peers past their gater (identify completed); readiness counts these.',
    'gauge',
    (n) => n.usablePeers,
  ),
  nodeValue(
    'node_connections_refused_total',
    'Connections a peer closed right after the handshake (its gater does not admit our wallet).',
    'counter',
    (n) => n.connectionsRefused,
  ),
  nodeValue(
    'node_author_strikes_total',
    'Invalid events held against their signed (authorized) author.',
    'counter',
    (n) => n.accountability.strikes,
  ),
  nodeValue(
    'node_authors_suspended_total',
    'Authors suspended for sending invalid events (their events dropped, their connections refused).',
    'counter',
    (n) => n.accountability.suspensions,
  ),
  nodeValue(
    'node_invalid_events_relayed_total',
    'Invalid events that came through a peer other than their author (the relay was not penalised).',
    'counter',
    (n) => n.accountability.invalidRelayed,
  ),
  nodeValue(
    'node_invalid_events_unattributable_total',
    'Relayed invalid events signed by keys no registry admits.',
    'counter',
    (n) => n.accountability.unattributable,
  ),
  nodeValue(
    'node_invalid_events_unattributable_penalized_total',
    "Unattributable invalid events past their forwarder's allowance (the forwarder was penalised).",
    'counter',
    (n) => n.accountability.unattributablePenalized,
  ),
  nodeValue(
    'node_penalized_peers',
    'Peers whose GossipSub score carries a penalty for invalid events now.',
    'gauge',
    (n) => n.accountability.penalizedPeers,
  ),

  // @depin/gater: the host's gater group (decisions at libp2p's hooks).
  {
    name: 'host_gater_decisions_total',
    help: "Connection gater decisions at libp2p's hooks on this host, by hook, decision and deny reason.",
    type: 'counter',
    labelNames: ['hook', 'decision', 'reason'],
    samples: (s) => (s.hostGater === undefined ? [] : decisionSamples(s.hostGater)),
  },
  {
    name: 'host_gater_members',
    help: 'Database gaters attached to the host.',
    type: 'gauge',
    labelNames: [],
    samples: (s) => (s.hostGater === undefined ? [] : [[{}, s.hostGater.members]]),
  },
  {
    name: 'host_gater_connections_closed_total',
    help: 'Connections closed because no database admits their peer any more, or it was suspended.',
    type: 'counter',
    labelNames: [],
    samples: (s) => (s.hostGater === undefined ? [] : [[{}, s.hostGater.connectionsClosed]]),
  },
  {
    name: 'host_gater_suspended_peers',
    help: 'Peers suspended now (refused although the registry admits them).',
    type: 'gauge',
    labelNames: [],
    samples: (s) => (s.hostGater === undefined ? [] : [[{}, s.hostGater.suspendedPeers]]),
  },

  // @depin/gater: each database's registry gater.
  {
    name: 'gater_decisions_total',
    help: "A database gater's decisions at libp2p's hooks, by hook, decision and deny reason.",
    type: 'counter',
    labelNames: ['database', 'hook', 'decision', 'reason'],
    samples: perDatabase((db) => db.gater, decisionSamples),
  },
  gaterValue(
    'gater_authorized_wallets',
    'Wallets in the current authorized set.',
    'gauge',
    (g) => g.cacheSize,
  ),
  gaterValue(
    'gater_denied_cache_size',
    'Recently denied wallets remembered.',
    'gauge',
    (g) => g.deniedCacheSize,
  ),
  gaterValue('gater_allow_list_size', 'Static allow-list entries.', 'gauge', (g) => g.allowListSize),
  gaterRecord(
    'gater_refreshes_total',
    'Registry refreshes, by result (ok replaced the set; failed kept the last good set).',
    'result',
    (g) => g.refreshes,
  ),
  gaterRecord(
    'gater_registry_failures_total',
    'Failed registry calls, by kind.',
    'kind',
    (g) => g.registryFailures,
  ),
  gaterRecord(
    'gater_registry_calls_total',
    'Registry calls started, by cause.',
    'cause',
    (g) => g.registryCalls,
  ),
  gaterValue(
    'gater_last_refresh_timestamp_seconds',
    'Unix time of the last successful registry answer.',
    'gauge',
    (g) => seconds(g.lastRefreshAt),
  ),
  gaterValue(
    'gater_registry_available',
    '0 before the first registry answer and after a failed call (the set may be stale), else 1.',
    'gauge',
    (g) => (g.registryAvailable ? 1 : 0),
  ),
  gaterValue(
    'gater_misses_rate_limited_total',
    'Cache misses denied without a registry call (rate limit).',
    'counter',
    (g) => g.missesRateLimited,
  ),
  gaterValue(
    'gater_junk_entries_total',
    'Registry entries skipped because they were not wallets.',
    'counter',
    (g) => g.junkEntries,
  ),
  gaterValue('gater_revocations_total', 'Wallets that left the registry.', 'counter', (g) => g.revocations),
  gaterValue(
    'gater_connections_closed_total',
    'Connections closed because their peer left the registry.',
    'counter',
    (g) => g.connectionsClosed,
  ),

  // @depin/messaging: each database's topics.
  messagingValue('messaging_topics', 'Topics joined.', 'gauge', (m) => m.topics),
  messagingValue(
    'messaging_subscriptions',
    'Live subscriptions (handlers).',
    'gauge',
    (m) => m.subscriptions,
  ),
  messagingValue('messaging_published_total', 'Events published.', 'counter', (m) => m.published),
  messagingValue(
    'messaging_published_without_peers_total',
    'Events published while no peer was subscribed.',
    'counter',
    (m) => m.publishedWithoutPeers,
  ),
  messagingValue(
    'messaging_accepted_total',
    'Received events that passed validation.',
    'counter',
    (m) => m.accepted,
  ),
  messagingValue(
    'messaging_delivered_total',
    'Handler invocations that completed.',
    'counter',
    (m) => m.delivered,
  ),
  messagingRecord(
    'messaging_rejected_total',
    'Received messages rejected by the topic validator, by reason.',
    (m) => m.rejected,
  ),
  messagingValue(
    'messaging_rejected_relayed_total',
    'Rejected messages that came through a peer other than their author (the relay was not penalised).',
    'counter',
    (m) => m.rejectedRelayed,
  ),
  messagingRecord(
    'messaging_ignored_total',
    'Received messages dropped without penalty, by reason.',
    (m) => m.ignored,
  ),
  messagingValue(
    'messaging_handler_errors_total',
    'Handler invocations that threw or rejected.',
    'counter',
    (m) => m.handlerErrors,
  ),
  messagingValue(
    'messaging_dropped_total',
    'Events dropped because a subscription queue was full.',
    'counter',
    (m) => m.dropped,
  ),
  messagingValue(
    'messaging_own_events_skipped_total',
    'Own events that came back from the network and were not delivered.',
    'counter',
    (m) => m.ownEventsSkipped,
  ),
  messagingValue('messaging_queued', 'Events waiting in subscription queues.', 'gauge', (m) => m.queued),
  // @depin/messaging: each database's history and catch-up.
  messagingValue('history_events', 'Events kept in the history.', 'gauge', (m) => m.history.events),
  messagingValue('history_bytes', 'Estimated bytes kept in the history.', 'gauge', (m) => m.history.bytes),
  messagingValue(
    'history_requests_made_total',
    'History requests made (inventories and fetches).',
    'counter',
    (m) => m.history.requestsMade,
  ),
  messagingValue(
    'history_requests_failed_total',
    'History requests that failed (error, timeout, refusal, rejected answer).',
    'counter',
    (m) => m.history.requestsFailed,
  ),
  messagingValue(
    'history_peers_skipped_total',
    'Peers not asked for history because they do not speak the protocol (Go nodes).',
    'counter',
    (m) => m.history.peersSkipped,
  ),
  messagingValue(
    'history_requests_served_total',
    'History requests answered.',
    'counter',
    (m) => m.history.requestsServed,
  ),
  messagingRecord(
    'history_requests_refused_total',
    'History requests refused, by reason.',
    (m) => m.history.requestsRefused,
  ),
  messagingValue('history_catch_ups_total', 'Catch-ups run.', 'counter', (m) => m.history.catchUps),
  messagingValue('history_syncs_total', 'Anti-entropy syncs asked for.', 'counter', (m) => m.history.syncs),
  messagingValue(
    'history_recovered_total',
    'Missed events delivered by catch-up (marked replayed).',
    'counter',
    (m) => m.history.recovered,
  ),
  messagingValue(
    'history_duplicates_total',
    'Events offered again after they were delivered (dropped).',
    'counter',
    (m) => m.history.duplicates,
  ),
  messagingValue(
    'history_received_bytes_total',
    'Bytes of history answers received.',
    'counter',
    (m) => m.history.bytesReceived,
  ),
  messagingValue(
    'history_sent_bytes_total',
    'Bytes of history answers sent.',
    'counter',
    (m) => m.history.bytesSent,
  ),
  messagingRecord(
    'history_rejected_total',
    'Events in history answers rejected, by reason (the serving peer is held to account).',
    (m) => m.history.rejected,
  ),
])
