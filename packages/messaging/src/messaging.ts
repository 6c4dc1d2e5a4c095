import {
  createPeerAccountability,
  type GossipSubInternals,
  type PeerAccountability,
} from '@depin/infrastructure'
import { type Logger, noopLogger } from '@depin/logger'
import { createCounts, snapshotOf } from '@depin/metrics-schema'
import type { GossipSub, Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { TypedEventEmitter } from 'main-event'
import { MessagingNotRunningError } from './errors.js'
import type { PubSubEvent } from './event.js'
import { DatabaseHistory } from './history.js'
import { SKEW_MARGIN_MS } from './history-catch-up.js'
import type * as api from './messaging-api.js'
import { claimDatabase, releaseDatabase, resolveMessagingInit } from './messaging-init.js'
import { emptyHistoryMetrics, MESSAGING_METRICS, type MessagingMetrics } from './metrics.js'
import { HISTORY_DEFAULTS, type ResolvedMessagingOptions } from './options.js'
import { publishEvent } from './publish.js'
import {
  createSubscription,
  deliverReplayed,
  historyQueryLimit,
  subscriptionSettings,
} from './subscription.js'
import { assertTopic, gossipTopic } from './topic.js'
import { waitForReachableSubscribers } from './topic-peers.js'
import { TopicTable } from './topic-table.js'
import { createTopicValidator } from './topic-validator.js'
import { checkAuthorization, type EventValidationOptions } from './validate.js'

/**
 * Creates the messaging layer of one database on a (possibly shared) GossipSub node.
 *
 * @example
 * const messaging = createMessaging({ pubsub: node.services.pubsub, peerId: node.peerId, databaseName: 'my-depin', isAuthorized })
 * await messaging.start()
 * await messaging.subscribe('rooms', (event) => console.log(event.message))
 * await messaging.publish('rooms', { hello: 'world' })
 */
export function createMessaging(init: api.MessagingInit): api.Messaging {
  return new DefaultMessaging(init)
}

class DefaultMessaging extends TypedEventEmitter<api.MessagingEvents> implements api.Messaging {
  readonly databaseName: string
  private readonly pubsub: GossipSub
  private readonly internals: GossipSubInternals
  private readonly peerId: PeerId
  private readonly selfId: string
  private readonly init: api.MessagingInit
  private readonly log: Logger
  private readonly options: ResolvedMessagingOptions
  private readonly counters = createCounts(MESSAGING_METRICS)
  private readonly topicTable: TopicTable
  private readonly accepted = new WeakMap<Message, PubSubEvent>()
  private running = false
  private controller = new AbortController()
  private validation: EventValidationOptions | undefined
  private readonly databaseHistory: DatabaseHistory | undefined

  constructor(init: api.MessagingInit) {
    super()
    const log = init.logger ?? noopLogger
    const { options, scoreParams, internals } = resolveMessagingInit(init, log)
    this.init = init
    this.databaseName = init.databaseName
    this.pubsub = init.pubsub
    this.internals = internals
    this.peerId = init.peerId
    this.selfId = init.peerId.toString()
    this.log = log
    this.options = options
    const accountability: PeerAccountability =
      init.accountability ?? createPeerAccountability({ logger: log })
    this.topicTable = new TopicTable({
      pubsub: init.pubsub,
      internals,
      databaseName: init.databaseName,
      scoreParams,
      validator: createTopicValidator({
        accountability,
        counters: this.counters,
        log,
        accepted: this.accepted,
        validationOptions: () => this.validationOptions(),
        gossipTopicOf: (topic) => this.topicTable.gossipTopicOf(topic),
        onRejected: (detail) => this.safeDispatchEvent('message:rejected', { detail }),
      }),
      onLeave: (topic) => this.databaseHistory?.unsubscribed(topic),
      log,
    })
    this.databaseHistory =
      init.libp2p === undefined
        ? undefined
        : new DatabaseHistory({
            host: init.libp2p,
            databaseName: init.databaseName,
            options: { ...HISTORY_DEFAULTS, ...init.history },
            maxMessageBytes: options.maxMessageBytes,
            privateKey: init.privateKey,
            authorize: (peer) => checkAuthorization(peer, this.validationOptions()),
            accountability,
            subscribers: (full) => this.pubsub.getSubscribers(full).map((peer) => peer.toString()),
            deliver: (topic, events, sinceMs) =>
              deliverReplayed(this.topicTable.get(topic), events, sinceMs, this.selfId),
            log,
          })
  }

  async start(): Promise<void> {
    if (this.running) return
    claimDatabase(this.pubsub, this.databaseName)
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
    this.topicTable.leaveAll()
    this.pubsub.removeEventListener('message', this.onMessage)
    this.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    await this.databaseHistory?.stop()
    this.controller.abort(new MessagingNotRunningError(this.databaseName))
    releaseDatabase(this.pubsub, this.databaseName)
  }

  isStarted(): boolean {
    return this.running
  }

  async join(topic: string): Promise<void> {
    this.assertRunning()
    this.topicTable.join(topic)
  }

  async subscribe<T = unknown>(
    topic: string,
    handler: api.EventHandler<T>,
    options: api.SubscribeOptions = {},
  ): Promise<api.Subscription> {
    this.assertRunning()
    const settings = subscriptionSettings(handler, options, this.options)
    const state = this.topicTable.join(topic)
    const subscription = createSubscription({
      ...settings,
      topic,
      handler,
      floorMs: settings.sinceMs ?? Date.now(),
      counters: this.counters,
      log: this.log,
      onHandlerError: (detail) => this.safeDispatchEvent('handler:error', { detail }),
      onDropped: (detail) => this.safeDispatchEvent('message:dropped', { detail }),
    })
    this.topicTable.subscribe(state, subscription)
    this.databaseHistory?.subscribed(topic, settings.sinceMs)
    return {
      topic,
      resumeFrom: () =>
        Math.min(
          this.databaseHistory?.gapSince(topic) ?? Number.POSITIVE_INFINITY,
          subscription.pendingResumeMs() ?? Number.POSITIVE_INFINITY,
          Date.now() - SKEW_MARGIN_MS,
        ),
      unsubscribe: async () => {
        if (this.topicTable.unsubscribe(state, subscription)) this.databaseHistory?.unsubscribed(topic)
      },
    }
  }

  async publish<T>(topic: string, message: T, options: api.PublishOptions = {}): Promise<PubSubEvent<T>> {
    this.assertRunning()
    const state = this.topicTable.join(topic)
    const init = {
      pubsub: this.pubsub,
      selfId: this.selfId,
      maxMessageBytes: this.options.maxMessageBytes,
      throwOnNoPeers: options.throwOnNoPeers ?? this.options.throwOnNoPeers,
      counters: this.counters,
      log: this.log,
      onPublished: (event: PubSubEvent, data: Uint8Array) =>
        this.databaseHistory?.published(topic, event, data),
    }
    return publishEvent(init, state, message)
  }

  async leave(topic: string): Promise<void> {
    assertTopic(topic)
    this.topicTable.leave(topic)
  }

  waitForTopicPeers(topic: string, options: api.WaitForTopicPeersOptions = {}): Promise<number> {
    this.assertRunning()
    return waitForReachableSubscribers({
      pubsub: this.pubsub,
      internals: this.internals,
      topic,
      gossipTopic: gossipTopic(this.databaseName, topic),
      min: options.min ?? 1,
      timeoutMs: options.timeoutMs ?? this.options.waitForTopicPeersTimeoutMs,
      signal: options.signal,
      stopSignal: this.controller.signal,
      stopped: () => new MessagingNotRunningError(this.databaseName),
    })
  }

  topicPeers(topic: string): string[] {
    return this.pubsub.getSubscribers(gossipTopic(this.databaseName, topic)).map((peer) => peer.toString())
  }

  topics(): string[] {
    return this.topicTable.names()
  }

  async history(topic: string, options: api.HistoryQueryOptions): Promise<PubSubEvent[]> {
    this.assertRunning()
    assertTopic(topic)
    const limit = historyQueryLimit(options)
    if (this.databaseHistory === undefined) return []
    return this.databaseHistory.query(topic, options.sinceMs, limit, options.signal)
  }

  metrics(): MessagingMetrics {
    const { subscriptions, queued } = this.topicTable.handlerCounts()
    return snapshotOf(MESSAGING_METRICS, this.counters, {
      topics: this.topicTable.size,
      subscriptions,
      rejectedTotal: Object.values<number>(this.counters.rejected).reduce((sum, n) => sum + n, 0),
      queued,
      history: this.databaseHistory?.metrics() ?? emptyHistoryMetrics(),
    })
  }

  private assertRunning(): void {
    if (!this.running) throw new MessagingNotRunningError(this.databaseName)
  }

  /** The validator's options, built once per start (its signal is this run's). */
  private validationOptions(): EventValidationOptions {
    this.validation ??= {
      maxMessageBytes: this.options.maxMessageBytes,
      isAuthorized: this.init.isAuthorized,
      ...(this.init.isAuthorizedCached === undefined
        ? {}
        : { isAuthorizedCached: this.init.isAuthorizedCached }),
      authorizationTimeoutMs: this.options.authorizationTimeoutMs,
      signal: this.controller.signal,
    }
    return this.validation
  }

  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const message = evt.detail
    const state = this.topicTable.ofGossipTopic(message.topic)
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
    const resumeMs = Date.now() - SKEW_MARGIN_MS
    for (const subscription of state.subscriptions) subscription.push(event, resumeMs)
  }

  private readonly onSubscriptionChange = (
    evt: CustomEvent<{ peerId: PeerId; subscriptions: Array<{ topic: string; subscribe: boolean }> }>,
  ): void => {
    this.databaseHistory?.subscriptionChange(evt.detail.peerId.toString(), evt.detail.subscriptions)
  }
}
