import { createPeerAccountability, type PeerAccountability } from '@depin/infrastructure'
import { type Logger, noopLogger } from '@depin/logger'
import type { GossipSub, Message, TopicValidatorFn } from '@libp2p/gossipsub'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import {
  createTopicScoreParams,
  type TopicScoreParams,
  validateTopicScoreParams,
} from '@libp2p/gossipsub/score'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { TypedEventEmitter, type TypedEventTarget } from 'main-event'
import { validateMessagingOptions } from './config.js'
import {
  type ConfigIssue,
  DatabaseInUseError,
  InvalidConfigError,
  InvalidMessageError,
  MessagingNotRunningError,
  NoPeersError,
  TopicPeersTimeoutError,
} from './errors.js'
import { createEvent, encodeEvent, type PubSubEvent } from './event.js'
import { DatabaseHistory, type HistoryHost } from './history.js'
import { createCounters, emptyHistoryMetrics, type MessagingMetrics } from './metrics.js'
import {
  HISTORY_DEFAULTS,
  MESSAGING_DEFAULTS,
  type MessagingOptions,
  type ResolvedMessagingOptions,
} from './options.js'
import { createDeliveryQueue, type DeliveryQueue } from './queue.js'
import { DEFAULT_TOPIC_SCORE_PARAMS, installTopicScoreParams, invalidMessageWeight } from './scoring.js'
import { assertTopic, gossipTopic } from './topic.js'
import { type Authorizer, checkAuthorization, type RejectReason, validateEventMessage } from './validate.js'

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

/** Topics, subscriptions and publishing for one database on a shared GossipSub node. */
export interface Messaging extends TypedEventTarget<MessagingEvents> {
  readonly databaseName: string
  /** Starts listening for messages. Idempotent. Throws {@link DatabaseInUseError} if the database is already open on this GossipSub. */
  start(): Promise<void>
  /** Leaves every topic and stops delivery. Idempotent. */
  stop(): Promise<void>
  isStarted(): boolean
  /** Installs the validator and scoring for a topic without subscribing (publishing joins too). */
  join(topic: string): Promise<void>
  /** Adds a handler to a topic; resolves once subscribed. Several handlers per topic are fine. */
  subscribe<T = unknown>(
    topic: string,
    handler: EventHandler<T>,
    options?: SubscribeOptions,
  ): Promise<Subscription>
  /** Publishes a JSON message; resolves to the event sent. */
  publish<T>(topic: string, message: T, options?: PublishOptions): Promise<PubSubEvent<T>>
  /** Unsubscribes every handler of the topic and removes its validator. Idempotent. */
  leave(topic: string): Promise<void>
  /** Resolves with the number of peers subscribed to the topic (and reachable: our stream to them is open) once it reaches `min`. */
  waitForTopicPeers(topic: string, options?: WaitForTopicPeersOptions): Promise<number>
  /** PeerIds of peers subscribed to the topic. */
  topicPeers(topic: string): string[]
  /** Application topics joined. */
  topics(): string[]
  /**
   * The topic's events since `sinceMs` from this node's history and its topic peers', each
   * verified against its author's signature, oldest first. Not delivered to handlers.
   */
  history(topic: string, options: HistoryQueryOptions): Promise<PubSubEvent[]>
  metrics(): MessagingMetrics
}

interface SubscriptionState {
  readonly deliverOwnEvents: boolean
  /**
   * Its `catchUp` time, or when it began (Unix ms): a catch-up of a gap that started before this
   * was not for it (a fresh subscription starts from now).
   */
  readonly floorMs: number
  readonly queue: DeliveryQueue<PubSubEvent>
}

interface TopicState {
  readonly topic: string
  readonly gossipTopic: string
  readonly validator: TopicValidatorFn
  readonly subscriptions: Set<SubscriptionState>
}

const TOPIC_PEERS_POLL_MS = 25

const TIME_MESSAGE = 'must be a time in Unix milliseconds'
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value)

// One messaging per database per GossipSub instance: validators are keyed by topic string.
const openDatabases = new WeakMap<object, Set<string>>()

/**
 * Creates the messaging layer of one database on a (possibly shared) GossipSub node.
 *
 * @example
 * const messaging = createMessaging({ pubsub: node.services.pubsub, peerId: node.peerId, databaseName: 'my-depin', isAuthorized })
 * await messaging.start()
 * await messaging.subscribe('rooms', (event) => console.log(event.message))
 * await messaging.publish('rooms', { hello: 'world' })
 */
