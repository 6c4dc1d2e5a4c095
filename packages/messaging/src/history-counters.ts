import {
  type CountsOf,
  counter,
  countsBy,
  createCounts,
  field,
  gauge,
  type SnapshotOf,
  snapshotOf,
} from '@depin/metrics-schema'
import { HISTORY_REFUSALS, HISTORY_REJECT_REASONS } from './history-wire.js'

/** The metrics of a database's history (see the messaging README, "History and catch-up"). */
export const HISTORY_METRICS = {
  /** History requests this node made (inventories and fetches). */
  requestsMade: counter('history_requests_made_total', 'History requests made (inventories and fetches).'),
  /** Of those, the ones that failed (stream error, timeout, refusal, bad answer). */
  requestsFailed: counter(
    'history_requests_failed_total',
    'History requests that failed (error, timeout, refusal, rejected answer).',
  ),
  /** Peers not asked because they do not speak the protocol (the Go implementation). */
  peersSkipped: counter(
    'history_peers_skipped_total',
    'Peers not asked for history because they do not speak the protocol (Go nodes).',
  ),
  /** Requests this node answered with history. */
  requestsServed: counter('history_requests_served_total', 'History requests answered.'),
  /** Requests this node refused, by reason. */
  requestsRefused: countsBy(
    'history_requests_refused_total',
    'History requests refused, by reason.',
    'reason',
    HISTORY_REFUSALS,
  ),
  /** Catch-ups run (a topic regained peers, a peer came back, a subscription asked, or a sync). */
  catchUps: counter('history_catch_ups_total', 'Catch-ups run.'),
  /** Anti-entropy syncs asked for (one peer per subscribed topic per `syncIntervalMs`). */
  syncs: counter('history_syncs_total', 'Anti-entropy syncs asked for.'),
  /** Of those syncs' peers, the ones asked because the sync's previous peer did not answer. */
  syncRetries: counter(
    'history_sync_retries_total',
    'Peers asked by an anti-entropy sync because its previous peer did not answer.',
  ),
  /** Missed events delivered to handlers by catch-up (each once, marked `replayed`). */
  recovered: counter('history_recovered_total', 'Missed events delivered by catch-up (marked replayed).'),
  /** Events offered by peers that this node had already delivered (dropped). */
  duplicates: counter(
    'history_duplicates_total',
    'Events offered again after they were delivered (dropped).',
  ),
  /** Bytes of history answers received. */
  bytesReceived: counter('history_received_bytes_total', 'Bytes of history answers received.'),
  /** Bytes of history answers sent. */
  bytesSent: counter('history_sent_bytes_total', 'Bytes of history answers sent.'),
  /** Events in history answers rejected, by reason; the serving peer is held to account. */
  rejected: countsBy(
    'history_rejected_total',
    'Events in history answers rejected, by reason (the serving peer is held to account).',
    'reason',
    HISTORY_REJECT_REASONS,
  ),
  /** Events kept now, all topics. */
  events: gauge('history_events', 'Events kept in the history.'),
  /** Estimated bytes kept now. */
  bytes: gauge('history_bytes', 'Estimated bytes kept in the history.'),
  /** Sum of `rejected` (Prometheus sums the labelled series itself). */
  rejectedTotal: field<number>(),
}

/** Counters of a database's history (see the messaging README, "History and catch-up"). */
export type HistoryMetrics = SnapshotOf<typeof HISTORY_METRICS>

/** The mutable counters behind {@link HistoryMetrics} (the store gives `events` and `bytes`). */
export type HistoryCounters = CountsOf<typeof HISTORY_METRICS>

/** Fresh zeroed counters. */
export function createHistoryCounters(): HistoryCounters {
  return createCounts(HISTORY_METRICS)
}

/** A snapshot of the counters, with what the store holds. */
export function historyMetricsOf(
  counters: HistoryCounters,
  store: { readonly size: number; readonly bytes: number },
): HistoryMetrics {
  return snapshotOf(HISTORY_METRICS, counters, {
    events: store.size,
    bytes: store.bytes,
    rejectedTotal: Object.values<number>(counters.rejected).reduce((sum, n) => sum + n, 0),
  })
}
