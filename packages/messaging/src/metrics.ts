import { type CountsOf, counter, countsBy, field, gauge, type SnapshotOf } from '@depin/metrics-schema'
import {
  createHistoryCounters,
  HISTORY_METRICS,
  type HistoryMetrics,
  historyMetricsOf,
} from './history-counters.js'
import { IGNORE_REASONS, REJECT_REASONS } from './validate.js'

/** The figures of the messaging layer itself (its history has its own, in {@link HISTORY_METRICS}). */
const TOPIC_METRICS = {
  /** Topics joined (validator installed). */
  topics: gauge('messaging_topics', 'Topics joined.'),
  /** Live subscriptions (handlers). */
  subscriptions: gauge('messaging_subscriptions', 'Live subscriptions (handlers).'),
  /** Events published. */
  published: counter('messaging_published_total', 'Events published.'),
  /** Events published while no peer was subscribed to the topic (sent to nobody). */
  publishedWithoutPeers: counter(
    'messaging_published_without_peers_total',
    'Events published while no peer was subscribed.',
  ),
  /** Events received from the network that passed validation. */
  accepted: counter('messaging_accepted_total', 'Received events that passed validation.'),
  /** Handler invocations that completed (one event to three handlers counts three). */
  delivered: counter('messaging_delivered_total', 'Handler invocations that completed.'),
  /** Received messages rejected by the topic validator, by reason (never delivered nor forwarded). */
  rejected: countsBy(
    'messaging_rejected_total',
    'Received messages rejected by the topic validator, by reason.',
    'reason',
    REJECT_REASONS,
  ),
  /** Sum of `rejected`. */
  rejectedTotal: field<number>(),
  /**
   * Of the rejected, those that came through a peer other than their signed author: the relay was
   * not penalised (the author was; see the messaging README).
   */
  rejectedRelayed: counter(
    'messaging_rejected_relayed_total',
    'Rejected messages that came through a peer other than their author (the relay was not penalised).',
  ),
  /** Received messages dropped without penalty, by reason. */
  ignored: countsBy(
    'messaging_ignored_total',
    'Received messages dropped without penalty, by reason.',
    'reason',
    IGNORE_REASONS,
  ),
  /** Handler invocations that threw or rejected. */
  handlerErrors: counter('messaging_handler_errors_total', 'Handler invocations that threw or rejected.'),
  /** Events dropped because a subscription's queue was full. */
  dropped: counter('messaging_dropped_total', 'Events dropped because a subscription queue was full.'),
  /** Events signed by this node itself that arrived from the network and were not delivered. */
  ownEventsSkipped: counter(
    'messaging_own_events_skipped_total',
    'Own events that came back from the network and were not delivered.',
  ),
  /** Events currently waiting in subscription queues. */
  queued: gauge('messaging_queued', 'Events waiting in subscription queues.'),
}

/**
 * Every figure of the messaging layer. Written as a type so that the published .d.ts keeps each
 * declaration's TSDoc (an inferred type would inline the nested history without it).
 */
type MessagingFigures = typeof TOPIC_METRICS & {
  /** The history this node keeps and serves, and its catch-ups. */
  history: typeof HISTORY_METRICS
}

/**
 * The metrics of one database's messaging layer, declared once: `Messaging.metrics()` returns
 * {@link MessagingMetrics}; @depin/metrics exposes the declared Prometheus metrics
 * (`depin_messaging_*`, `depin_history_*`) with a `database` label.
 */
export const MESSAGING_METRICS: MessagingFigures = { ...TOPIC_METRICS, history: HISTORY_METRICS }

/** Counters of one database's messaging layer, as a plain object (declared in {@link MESSAGING_METRICS}). */
export type MessagingMetrics = SnapshotOf<MessagingFigures>

/** Mutable counters behind {@link MessagingMetrics}. */
export type MessagingCounters = CountsOf<MessagingFigures>

/** History counters of a messaging without history (no libp2p node given). */
export function emptyHistoryMetrics(): HistoryMetrics {
  return historyMetricsOf(createHistoryCounters(), { size: 0, bytes: 0 })
}