export function createMessaging(init: MessagingInit): Messaging {
  return new DefaultMessaging(init)
}

class DefaultMessaging extends TypedEventEmitter<MessagingEvents> implements Messaging {
  readonly databaseName: string
  private readonly pubsub: GossipSub
  private readonly peerId: PeerId
  private readonly selfId: string
  private readonly isAuthorized: Authorizer
  private readonly isAuthorizedCached: ((peerId: PeerId) => boolean) | undefined
  private readonly accountability: PeerAccountability
  private readonly log: Logger
  private readonly options: ResolvedMessagingOptions
  private readonly scoreParams: TopicScoreParams
  private readonly counters = createCounters()
  private readonly joined = new Map<string, TopicState>()
  private readonly byGossipTopic = new Map<string, TopicState>()
  private readonly accepted = new WeakMap<Message, PubSubEvent>()
  private running = false
  private controller = new AbortController()
  private scoringWarned = false
  private validation: Parameters<typeof validateEventMessage>[1] | undefined
  private readonly databaseHistory: DatabaseHistory | undefined

  constructor(init: MessagingInit) {
    super()
    const issues = validateMessagingOptions(init)
    if (typeof init.databaseName !== 'string' || init.databaseName.length === 0) {
      issues.unshift({ field: 'databaseName', message: 'must be a non-empty string' })
    }
    if (typeof init.isAuthorized !== 'function')
      issues.push({ field: 'isAuthorized', message: 'must be a function' })
    if (init.pubsub == null || typeof init.pubsub.publish !== 'function') {
      issues.push({ field: 'pubsub', message: 'must be a @libp2p/gossipsub instance' })
    }
    let scoreParams: TopicScoreParams | undefined
    try {
      scoreParams = createTopicScoreParams({
        ...DEFAULT_TOPIC_SCORE_PARAMS,
        invalidMessageDeliveriesWeight: invalidMessageWeight(
          init.pubsub ?? {},
          init.invalidMessagesToGraylist ?? MESSAGING_DEFAULTS.invalidMessagesToGraylist,
        ),
        ...init.topicScoreParams,
      })
      validateTopicScoreParams(scoreParams)
    } catch (err) {
      issues.push({ field: 'topicScoreParams', message: err instanceof Error ? err.message : 'invalid' })
    }
    if (init.libp2p !== undefined && typeof init.libp2p.handle !== 'function')
      issues.push({ field: 'libp2p', message: 'must be a libp2p node' })
    if (issues.length > 0 || scoreParams === undefined) throw new InvalidConfigError(issues)
    this.scoreParams = scoreParams
    this.databaseName = init.databaseName
    this.pubsub = init.pubsub
    this.peerId = init.peerId
    this.selfId = init.peerId.toString()
    this.isAuthorized = init.isAuthorized
    this.isAuthorizedCached = init.isAuthorizedCached
    this.log = init.logger ?? noopLogger
    this.accountability = init.accountability ?? createPeerAccountability({ logger: this.log })
    this.options = {
      maxMessageBytes: init.maxMessageBytes ?? MESSAGING_DEFAULTS.maxMessageBytes,
      queueSize: init.queueSize ?? MESSAGING_DEFAULTS.queueSize,
      deliverOwnEvents: init.deliverOwnEvents ?? MESSAGING_DEFAULTS.deliverOwnEvents,
      throwOnNoPeers: init.throwOnNoPeers ?? MESSAGING_DEFAULTS.throwOnNoPeers,
      authorizationTimeoutMs: init.authorizationTimeoutMs ?? MESSAGING_DEFAULTS.authorizationTimeoutMs,
      waitForTopicPeersTimeoutMs:
        init.waitForTopicPeersTimeoutMs ?? MESSAGING_DEFAULTS.waitForTopicPeersTimeoutMs,
      invalidMessagesToGraylist:
        init.invalidMessagesToGraylist ?? MESSAGING_DEFAULTS.invalidMessagesToGraylist,
    }
    this.databaseHistory =
      init.libp2p === undefined
        ? undefined
        : new DatabaseHistory({
            host: init.libp2p,
            databaseName: init.databaseName,
            options: { ...HISTORY_DEFAULTS, ...init.history },
            maxMessageBytes: this.options.maxMessageBytes,
            privateKey: init.privateKey,
            authorize: (peer) => checkAuthorization(peer, this.validationOptions()),
            accountability: this.accountability,
            subscribers: (full) => this.pubsub.getSubscribers(full).map((peer) => peer.toString()),
            deliver: (topic, events, sinceMs) => this.deliverReplayed(topic, events, sinceMs),
            log: this.log,
          })
  }

