export { MESSAGING_OPTION_KEYS, validateMessagingOptions } from './config.js'
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
export type { HistoryHost, HistoryMetrics } from './history.js'
export { ENTRY_OVERHEAD_BYTES, type HistoryEntry, type HistoryLimits, HistoryStore } from './history-store.js'
export {
  decodeRequest as decodeHistoryRequest,
  HISTORY_PROTOCOL,
  HISTORY_REJECT_REASONS,
  type HistoryRefusal,
  type HistoryRejectReason,
  type HistoryRequest,
  type HistoryResponseHeader,
  signedBytes as historySignedBytes,
  verifyEntry as verifyHistoryEntry,
} from './history-wire.js'
export { createMessaging } from './messaging.js'
export type {
  DatabaseTopics,
  EventHandler,
  HistoryQueryOptions,
  MessageRejectedDetail,
  Messaging,
  MessagingEvents,
  MessagingInit,
  PublishOptions,
  SubscribeOptions,
  Subscription,
  WaitForTopicPeersOptions,
} from './messaging-api.js'
export { MESSAGING_METRICS, type MessagingMetrics } from './metrics.js'
export {
  HISTORY_DEFAULTS,
  type HistoryOptions,
  MESSAGING_DEFAULTS,
  type MessagingOptions,
  type ResolvedHistoryOptions,
  type ResolvedMessagingOptions,
} from './options.js'
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
