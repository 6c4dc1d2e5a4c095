// The public types and errors of the lower packages, so an application needs only @depin/pubsub.
// Every error connect() and a Database can throw is exported, with the catalogue to branch on them.
export {
  type ConfigIssue,
  DEPIN_ERROR_CODES,
  DepinError,
  type DepinErrorCode,
  type DepinErrorOptions,
  InvalidConfigError,
  isDepinError,
  walk,
} from '@depin/errors'
export {
  InvalidGaterConfigError,
  RegistryCallError,
  type RegistryFailureKind,
  type RegistryGaterMetrics,
} from '@depin/gater'
export {
  type BootstrapNode,
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
  InvalidNodeConfigError,
  NODE_DEFAULTS,
  NODE_PROCESS_ENV,
  NODE_PROCESS_FLAGS,
  type NodeMetrics,
  NodeStartError,
  NodeStoppedError,
  NotReadyError,
  type PeerRefusedDetail,
  type PeerSuspendedDetail,
} from '@depin/infrastructure'
export type { Logger, LogLevel } from '@depin/logger'
export {
  createEvent,
  DatabaseInUseError,
  type DatabaseTopics,
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
// The metrics server's error alone: @depin/metrics itself (and prom-client) loads only with metricsServer.
export { MetricsServerStartError } from '@depin/metrics/errors'
export type { DatabaseConfig, MetricsServerOptions, NodeOptions } from './config.js'
export { connect } from './connect.js'
export type {
  Database,
  DatabaseEvents,
  DatabaseMetrics,
  WaitUntilReadyOptions,
} from './database.js'
export { MAX_DATABASE_NAME_LENGTH, validateDatabaseConfig } from './validate-config.js'
