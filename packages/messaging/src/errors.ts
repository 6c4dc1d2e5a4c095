import { DepinError, type DepinErrorOptions } from '@depin/identity'

/**
 * `publish` found no peer subscribed to the topic and was asked to fail in that case
 * (`throwOnNoPeers`). By default publishing to an empty topic succeeds and is only counted.
 * Wait for subscribers first with `waitForTopicPeers(topic)`.
 */
export class NoPeersError extends DepinError {
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
export class TopicPeersTimeoutError extends DepinError {
  override name = 'TopicPeersTimeoutError'
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
export class InvalidTopicError extends DepinError {
  override name = 'InvalidTopicError'
  constructor(reason: string, options: DepinErrorOptions = {}) {
    super('INVALID_TOPIC', `Invalid topic: ${reason}`, options)
  }
}

/** A message to publish cannot be sent: not JSON-serialisable, or its event exceeds the size cap. */
export class InvalidMessageError extends DepinError {
  override name = 'InvalidMessageError'
  constructor(reason: string, options: DepinErrorOptions = {}) {
    super('INVALID_MESSAGE', `Cannot publish message: ${reason}`, options)
  }
}

/** The messaging layer (or the database) was stopped, or not started yet. */
export class MessagingNotRunningError extends DepinError {
  override name = 'MessagingNotRunningError'
  constructor(databaseName: string, options: DepinErrorOptions = {}) {
    super(
      'MESSAGING_NOT_RUNNING',
      `Messaging for database "${databaseName}" is not running (not started, or already disconnected)`,
      options,
    )
  }
}

/** Two messaging instances tried to serve the same database on the same GossipSub node. */
export class DatabaseInUseError extends DepinError {
  override name = 'DatabaseInUseError'
  constructor(databaseName: string, options: DepinErrorOptions = {}) {
    super(
      'DATABASE_IN_USE',
      `Database "${databaseName}" is already open on this node; reuse the existing handle or disconnect it first`,
      options,
    )
  }
}

/** One bad field of a configuration object. */
export interface ConfigIssue {
  /** The field's path, e.g. `listenPorts.quic`. */
  field: string
  /** What is wrong and what is expected. Never contains the field's value when it is secret. */
  message: string
}

/**
 * A configuration object failed validation. `issues` lists every bad field; the message names
 * each of them. Secret values (the wallet private key) are never echoed.
 */
export class InvalidConfigError extends DepinError {
  override name = 'InvalidConfigError'
  readonly issues: readonly ConfigIssue[]
  constructor(issues: readonly ConfigIssue[], options: DepinErrorOptions = {}) {
    super(
      'INVALID_CONFIG',
      `Invalid configuration: ${issues.map((issue) => `${issue.field} ${issue.message}`).join('; ')}`,
      options,
    )
    this.issues = issues
  }
}
