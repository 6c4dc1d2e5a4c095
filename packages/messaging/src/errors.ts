import { DepinError, type DepinErrorOptions, messageErrorClass, reasonErrorClass } from '@depin/errors'

// Moved to @depin/errors (every package validates config with it); re-exported for compatibility.
export { type ConfigIssue, InvalidConfigError } from '@depin/errors'

/**
 * `publish` found no peer subscribed to the topic and was asked to fail in that case
 * (`throwOnNoPeers`). By default publishing to an empty topic succeeds and is only counted.
 * Wait for subscribers first with `waitForTopicPeers(topic)`.
 */
export class NoPeersError extends DepinError<'NO_PEERS'> {
  override name = 'NoPeersError'
  /** The application topic (without the database prefix). */
  readonly topic: string
  constructor(topic: string, options: DepinErrorOptions = {}) {
    super(
      'NO_PEERS',
      `No peer is subscribed to topic "${topic}"; wait with waitForTopicPeers("${topic}") before publishing`,
      options,
    )
    this.topic = topic
  }
}

/** `waitForTopicPeers` gave up before `min` peers subscribed to the topic. */
export class TopicPeersTimeoutError extends DepinError<'TOPIC_PEERS_TIMEOUT'> {
  override name = 'TopicPeersTimeoutError'
  /** The application topic (without the database prefix). */
  readonly topic: string
  constructor(topic: string, min: number, found: number, timeoutMs: number, options: DepinErrorOptions = {}) {
    super(
      'TOPIC_PEERS_TIMEOUT',
      `Timed out after ${timeoutMs} ms waiting for ${min} peer(s) on topic "${topic}" (found ${found})`,
      options,
    )
    this.topic = topic
  }
}

/** A topic name is not usable: empty, too long, or contains control characters. */
export class InvalidTopicError extends reasonErrorClass(
  'INVALID_TOPIC',
  'InvalidTopicError',
  'Invalid topic',
) {}

/** A message to publish cannot be sent: not JSON-serialisable, or its event exceeds the size cap. */
export class InvalidMessageError extends reasonErrorClass(
  'INVALID_MESSAGE',
  'InvalidMessageError',
  'Cannot publish message',
) {}

/** The messaging layer (or the database) was stopped, or not started yet. */
export class MessagingNotRunningError extends messageErrorClass(
  'MESSAGING_NOT_RUNNING',
  'MessagingNotRunningError',
  (databaseName) =>
    `Messaging for database "${databaseName}" is not running (not started, or already disconnected)`,
) {}

/** Two messaging instances tried to serve the same database on the same GossipSub node. */
export class DatabaseInUseError extends messageErrorClass(
  'DATABASE_IN_USE',
  'DatabaseInUseError',
  (databaseName) =>
    `Database "${databaseName}" is already open on this node; reuse the existing handle or disconnect it first`,
) {}

declare module '@depin/errors' {
  interface DepinErrorsByCode {
    NO_PEERS: NoPeersError
    TOPIC_PEERS_TIMEOUT: TopicPeersTimeoutError
    INVALID_TOPIC: InvalidTopicError
    INVALID_MESSAGE: InvalidMessageError
    MESSAGING_NOT_RUNNING: MessagingNotRunningError
    DATABASE_IN_USE: DatabaseInUseError
  }
}