  async start(): Promise<void> {
    if (this.running) return
    let open = openDatabases.get(this.pubsub)
    if (open === undefined) {
      open = new Set()
      openDatabases.set(this.pubsub, open)
    }
    if (open.has(this.databaseName)) throw new DatabaseInUseError(this.databaseName)
    open.add(this.databaseName)
    this.controller = new AbortController()
    this.validation = undefined
    this.pubsub.addEventListener('message', this.onMessage)
    this.pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    this.running = true
    try {
      await this.databaseHistory?.start()
    } catch (err) {
      await this.stop()
      throw err
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    for (const topic of [...this.joined.keys()]) this.leaveTopic(topic)
    this.pubsub.removeEventListener('message', this.onMessage)
    this.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    await this.databaseHistory?.stop()
    this.controller.abort(new MessagingNotRunningError(this.databaseName))
    openDatabases.get(this.pubsub)?.delete(this.databaseName)
  }

  isStarted(): boolean {
    return this.running
  }

  async join(topic: string): Promise<void> {
    this.assertRunning()
    this.joinTopic(topic)
  }

  async subscribe<T = unknown>(
    topic: string,
    handler: EventHandler<T>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    this.assertRunning()
    if (typeof handler !== 'function')
      throw new InvalidConfigError([{ field: 'handler', message: 'must be a function' }])
    const queueSize = options.queueSize ?? this.options.queueSize
    if (!Number.isSafeInteger(queueSize) || queueSize < 1) {
      throw new InvalidConfigError([{ field: 'queueSize', message: 'must be a positive integer' }])
    }
    const sinceMs = options.catchUp?.sinceMs
    if (options.catchUp !== undefined && !isTime(sinceMs)) {
      throw new InvalidConfigError([{ field: 'catchUp.sinceMs', message: TIME_MESSAGE }])
    }
    const state = this.joinTopic(topic)
    let firstDropLogged = false
    const subscription: SubscriptionState = {
      deliverOwnEvents: options.deliverOwnEvents ?? this.options.deliverOwnEvents,
      floorMs: sinceMs ?? Date.now(),
      queue: createDeliveryQueue<PubSubEvent>({
        capacity: queueSize,
        handler: (event) => handler(event as PubSubEvent<T>),
        onDelivered: () => {
          this.counters.delivered++
        },
        onError: (error, event) => {
          this.counters.handlerErrors++
          this.log.warn(
            'pubsub handler threw; the subscription continues',
            'topic',
            topic,
            'eventId',
            event.id,
            'error',
            error,
          )
          this.safeDispatchEvent('handler:error', { detail: { topic, eventId: event.id, error } })
        },
        onDrop: (event) => {
          this.counters.dropped++
          if (!firstDropLogged) {
            firstDropLogged = true
            this.log.warn(
              'pubsub handler too slow; dropping events (counted in metrics().dropped)',
              'topic',
              topic,
              'queueSize',
              queueSize,
            )
          }
          this.safeDispatchEvent('message:dropped', { detail: { topic, eventId: event.id } })
        },
      }),
    }
    state.subscriptions.add(subscription)
    if (!this.pubsub.getTopics().includes(state.gossipTopic)) this.pubsub.subscribe(state.gossipTopic)
    this.databaseHistory?.subscribed(topic, sinceMs)
    this.log.debug('subscribed', 'topic', state.gossipTopic)
    return {
      topic,
      unsubscribe: async () => {
        subscription.queue.close()
        if (!state.subscriptions.delete(subscription)) return
        if (state.subscriptions.size === 0 && this.joined.get(topic) === state) {
          this.pubsub.unsubscribe(state.gossipTopic)
          this.databaseHistory?.unsubscribed(topic)
        }
      },
    }
  }

  async publish<T>(topic: string, message: T, options: PublishOptions = {}): Promise<PubSubEvent<T>> {
    this.assertRunning()
    const state = this.joinTopic(topic)
    const event = createEvent(this.selfId, message)
    const data = encodeEvent(event)
    if (data.byteLength > this.options.maxMessageBytes) {
      throw new InvalidMessageError(
        `the event is ${data.byteLength} bytes; the limit (maxMessageBytes) is ${this.options.maxMessageBytes}`,
      )
    }
    const throwOnNoPeers = options.throwOnNoPeers ?? this.options.throwOnNoPeers
    if (throwOnNoPeers && this.pubsub.getSubscribers(state.gossipTopic).length === 0)
      throw new NoPeersError(topic)
    let recipients = 0
    try {
      recipients = (await this.pubsub.publish(state.gossipTopic, data)).recipients.length
    } catch (err) {
      // A GossipSub configured without allowPublishToZeroTopicPeers throws instead of sending to nobody.
      if (!(err instanceof Error && err.message === 'PublishError.NoPeersSubscribedToTopic')) throw err
    }
    this.counters.published++
    if (recipients === 0) {
      this.counters.publishedWithoutPeers++
      this.log.debug('published to no peers', 'topic', state.gossipTopic, 'eventId', event.id)
      if (throwOnNoPeers) throw new NoPeersError(topic)
    }
    this.databaseHistory?.published(topic, event, data)
    const frozen = Object.freeze({ ...event })
    for (const subscription of state.subscriptions) {
      if (subscription.deliverOwnEvents) subscription.queue.push(frozen)
    }
    return event
  }

  async leave(topic: string): Promise<void> {
    assertTopic(topic)
    this.leaveTopic(topic)
  }

  waitForTopicPeers(topic: string, options: WaitForTopicPeersOptions = {}): Promise<number> {
    this.assertRunning()
    const full = gossipTopic(this.databaseName, topic)
    const min = options.min ?? 1
    const timeoutMs = options.timeoutMs ?? this.options.waitForTopicPeersTimeoutMs
    const count = (): number => this.reachableSubscribers(full)
    const found = count()
    if (found >= min) return Promise.resolve(found)
    options.signal?.throwIfAborted()
    const stopSignal = this.controller.signal
    return new Promise<number>((resolve, reject) => {
      const check = (): void => {
        const n = count()
        if (n >= min) finish(() => resolve(n))
      }
      const onAbort = (): void => finish(() => reject(options.signal?.reason))
      const onStop = (): void => finish(() => reject(new MessagingNotRunningError(this.databaseName)))
      const timer = setTimeout(
        () => finish(() => reject(new TopicPeersTimeoutError(topic, min, count(), timeoutMs))),
        timeoutMs,
      )
      // Our stream to a new subscriber opens without any event: re-check briefly until the deadline.
      const poll = setInterval(check, TOPIC_PEERS_POLL_MS)
      const finish = (settle: () => void): void => {
        clearTimeout(timer)
        clearInterval(poll)
        this.pubsub.removeEventListener('subscription-change', check)
        options.signal?.removeEventListener('abort', onAbort)
        stopSignal.removeEventListener('abort', onStop)
        settle()
      }
      this.pubsub.addEventListener('subscription-change', check)
      options.signal?.addEventListener('abort', onAbort, { once: true })
      stopSignal.addEventListener('abort', onStop, { once: true })
    })
  }

  topicPeers(topic: string): string[] {
    return this.pubsub.getSubscribers(gossipTopic(this.databaseName, topic)).map((peer) => peer.toString())
  }

  topics(): string[] {
    return [...this.joined.keys()]
  }

  async history(topic: string, options: HistoryQueryOptions): Promise<PubSubEvent[]> {
    this.assertRunning()
    assertTopic(topic)
    const limit = options?.limit ?? 1_000
    const issues: ConfigIssue[] = []
    if (!isTime(options?.sinceMs)) issues.push({ field: 'sinceMs', message: TIME_MESSAGE })
    if (!Number.isSafeInteger(limit) || limit < 1)
      issues.push({ field: 'limit', message: 'must be a positive integer' })
    if (issues.length > 0) throw new InvalidConfigError(issues)
    if (this.databaseHistory === undefined) return []
    return this.databaseHistory.query(topic, options.sinceMs, limit, options.signal)
  }

  metrics(): MessagingMetrics {
    let subscriptions = 0
    let queued = 0
    for (const state of this.joined.values()) {
      subscriptions += state.subscriptions.size
      for (const subscription of state.subscriptions) queued += subscription.queue.size
    }
    const c = this.counters
    return {
      topics: this.joined.size,
      subscriptions,
      published: c.published,
      publishedWithoutPeers: c.publishedWithoutPeers,
      accepted: c.accepted,
      delivered: c.delivered,
      rejected: { ...c.rejected },
      rejectedTotal: Object.values(c.rejected).reduce((sum, n) => sum + n, 0),
      rejectedRelayed: c.rejectedRelayed,
      ignored: { ...c.ignored },
      handlerErrors: c.handlerErrors,
      dropped: c.dropped,
      ownEventsSkipped: c.ownEventsSkipped,
      queued,
      history: this.databaseHistory?.metrics() ?? emptyHistoryMetrics(),
    }
  }

  /**
   * Subscribers we can send to right now. A peer's subscription can arrive (on its stream to us)
   * before our own GossipSub stream to it is open, and until then a publish skips it; so count a
   * subscriber only once that stream exists. `streamsOutbound` is not in GossipSub's public type:
   * when it is absent we fall back to counting every subscriber.
   */
  private reachableSubscribers(full: string): number {
    const subscribers = this.pubsub.getSubscribers(full)
    const outbound = (this.pubsub as { streamsOutbound?: unknown }).streamsOutbound
    if (!(outbound instanceof Map)) return subscribers.length
    return subscribers.filter((peer) => outbound.has(peer.toString())).length
  }

  private assertRunning(): void {
    if (!this.running) throw new MessagingNotRunningError(this.databaseName)
  }

  private joinTopic(topic: string): TopicState {
    const existing = this.joined.get(topic)
    if (existing !== undefined) return existing
    const full = gossipTopic(this.databaseName, topic)
    const validator: TopicValidatorFn = (propagationSource, message) =>
      this.validate(topic, propagationSource, message)
    const state: TopicState = { topic, gossipTopic: full, validator, subscriptions: new Set() }
    // The validator goes in before we subscribe, so no message on this topic is ever delivered unchecked.
    this.pubsub.topicValidators.set(full, validator)
    if (!installTopicScoreParams(this.pubsub, full, this.scoreParams) && !this.scoringWarned) {
      this.scoringWarned = true
      this.log.warn('this GossipSub exposes no score parameters; invalid messages will not lower peer scores')
    }
    this.joined.set(topic, state)
    this.byGossipTopic.set(full, state)
    this.log.debug('joined topic', 'topic', full)
    return state
  }

  private leaveTopic(topic: string): void {
    const state = this.joined.get(topic)
    if (state === undefined) return
    this.joined.delete(topic)
    this.byGossipTopic.delete(state.gossipTopic)
    this.databaseHistory?.unsubscribed(topic)
    for (const subscription of state.subscriptions) subscription.queue.close()
    state.subscriptions.clear()
    if (this.pubsub.getTopics().includes(state.gossipTopic)) this.pubsub.unsubscribe(state.gossipTopic)
    if (this.pubsub.topicValidators.get(state.gossipTopic) === state.validator) {
      this.pubsub.topicValidators.delete(state.gossipTopic)
    }
    this.log.debug('left topic', 'topic', state.gossipTopic)
  }

  private async validate(
    topic: string,
    propagationSource: PeerId,
    message: Message,
  ): Promise<TopicValidatorResult> {
    // A suspended author's events are dropped before any work, and the relay is not blamed.
    if (message.type === 'signed' && this.accountability.isSuspended(message.from)) {
      this.counters.ignored['author-suspended']++
      const verdict = this.accountability.reportSuspended(message.from, propagationSource)
      return verdict.rejectInGossipSub ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore
    }
    const outcome = await validateEventMessage(message, this.validationOptions())
    switch (outcome.result) {
      case 'accept':
        this.counters.accepted++
        this.accepted.set(message, Object.freeze(outcome.event))
        return TopicValidatorResult.Accept
      case 'ignore':
        this.counters.ignored[outcome.reason]++
        this.log.debug(
          'ignored message',
          'topic',
          topic,
          'reason',
          outcome.reason,
          'from',
          propagationSource.toString(),
        )
        return TopicValidatorResult.Ignore
      case 'reject':
        return this.reject(topic, propagationSource, message, outcome.reason)
    }
  }

  /**
   * An invalid event: dropped (never delivered nor forwarded) and counted. Its signed author is held
   * to account, not the relay that forwarded it (plain GossipSub's Reject would penalise every peer
   * that forwarded a copy, Go relays included, which validate nothing). GossipSub is told to
   * Reject only when no score penalty can be applied otherwise (see {@link PeerAccountability}).
   */
  private async reject(
    topic: string,
    propagationSource: PeerId,
    message: Message,
    reason: RejectReason,
  ): Promise<TopicValidatorResult> {
    this.counters.rejected[reason]++
    const author = message.type === 'signed' ? message.from : undefined
    // Only an author this database admits can be held to account: a strike on a throwaway key costs
    // its owner nothing (and would fill the strike table).
    const authorAuthorized =
      author !== undefined &&
      reason !== 'unauthorized' &&
      (await checkAuthorization(author, this.validationOptions())) === true
    const verdict = this.accountability.reportInvalid({
      author,
      forwarder: propagationSource,
      authorAuthorized,
      reason,
      topic: this.gossipTopicOf(topic),
    })
    const source = propagationSource.toString()
    const authorId = author?.toString()
    if (authorId !== source) this.counters.rejectedRelayed++
    this.log.debug(
      'rejected message',
      'topic',
      topic,
      'reason',
      reason,
      'from',
      source,
      'author',
      authorId,
      'penalized',
      verdict.penalized,
    )
    this.safeDispatchEvent('message:rejected', {
      detail: { topic, reason, propagationSource: source, author: authorId, penalized: verdict.penalized },
    })
    return verdict.rejectInGossipSub ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore
  }

  private gossipTopicOf(topic: string): string {
    return this.joined.get(topic)?.gossipTopic ?? gossipTopic(this.databaseName, topic)
  }

  /** The validator's options, built once per start (its signal is this run's). */
  private validationOptions(): Parameters<typeof validateEventMessage>[1] {
    this.validation ??= {
      maxMessageBytes: this.options.maxMessageBytes,
      isAuthorized: this.isAuthorized,
      ...(this.isAuthorizedCached === undefined ? {} : { isAuthorizedCached: this.isAuthorizedCached }),
      authorizationTimeoutMs: this.options.authorizationTimeoutMs,
      signal: this.controller.signal,
    }
    return this.validation
  }

  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const message = evt.detail
    const state = this.byGossipTopic.get(message.topic)
    if (state === undefined) return
    const event = this.accepted.get(message)
    // No verdict of ours: it did not pass our validator (or is our own, emitted locally by GossipSub).
    if (event === undefined || message.type !== 'signed') return
    this.accepted.delete(message)
    // As the Go receiver: our own events are not handed back to us (local delivery is done by publish).
    if (message.from.equals(this.peerId)) {
      this.counters.ownEventsSkipped++
      return
    }
    // Already delivered by a catch-up (a replayed copy came first): dropped.
    if (this.databaseHistory?.received(state.topic, message, event) === false) return
    for (const subscription of state.subscriptions) subscription.queue.push(event)
  }

  private readonly onSubscriptionChange = (
    evt: CustomEvent<{ peerId: PeerId; subscriptions: Array<{ topic: string; subscribe: boolean }> }>,
  ): void => {
    this.databaseHistory?.subscriptionChange(evt.detail.peerId.toString(), evt.detail.subscriptions)
  }

  /** Replayed events into every handler's queue, waiting for room instead of dropping (nothing is lost). */
  private async deliverReplayed(topic: string, events: PubSubEvent[], sinceMs: number): Promise<void> {
    const state = this.joined.get(topic)
    if (state === undefined) return
    // Only to subscriptions that were listening (or asked from) when the gap began.
    const missed = [...state.subscriptions].filter((subscription) => subscription.floorMs <= sinceMs)
    await Promise.all(
      missed.map(async ({ queue, deliverOwnEvents }) => {
        for (const event of events) {
          // As live: our own events (a previous process of this wallet) only when asked for.
          if (event.fromPeerId === this.selfId && !deliverOwnEvents) continue
          while (queue.size >= queue.capacity && !queue.closed) await queue.idle()
          if (queue.closed) return
          queue.push(event)
        }
      }),
    )
  }
}
