import type { PeerAccountability } from '@depin/infrastructure'
import type { Logger } from '@depin/logger'
import type { GossipSub } from '@libp2p/gossipsub'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { TypedEventTarget } from 'main-event'
import type { DatabaseInUseError } from './errors.js'
import type { PubSubEvent } from './event.js'
import type { HistoryHost } from './history.js'
import type { MessagingMetrics } from './metrics.js'
import type { MessagingOptions } from './options.js'
import type { Authorizer, RejectReason } from './validate.js'

/** A subscription's callback. An async handler is awaited before the next event is handed over. */
export type EventHandler<T = unknown> = (event: PubSubEvent<T>) => void | Promise<void>

/** Per-subscription overrides of {@link MessagingOptions}. */
export interface SubscribeOptions {
  /** @default the messaging's `deliverOwnEvents` (false) */
  deliverOwnEvents?: boolean
  /** @default the messaging's `queueSize` (256) */
  queueSize?: number
  /**
   * Deliver first the events published on the topic since `sinceMs` (Unix ms) that peers still
   * hold, marked `replayed` (e.g. the time this process last stopped). Without it a new
   * subscription starts from now. Needs the history (`libp2p` in the messaging init).
   */
  catchUp?: { sinceMs: number }
}

/** Options of `history`. */
export interface HistoryQueryOptions {
  /** Events received (by the answering nodes) at or after this time, Unix ms. */
  sinceMs: number
  /** Most events returned (the oldest first). @default 1_000 */
  limit?: number
  signal?: AbortSignal
}

/** Per-call overrides for `publish`. */
export interface PublishOptions {
  /** @default the messaging's `throwOnNoPeers` (false) */
  throwOnNoPeers?: boolean
}

/** Options of `waitForTopicPeers`. */
export interface WaitForTopicPeersOptions {
  /** Peers subscribed to the topic to wait for. @default 1 */
  min?: number
  /** @default the messaging's `waitForTopicPeersTimeoutMs` (10 s) */
  timeoutMs?: number
  signal?: AbortSignal
}

/** A handler registered on a topic. */
export interface Subscription {
  /** The application topic (without the database prefix). */
  readonly topic: string
  /**
   * Where a restarted process should catch up from (Unix ms, for `catchUp.sinceMs`) so that it
   * misses nothing this handler has not finished with: the start of a gap this process has not
   * filled yet (its own `catchUp` time until a peer answered it, or the time the topic lost its
   * peers), the arrival of events still queued or being handled (less a 5 s skew margin), else
   * now less that margin; never earlier than `history.maxAgeMs` ago (no history keeps older
   * events). Store it with what the handler stored, e.g. after each event; the
   * overlap it asks again is the price of not losing any (the new process remembers no ids).
   */
  resumeFrom(): number
  /** Stops delivery to this handler; events still queued for it are discarded. Idempotent. */
  unsubscribe(): Promise<void>
}

/** Detail of the `message:rejected` event. */
export interface MessageRejectedDetail {
  topic: string
  reason: RejectReason
  /** The peer the message came from. */
  propagationSource: string
  /** Its signed author (GossipSub `from`), when signed. */
  author: string | undefined
  /**
   * Who paid: the `author` (a strike; a score penalty too when it sent the message itself), the
   * `forwarder` (it forwarded a flood of messages signed by keys no registry admits), or `none`.
   */
  penalized: 'author' | 'forwarder' | 'none'
}

/** Events of a {@link Messaging} instance. */
export interface MessagingEvents {
  /** A received message failed validation (it was not delivered nor forwarded). */
  'message:rejected': CustomEvent<MessageRejectedDetail>
  /** A subscription's queue was full; the event was dropped for that handler. */
  'message:dropped': CustomEvent<{ topic: string; eventId: string }>
  /** A handler threw; the subscription continues. */
  'handler:error': CustomEvent<{ topic: string; eventId: string; error: unknown }>
}

/** What {@link createMessaging} needs: a GossipSub instance, our PeerId, and the database's authorization check. */
export interface MessagingInit extends MessagingOptions {
  /** The node's `@libp2p/gossipsub` service (StrictSign). */
  pubsub: GossipSub
  /** This node's PeerId (the signer of what we publish). */
  peerId: PeerId
  /** The database namespace: topics are `<databaseName>_<topic>`. */
  databaseName: string
  /** Whether a signer is authorized in this database (e.g. a RegistryGater's `isAuthorized`). */
  isAuthorized: Authorizer
  /** Optional synchronous cache check tried first (e.g. a RegistryGater's `isAuthorizedCached`). */
  isAuthorizedCached?: (peerId: PeerId) => boolean
  /**
   * Who pays for invalid events: the node's (a `DepinNode`'s `accountability`, shared by its
   * databases, wired to its gater and to GossipSub's score). Without one, this messaging keeps its
   * own: authors are struck and suspended here only (their events dropped), and a peer that sends
   * its own invalid events is penalised by GossipSub's P4 (the validator rejects).
   */
  accountability?: PeerAccountability
  /**
   * The libp2p node, to keep and serve history over `/depin/history/1.0.0` and catch up (shared by
   * the node's databases). Without it there is no history.
   */
  libp2p?: HistoryHost
  /** This node's key: signs our own events when a peer first asks for them from our history. */
  privateKey?: PrivateKey
  logger?: Logger
}

/**
 * A database's topics: subscribing, publishing, leaving, their peers and their history. What
 * {@link Messaging} offers, and what @depin/pubsub's `Database` passes on to the application.
 */
export interface DatabaseTopics {
  /** Adds a handler to a topic; resolves once subscribed. Several handlers per topic are fine. */
  subscribe<T = unknown>(
    topic: string,
    handler: EventHandler<T>,
    options?: SubscribeOptions,
  ): Promise<Subscription>
  /** Publishes any JSON value; resolves to the event sent. */
  publish<T>(topic: string, message: T, options?: PublishOptions): Promise<PubSubEvent<T>>
  /** Unsubscribes every handler of the topic and stops validating it. Idempotent. */
  leave(topic: string): Promise<void>
  /**
   * Resolves with the number of peers subscribed to the topic and reachable (our stream to them is
   * open) once it reaches `min` (default 1), so first messages are not lost.
   */
  waitForTopicPeers(topic: string, options?: WaitForTopicPeersOptions): Promise<number>
  /** PeerIds of peers subscribed to the topic, as far as we know. */
  topicPeers(topic: string): string[]
  /**
   * The topic's events since `sinceMs` (Unix ms), from this node's history and up to
   * `history.catchUpPeers` (3) peers', each checked against its author's signature, oldest first.
   * Handlers are not called.
   */
  history(topic: string, options: HistoryQueryOptions): Promise<PubSubEvent[]>
}

/** Topics, subscriptions and publishing for one database on a shared GossipSub node. */
export interface Messaging extends TypedEventTarget<MessagingEvents>, DatabaseTopics {
  readonly databaseName: string
  /** Starts listening for messages. Idempotent. Throws {@link DatabaseInUseError} if the database is already open on this GossipSub. */
  start(): Promise<void>
  /** Leaves every topic and stops delivery. Idempotent. */
  stop(): Promise<void>
  isStarted(): boolean
  /** Installs the validator and scoring for a topic without subscribing (publishing joins too). */
  join(topic: string): Promise<void>
  /** Application topics joined. */
  topics(): string[]
  metrics(): MessagingMetrics
}
