// The public types and errors of the lower packages, so an application needs only @depin/pubsub.
export type { RegistryGaterMetrics } from '@depin/gater'
export {
  type BootstrapNode,
  DepinError,
  InvalidBootstrapNodeError,
  InvalidPeerIdError,
  InvalidSecretKeyError,
  InvalidWalletError,
  type SecretKeyInput,
  type WalletInput,
} from '@depin/identity'
export {
  type AccountabilityMetrics,
  type AccountabilityOptions,
  NODE_DEFAULTS,
  NODE_PROCESS_FLAGS,
  type NodeMetrics,
  NodeStoppedError,
  NotReadyError,
  type PeerRefusedDetail,
  type PeerSuspendedDetail,
} from '@depin/infrastructure'
export type { Logger, LogLevel } from '@depin/logger'
export type { NodeOptions } from '@depin/messaging'
export {
  type ConfigIssue,
  createEvent,
  type DatabaseConfig,
  decodeEvent,
  type EventHandler,
  encodeEvent,
  HISTORY_DEFAULTS,
  HISTORY_PROTOCOL,
  type HistoryMetrics,
  type HistoryOptions,
  type HistoryQueryOptions,
  type HistoryRejectReason,
  type IgnoreReason,
  InvalidConfigError,
  InvalidMessageError,
  InvalidTopicError,
  type MessageRejectedDetail,
  type MessagingEvents,
  type MessagingMetrics,
  MessagingNotRunningError,
  NoPeersError,
  type PublishOptions,
  type PubSubEvent,
  type RejectReason,
  type SubscribeOptions,
  type Subscription,
  TopicPeersTimeoutError,
  type WaitForTopicPeersOptions,
} from '@depin/messaging'
export { connect } from './connect.js'
export type {
  Database,
  DatabaseEvents,
  DatabaseMetrics,
  WaitUntilReadyOptions,
} from './database.js'
