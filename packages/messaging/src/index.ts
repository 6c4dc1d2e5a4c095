export {
  type DatabaseConfig,
  MAX_DATABASE_NAME_LENGTH,
  messagingOptionsOf,
  type NodeOptions,
  validateDatabaseConfig,
  validateMessagingOptions,
} from './config.js'
export {
  type ConfigIssue,
  DatabaseInUseError,
  InvalidConfigError,
  InvalidMessageError,
  InvalidTopicError,
  MessagingNotRunningError,
  NoPeersError,
  TopicPeersTimeoutError,
} from './errors.js'
export {
  createEvent,
  type DecodeEventResult,
  decodeEvent,
  type EventDecodeFailure,
  encodeEvent,
  type PubSubEvent,
} from './event.js'
export {
  createMessaging,
  type EventHandler,
  type MessageRejectedDetail,
  type Messaging,
  type MessagingEvents,
  type MessagingInit,
  type PublishOptions,
  type SubscribeOptions,
  type Subscription,
  type WaitForTopicPeersOptions,
} from './messaging.js'
export type { MessagingMetrics } from './metrics.js'
export { MESSAGING_DEFAULTS, type MessagingOptions, type ResolvedMessagingOptions } from './options.js'
export { DEFAULT_TOPIC_SCORE_PARAMS } from './scoring.js'
export { gossipTopic, MAX_TOPIC_LENGTH } from './topic.js'
export {
  type Authorizer,
  type EventValidationOptions,
  IGNORE_REASONS,
  type IgnoreReason,
  REJECT_REASONS,
  type RejectReason,
  type ValidationOutcome,
  validateEventMessage,
} from './validate.js'
