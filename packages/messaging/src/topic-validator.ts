import type { PeerAccountability } from '@depin/infrastructure'
import type { Logger } from '@depin/logger'
import type { Message, TopicValidatorFn } from '@libp2p/gossipsub'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import type { PubSubEvent } from './event.js'
import type { MessageRejectedDetail } from './messaging-api.js'
import type { MessagingCounters } from './metrics.js'
import {
  checkAuthorization,
  type EventValidationOptions,
  type RejectReason,
  validateEventMessage,
} from './validate.js'

/** What the topic validators of one database check against and report to. */
export interface TopicValidatorInit {
  accountability: PeerAccountability
  counters: MessagingCounters
  log: Logger
  /** Where an accepted message's event is left for the `message` handler (keyed by the message). */
  accepted: WeakMap<Message, PubSubEvent>
  /** The validator's options of the current run. */
  validationOptions: () => EventValidationOptions
  /** The GossipSub topic string of an application topic. */
  gossipTopicOf: (topic: string) => string
  /** A message was rejected (the messaging dispatches `message:rejected`). */
  onRejected: (detail: MessageRejectedDetail) => void
}

/**
 * The GossipSub validator of each application topic: a suspended author's events are ignored at
 * once; others are checked by {@link validateEventMessage} and accepted, ignored, or rejected
 * (counted, and their author held to account).
 */
export function createTopicValidator(init: TopicValidatorInit): (topic: string) => TopicValidatorFn {
  const { accountability, counters, log } = init

  /**
   * An invalid event: dropped (never delivered nor forwarded) and counted. Its signed author is held
   * to account, not the relay that forwarded it (plain GossipSub's Reject would penalise every peer
   * that forwarded a copy, Go relays included, which validate nothing). GossipSub is told to
   * Reject only when no score penalty can be applied otherwise (see {@link PeerAccountability}).
   */
  const reject = async (
    topic: string,
    propagationSource: PeerId,
    message: Message,
    reason: RejectReason,
  ): Promise<TopicValidatorResult> => {
    counters.rejected[reason]++
    const author = message.type === 'signed' ? message.from : undefined
    // Only an author this database admits can be held to account: a strike on a throwaway key costs
    // its owner nothing (and would fill the strike table).
    const authorAuthorized =
      author !== undefined &&
      reason !== 'unauthorized' &&
      (await checkAuthorization(author, init.validationOptions())) === true
    const verdict = accountability.reportInvalid({
      author,
      forwarder: propagationSource,
      authorAuthorized,
      reason,
      topic: init.gossipTopicOf(topic),
    })
    const source = propagationSource.toString()
    const authorId = author?.toString()
    if (authorId !== source) counters.rejectedRelayed++
    log.debug(
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
    init.onRejected({
      topic,
      reason,
      propagationSource: source,
      author: authorId,
      penalized: verdict.penalized,
    })
    return verdict.rejectInGossipSub ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore
  }

  const validate = async (
    topic: string,
    propagationSource: PeerId,
    message: Message,
  ): Promise<TopicValidatorResult> => {
    // A suspended author's events are dropped before any work, and the relay is not blamed.
    if (message.type === 'signed' && accountability.isSuspended(message.from)) {
      counters.ignored['author-suspended']++
      const verdict = accountability.reportSuspended(message.from, propagationSource)
      return verdict.rejectInGossipSub ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore
    }
    const outcome = await validateEventMessage(message, init.validationOptions())
    switch (outcome.result) {
      case 'accept':
        counters.accepted++
        init.accepted.set(message, Object.freeze(outcome.event))
        return TopicValidatorResult.Accept
      case 'ignore':
        counters.ignored[outcome.reason]++
        log.debug(
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
        return reject(topic, propagationSource, message, outcome.reason)
    }
  }

  return (topic) => (propagationSource, message) => validate(topic, propagationSource, message)
}
