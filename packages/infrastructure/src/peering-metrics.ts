import {
  counter,
  createCounts,
  flag,
  gauge,
  type SnapshotOf,
  seconds,
  snapshotOf,
} from '@depin/metrics-schema'

/** What the search for near peers counts (part of `metrics().peering`). */
export const NEAR_PEERS_METRICS = {
  /** Near peers asked for their near peers, because this node had fewer than it wants. */
  nearLookups: counter(
    'node_peering_near_lookups_total',
    'Near peers asked for their near peers (by a node with fewer near peers than it wants).',
  ),
  /** Dials to peers a near peer named. */
  nearDials: counter('node_peering_near_dials_total', 'Dials to peers that a near peer named as near to it.'),
  /** Of those, the ones that failed. */
  nearDialFailures: counter(
    'node_peering_near_dial_failures_total',
    'Dials to peers that a near peer named that failed.',
  ),
  /** Answers that failed or were malformed, and malformed entries in an answer (skipped). */
  nearAnswersRejected: counter(
    'node_peering_near_answers_rejected_total',
    'Near-peer answers that failed or were malformed, and malformed entries in an answer.',
  ),
  /** Near-peer lists this node served to peers that asked. */
  nearAnswersServed: counter(
    'node_peering_near_answers_served_total',
    'Near-peer lists served to peers that asked.',
  ),
}

/** The counts {@link createNearPeerSeeker} keeps. */
export interface NearPeerCounts {
  nearLookups: number
  nearDials: number
  nearDialFailures: number
  nearAnswersRejected: number
  nearAnswersServed: number
}

/** What latency-aware peering did, for `metrics().peering`. */
export const PEERING_METRICS = {
  /** Whether latency-aware peering runs (`peering.latencyAware`). */
  latencyAware: flag('node_peering_latency_aware', '1 when latency-aware peering runs on this node.'),
  /** Connected peers with a measured RTT. */
  measuredPeers: gauge('node_peering_measured_peers', 'Connected peers with a measured RTT.'),
  /** Median RTT (ms) over them; `null` before any sample. */
  rttMedianMs: seconds<number | null>(
    'node_peering_rtt_median_seconds',
    'Median round-trip time to the connected peers measured by latency-aware peering.',
  ),
  /**
   * The nearest band with a connected peer (index into `peering.rttBandsMs`; it and the next are
   * near); `null` before any sample.
   */
  nearBand: gauge<number | null>(
    'node_peering_near_band',
    'The nearest RTT band with a connected peer (index into peering.rttBandsMs; it and the next are near).',
    (band) => band ?? undefined,
  ),
  /** Connected peers in the near bands. */
  nearPeers: gauge('node_peering_near_peers', 'Connected peers in the near RTT bands.'),
  /** Connected far peers kept by the far-band guarantee. */
  farPeersKept: gauge(
    'node_peering_far_peers_kept',
    'Connected far peers kept by the far-band guarantee (never trimmed).',
  ),
  /** Far bands with at least one connected peer. */
  farBandsConnected: gauge(
    'node_peering_far_bands_connected',
    'Far RTT bands with at least one connected peer.',
  ),
  /** Dials made to restore a far band's links. */
  farRedials: counter('node_peering_far_redials_total', 'Dials made to restore the links of a far RTT band.'),
  /** RTT pings sent (a failed ping only means no sample): to peers over TCP or a relay. */
  pings: counter(
    'node_peering_pings_total',
    'RTT pings sent by latency-aware peering (TCP and relayed peers).',
  ),
  /** RTT samples read from a direct QUIC connection's own estimate instead (no ping stream). */
  transportRttReads: counter(
    'node_peering_transport_rtt_reads_total',
    "RTT samples read from a direct QUIC connection's own RTT estimate (no ping stream).",
  ),
  /** RTT pings that failed. */
  pingFailures: counter(
    'node_peering_ping_failures_total',
    'RTT pings that failed (no sample; the connection is not judged by them).',
  ),
  ...NEAR_PEERS_METRICS,
}

/** What latency-aware peering did, for `metrics().peering`. */
export type PeeringMetrics = SnapshotOf<typeof PEERING_METRICS>

/** {@link PeeringMetrics} of a node that runs without latency-aware peering: nothing measured, no count. */
export const PEERING_OFF_METRICS: Readonly<PeeringMetrics> = Object.freeze(
  snapshotOf(PEERING_METRICS, createCounts(PEERING_METRICS), {
    latencyAware: false,
    measuredPeers: 0,
    rttMedianMs: null,
    nearBand: null,
    nearPeers: 0,
    farPeersKept: 0,
    farBandsConnected: 0,
  }),
)
