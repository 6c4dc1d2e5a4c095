import type { Logger } from '@depin/logger'
import type { GossipSub } from '@libp2p/gossipsub'
import { InvalidMessageError, NoPeersError } from './errors.js'
import { createEvent, encodeEvent, type PubSubEvent } from './event.js'
import type { MessagingCounters } from './metrics.js'
import type { TopicState } from './topic-table.js'

/** What {@link publishEvent} sends with. */
export interface PublishInit {
  pubsub: GossipSub
  /** This node's PeerId (the event's `fromPeerId`). */
  selfId: string
  maxMessageBytes: number
  /** Throw {@link NoPeersError} when no peer is subscribed (before sending) or none received it. */
  throwOnNoPeers: boolean
  counters: MessagingCounters
  log: Logger
  /** The event was sent: the history keeps it. */
  onPublished: (event: PubSubEvent, data: Uint8Array) => void
}

/**
 * Wraps `message` in an event, sends it on the topic, counts it, and hands it to the topic's own
 * handlers that asked for our own events; resolves to the event sent.
 */
export async function publishEvent<T>(
  init: PublishInit,
  state: TopicState,
  message: T,
): Promise<PubSubEvent<T>> {
  const { pubsub, counters } = init
  const event = createEvent(init.selfId, message)
  const data = encodeEvent(event)
  if (data.byteLength > init.maxMessageBytes) {
    throw new InvalidMessageError(
      `the event is ${data.byteLength} bytes; the limit (maxMessageBytes) is ${init.maxMessageBytes}`,
    )
  }
  if (init.throwOnNoPeers && pubsub.getSubscribers(state.gossipTopic).length === 0)
    throw new NoPeersError(state.topic)
  let recipients = 0
  try {
    recipients = (await pubsub.publish(state.gossipTopic, data)).recipients.length
  } catch (err) {
    // A GossipSub configured without allowPublishToZeroTopicPeers throws instead of sending to nobody.
    if (!(err instanceof Error && err.message === 'PublishError.NoPeersSubscribedToTopic')) throw err
  }
  counters.published++
  if (recipients === 0) {
    counters.publishedWithoutPeers++
    init.log.debug('published to no peers', 'topic', state.gossipTopic, 'eventId', event.id)
    if (init.throwOnNoPeers) throw new NoPeersError(state.topic)
  }
  init.onPublished(event, data)
  const frozen = Object.freeze({ ...event })
  for (const subscription of state.subscriptions) {
    if (subscription.deliverOwnEvents) subscription.queue.push(frozen)
  }
  return event
}
