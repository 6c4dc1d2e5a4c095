import type { GossipSubInternals } from '@depin/infrastructure'
import type { Logger } from '@depin/logger'
import type { GossipSub, TopicValidatorFn } from '@libp2p/gossipsub'
import type { TopicScoreParams } from '@libp2p/gossipsub/score'
import type { PubSubEvent } from './event.js'
import type { DeliveryQueue } from './queue.js'
import { installTopicScoreParams } from './scoring.js'
import { gossipTopic } from './topic.js'

/** One handler on a topic. */
export interface SubscriptionState {
  readonly deliverOwnEvents: boolean
  /**
   * Its `catchUp` time, or when it began (Unix ms): a catch-up of a gap that started before this
   * was not for it (a fresh subscription starts from now).
   */
  readonly floorMs: number
  readonly queue: DeliveryQueue<PubSubEvent>
  /**
   * Queues an event with its resume point (a live event: when it arrived, less the skew margin; a
   * replayed one: the time its catch-up asked from), held until the handler is done with it.
   * False when dropped (queue full or closed).
   */
  push(event: PubSubEvent, resumeMs: number): boolean
  /** The earliest resume point of the events queued or being handled, if any. */
  pendingResumeMs(): number | undefined
}

/** A topic joined: its GossipSub topic, the validator installed for it, its handlers. */
export interface TopicState {
  readonly topic: string
  readonly gossipTopic: string
  readonly validator: TopicValidatorFn
  readonly subscriptions: Set<SubscriptionState>
}

/** What a {@link TopicTable} installs topics on. */
export interface TopicTableInit {
  pubsub: GossipSub
  internals: GossipSubInternals
  databaseName: string
  scoreParams: TopicScoreParams
  /** The validator of an application topic. */
  validator: (topic: string) => TopicValidatorFn
  /** A topic was left (its handlers closed). */
  onLeave: (topic: string) => void
  log: Logger
}

/** The topics one database joined: their validators, score parameters and handlers. */
export class TopicTable {
  private readonly init: TopicTableInit
  private readonly joined = new Map<string, TopicState>()
  private readonly byGossipTopic = new Map<string, TopicState>()
  private scoringWarned = false

  constructor(init: TopicTableInit) {
    this.init = init
  }

  get size(): number {
    return this.joined.size
  }

  get(topic: string): TopicState | undefined {
    return this.joined.get(topic)
  }

  /** The topic joined under this GossipSub topic string. */
  ofGossipTopic(full: string): TopicState | undefined {
    return this.byGossipTopic.get(full)
  }

  /** Application topics joined. */
  names(): string[] {
    return [...this.joined.keys()]
  }

  /** Handlers on every topic, and the events waiting in their queues. */
  handlerCounts(): { subscriptions: number; queued: number } {
    let subscriptions = 0
    let queued = 0
    for (const state of this.joined.values()) {
      subscriptions += state.subscriptions.size
      for (const subscription of state.subscriptions) queued += subscription.queue.size
    }
    return { subscriptions, queued }
  }

  /** The GossipSub topic string of an application topic, joined or not. */
  gossipTopicOf(topic: string): string {
    return this.joined.get(topic)?.gossipTopic ?? gossipTopic(this.init.databaseName, topic)
  }

  join(topic: string): TopicState {
    const existing = this.joined.get(topic)
    if (existing !== undefined) return existing
    const { pubsub, log } = this.init
    const full = gossipTopic(this.init.databaseName, topic)
    const state: TopicState = {
      topic,
      gossipTopic: full,
      validator: this.init.validator(topic),
      subscriptions: new Set(),
    }
    // The validator goes in before we subscribe, so no message on this topic is ever delivered unchecked.
    pubsub.topicValidators.set(full, state.validator)
    if (!installTopicScoreParams(this.init.internals, full, this.init.scoreParams) && !this.scoringWarned) {
      this.scoringWarned = true
      log.warn('this GossipSub exposes no score parameters; invalid messages will not lower peer scores')
    }
    this.joined.set(topic, state)
    this.byGossipTopic.set(full, state)
    log.debug('joined topic', 'topic', full)
    return state
  }

  /** Adds a handler to a joined topic, subscribing in GossipSub with the first. */
  subscribe(state: TopicState, subscription: SubscriptionState): void {
    state.subscriptions.add(subscription)
    const { pubsub } = this.init
    if (!pubsub.getTopics().includes(state.gossipTopic)) pubsub.subscribe(state.gossipTopic)
    this.init.log.debug('subscribed', 'topic', state.gossipTopic)
  }

  /**
   * Closes a handler's queue and removes it; true when it was the topic's last (GossipSub is then
   * unsubscribed, the topic stays joined). Idempotent.
   */
  unsubscribe(state: TopicState, subscription: SubscriptionState): boolean {
    subscription.queue.close()
    if (!state.subscriptions.delete(subscription)) return false
    if (state.subscriptions.size > 0 || this.joined.get(state.topic) !== state) return false
    this.init.pubsub.unsubscribe(state.gossipTopic)
    return true
  }

  leave(topic: string): void {
    const state = this.joined.get(topic)
    if (state === undefined) return
    const { pubsub } = this.init
    this.joined.delete(topic)
    this.byGossipTopic.delete(state.gossipTopic)
    this.init.onLeave(topic)
    for (const subscription of state.subscriptions) subscription.queue.close()
    state.subscriptions.clear()
    if (pubsub.getTopics().includes(state.gossipTopic)) pubsub.unsubscribe(state.gossipTopic)
    if (pubsub.topicValidators.get(state.gossipTopic) === state.validator) {
      pubsub.topicValidators.delete(state.gossipTopic)
    }
    this.init.log.debug('left topic', 'topic', state.gossipTopic)
  }

  leaveAll(): void {
    for (const topic of this.names()) this.leave(topic)
  }
}
