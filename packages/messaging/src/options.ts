import type { TopicScoreParams } from '@libp2p/gossipsub/score'

/** Tunables of the messaging layer. Every default is written once, here. */
export interface MessagingOptions {
  /**
   * Largest event accepted from the network or published, in bytes of its JSON. Larger events
   * are rejected by the topic validator (as go-libp2p-pubsub's default limit).
   * @default 1_048_576 (1 MiB)
   */
  maxMessageBytes?: number
  /**
   * Events waiting per subscription while its handler is busy; beyond this they are dropped and
   * counted (`metrics().dropped`).
   * @default 256
   */
  queueSize?: number
  /**
   * Deliver this node's own published events to its own handlers. The Go implementation never
   * does, so neither do we by default.
   * @default false
   */
  deliverOwnEvents?: boolean
  /**
   * Make `publish` throw {@link NoPeersError} when no peer is subscribed to the topic, instead of
   * sending to nobody and counting it.
   * @default false
   */
  throwOnNoPeers?: boolean
  /**
   * How long the topic validator waits for the registry to authorize an unknown signer before
   * dropping the message (without penalty).
   * @default 2_000
   */
  authorizationTimeoutMs?: number
  /**
   * Default timeout of `waitForTopicPeers`.
   * @default 10_000
   */
  waitForTopicPeersTimeoutMs?: number
  /**
   * Invalid messages on one topic (not yet decayed) after which GossipSub graylists the sender:
   * the P4 weight of our topics is derived from this and the node's graylist threshold.
   * @default 10
   */
  invalidMessagesToGraylist?: number
  /**
   * Overrides of the GossipSub topic score parameters installed for our topics.
   * @default DEFAULT_TOPIC_SCORE_PARAMS
   */
  topicScoreParams?: Partial<TopicScoreParams>
  /**
   * Recent events kept by this node for peers that were away, and catch-up of what this node
   * missed (see the messaging README, "History and catch-up").
   * @default HISTORY_DEFAULTS
   */
  history?: HistoryOptions
}

/** The history every node keeps and serves, and its automatic catch-up. */
export interface HistoryOptions {
  /** Events kept per database, all topics together; 0 keeps none (and serves none). @default 10_000 */
  maxEvents?: number
  /** Bytes kept per database (data plus ~320 bytes per event). @default 16_777_216 (16 MiB) */
  maxBytes?: number
  /** How long an event is kept, from when this node received or published it. @default 600_000 (10 min) */
  maxAgeMs?: number
  /**
   * Catch up automatically: when a subscribed topic regains peers after having none, or a peer that
   * left comes back, ask for the events published meanwhile and deliver the missing ones (marked
   * `replayed`). @default true
   */
  catchUp?: boolean
  /** Peers asked per catch-up. @default 3 */
  catchUpPeers?: number
  /**
   * Anti-entropy: this often (±20 % jitter) each subscribed topic on which an event arrived within
   * `maxAgeMs` compares the ids of the events of the last 4 intervals with one random peer and
   * fetches what it lacks, so an event that reached only some nodes (its publisher's links were
   * failing) still reaches every subscriber. One small request per active topic per interval; a topic idle for longer costs
   * nothing. 0 turns it off. @default 30_000
   */
  syncIntervalMs?: number
  /**
   * History requests served per peer per 10 s; past that it is answered `rate-limited`. A catch-up
   * of a whole 10 000-event history takes about 25 (5 inventory pages, 20 pages of events). @default 60
   */
  requestsPerPeer?: number
  /** How long one history request may take before it is abandoned. @default 10_000 */
  requestTimeoutMs?: number
}

/** {@link HistoryOptions} with every default applied. */
export type ResolvedHistoryOptions = Required<HistoryOptions>

/** The defaults of {@link HistoryOptions}. */
export const HISTORY_DEFAULTS: Readonly<ResolvedHistoryOptions> = Object.freeze({
  maxEvents: 10_000,
  maxBytes: 16 * 1024 * 1024,
  maxAgeMs: 10 * 60_000,
  catchUp: true,
  catchUpPeers: 3,
  syncIntervalMs: 30_000,
  requestsPerPeer: 60,
  requestTimeoutMs: 10_000,
})

/** {@link MessagingOptions} with every default applied. */
export type ResolvedMessagingOptions = Required<Omit<MessagingOptions, 'topicScoreParams' | 'history'>>

/** The defaults of {@link MessagingOptions}. */
export const MESSAGING_DEFAULTS: Readonly<ResolvedMessagingOptions> = Object.freeze({
  maxMessageBytes: 1_048_576,
  queueSize: 256,
  deliverOwnEvents: false,
  throwOnNoPeers: false,
  authorizationTimeoutMs: 2_000,
  waitForTopicPeersTimeoutMs: 10_000,
  invalidMessagesToGraylist: 10,
})
