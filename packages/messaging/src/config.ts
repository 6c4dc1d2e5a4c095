import { type ConfigIssue, ConfigIssues } from '@depin/errors'
import type { MessagingOptions } from './options.js'

/**
 * Every field of {@link MessagingOptions}, once: a configuration that embeds the messaging options
 * (the `connect()` config of @depin/pubsub) knows them and picks them out with this list.
 */
export const MESSAGING_OPTION_KEYS = Object.freeze([
  'maxMessageBytes',
  'queueSize',
  'deliverOwnEvents',
  'throwOnNoPeers',
  'authorizationTimeoutMs',
  'waitForTopicPeersTimeoutMs',
  'invalidMessagesToGraylist',
  'topicScoreParams',
  'history',
] as const satisfies readonly (keyof MessagingOptions)[])

/**
 * The issues (possibly none) of the messaging options in `options`, each naming its field. Fields
 * that are not messaging options are left alone. `createMessaging` throws them as an
 * `InvalidConfigError`; a configuration that embeds these options reports them with its own.
 */
export function validateMessagingOptions(options: MessagingOptions | Record<string, unknown>): ConfigIssue[] {
  const o = options as Record<string, unknown>
  const issues = new ConfigIssues()
  for (const field of [
    'maxMessageBytes',
    'queueSize',
    'authorizationTimeoutMs',
    'waitForTopicPeersTimeoutMs',
  ]) {
    if (o[field] !== undefined && !isPositiveInteger(o[field]))
      issues.add(field, 'must be a positive integer')
  }
  for (const field of ['deliverOwnEvents', 'throwOnNoPeers']) {
    if (o[field] !== undefined && typeof o[field] !== 'boolean') issues.add(field, 'must be a boolean')
  }
  if (
    o.topicScoreParams !== undefined &&
    (o.topicScoreParams === null || typeof o.topicScoreParams !== 'object')
  ) {
    issues.add('topicScoreParams', 'must be an object of GossipSub topic score parameters')
  }
  if (o.history !== undefined) validateHistoryOptions(issues, o.history)
  return [...issues.list]
}

/** The smallest value of each integer field of the history options. */
const HISTORY_INTEGER_FIELDS = {
  maxEvents: 0,
  maxBytes: 1,
  maxAgeMs: 1,
  catchUpPeers: 1,
  syncIntervalMs: 0,
  requestsPerPeer: 1,
  requestTimeoutMs: 1,
} as const

function validateHistoryOptions(issues: ConfigIssues, value: unknown): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    issues.add('history', 'must be an object of history options')
    return
  }
  const h = value as Record<string, unknown>
  for (const key of Object.keys(h)) {
    if (!(key in HISTORY_INTEGER_FIELDS) && key !== 'catchUp')
      issues.add(`history.${key}`, 'is not a known option')
  }
  for (const [field, min] of Object.entries(HISTORY_INTEGER_FIELDS)) {
    const v = h[field]
    if (v !== undefined && !(typeof v === 'number' && Number.isSafeInteger(v) && v >= min)) {
      issues.add(
        `history.${field}`,
        min === 0 ? 'must be a non-negative integer' : 'must be a positive integer',
      )
    }
  }
  if (h.catchUp !== undefined && typeof h.catchUp !== 'boolean')
    issues.add('history.catchUp', 'must be a boolean')
}

function isPositiveInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
}
