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
}

/** {@link MessagingOptions} with every default applied. */
export type ResolvedMessagingOptions = Required<Omit<MessagingOptions, 'topicScoreParams'>>

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
