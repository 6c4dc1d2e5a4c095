import { createHistoryCounters, type HistoryMetrics, historyMetricsOf } from './history-counters.js'
import type { IgnoreReason, RejectReason } from './validate.js'
import { IGNORE_REASONS, REJECT_REASONS } from './validate.js'

/** Counters of one database's messaging layer, as a plain object. */
export interface MessagingMetrics {
  /** Topics joined (validator installed). */
  topics: number
  /** Live subscriptions (handlers). */
  subscriptions: number
  /** Events published. */
  published: number
  /** Events published while no peer was subscribed to the topic (sent to nobody). */
  publishedWithoutPeers: number
  /** Events received from the network that passed validation. */
  accepted: number
  /** Handler invocations that completed (one event to three handlers counts three). */
  delivered: number
  /** Received messages rejected by the topic validator, by reason (never delivered nor forwarded). */
  rejected: Record<RejectReason, number>
  /** Sum of `rejected`. */
  rejectedTotal: number
  /**
   * Of the rejected, those that came through a peer other than their signed author: the relay was
   * not penalised (the author was; see the messaging README).
   */
  rejectedRelayed: number
  /** Received messages dropped without penalty, by reason. */
  ignored: Record<IgnoreReason, number>
  /** Handler invocations that threw or rejected. */
  handlerErrors: number
  /** Events dropped because a subscription's queue was full. */
  dropped: number
  /** Events signed by this node itself that arrived from the network and were not delivered. */
  ownEventsSkipped: number
  /** Events currently waiting in subscription queues. */
  queued: number
  /** The history this node keeps and serves, and its catch-ups. */
  history: HistoryMetrics
}

/** History counters of a messaging without history (no libp2p node given). */
export function emptyHistoryMetrics(): HistoryMetrics {
  return historyMetricsOf(createHistoryCounters(), { size: 0, bytes: 0 })
}

/** Mutable counters behind {@link MessagingMetrics}. */
export interface MessagingCounters {
  published: number
  publishedWithoutPeers: number
  accepted: number
  delivered: number
  rejected: Record<RejectReason, number>
  rejectedRelayed: number
  ignored: Record<IgnoreReason, number>
  handlerErrors: number
  dropped: number
  ownEventsSkipped: number
}

/** Fresh zeroed counters. */
export function createCounters(): MessagingCounters {
  const rejected = Object.fromEntries(REJECT_REASONS.map((reason) => [reason, 0])) as Record<
    RejectReason,
    number
  >
  return {
    published: 0,
    publishedWithoutPeers: 0,
    accepted: 0,
    delivered: 0,
    rejected,
    rejectedRelayed: 0,
    ignored: Object.fromEntries(IGNORE_REASONS.map((reason) => [reason, 0])) as Record<IgnoreReason, number>,
    handlerErrors: 0,
    dropped: 0,
    ownEventsSkipped: 0,
  }
}
