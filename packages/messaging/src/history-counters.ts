import type { HistoryRefusal, HistoryRejectReason } from './history-wire.js'
import { HISTORY_REFUSALS, HISTORY_REJECT_REASONS } from './history-wire.js'

/** Counters of a database's history (see the messaging README, "History and catch-up"). */
export interface HistoryMetrics {
  /** Events kept now, all topics. */
  events: number
  /** Estimated bytes kept now. */
  bytes: number
  /** History requests this node made (inventories and fetches). */
  requestsMade: number
  /** Of those, the ones that failed (stream error, timeout, refusal, bad answer). */
  requestsFailed: number
  /** Peers not asked because they do not speak the protocol (the Go implementation). */
  peersSkipped: number
  /** Requests this node answered with history. */
  requestsServed: number
  /** Requests this node refused, by reason. */
  requestsRefused: Record<HistoryRefusal, number>
  /** Catch-ups run (a topic regained peers, a peer came back, a subscription asked, or a sync). */
  catchUps: number
  /** Anti-entropy syncs asked for (one peer per subscribed topic per `syncIntervalMs`). */
  syncs: number
  /** Missed events delivered to handlers by catch-up (each once, marked `replayed`). */
  recovered: number
  /** Events offered by peers that this node had already delivered (dropped). */
  duplicates: number
  /** Bytes of history answers received and sent. */
  bytesReceived: number
  bytesSent: number
  /** Events in history answers rejected, by reason; the serving peer is held to account. */
  rejected: Record<HistoryRejectReason, number>
  rejectedTotal: number
}

/** The mutable counters behind {@link HistoryMetrics} (the store gives `events` and `bytes`). */
export type HistoryCounters = Omit<HistoryMetrics, 'events' | 'bytes' | 'rejectedTotal'>

/** Fresh zeroed counters. */
export function createHistoryCounters(): HistoryCounters {
  return {
    requestsMade: 0,
    requestsFailed: 0,
    peersSkipped: 0,
    requestsServed: 0,
    requestsRefused: Object.fromEntries(HISTORY_REFUSALS.map((r) => [r, 0])) as Record<
      HistoryRefusal,
      number
    >,
    catchUps: 0,
    syncs: 0,
    recovered: 0,
    duplicates: 0,
    bytesReceived: 0,
    bytesSent: 0,
    rejected: Object.fromEntries(HISTORY_REJECT_REASONS.map((r) => [r, 0])) as Record<
      HistoryRejectReason,
      number
    >,
  }
}

/** A snapshot of the counters, with what the store holds. */
export function historyMetricsOf(
  counters: HistoryCounters,
  store: { readonly size: number; readonly bytes: number },
): HistoryMetrics {
  return {
    ...counters,
    events: store.size,
    bytes: store.bytes,
    requestsRefused: { ...counters.requestsRefused },
    rejected: { ...counters.rejected },
    rejectedTotal: Object.values(counters.rejected).reduce((sum, n) => sum + n, 0),
  }
}
