import { isIP } from 'node:net'
import type { BootstrapNode, SecretKeyInput, WalletInput } from '@depin/identity'
import { InvalidSecretKeyError, parseSecretKey } from '@depin/identity'
import type { NodeInit } from '@depin/infrastructure'
import type { Logger } from '@depin/logger'
import { type ConfigIssue, InvalidConfigError } from './errors.js'
import type { MessagingOptions } from './options.js'

/** Advanced settings of the shared node (transports, bootstrap timings, DHT, relay, GossipSub), passed to @depin/infrastructure. */
export type NodeOptions = Omit<
  NodeInit,
  'identity' | 'getBootstrapNodes' | 'logger' | 'listenPorts' | 'listenHost' | 'announceAddresses'
>

/**
 * The configuration of `connect()` (the `@depin/pubsub` facade): the seed's database config
 * plus the messaging options. Defaults live with the package that owns each field.
 */
export interface DatabaseConfig extends MessagingOptions {
  /** The Solana secret key: base58 of its 64 bytes, or solana-keygen's JSON byte array. Never logged. */
  walletPrivateKey: SecretKeyInput
  /** Namespace of topics (`<databaseName>_<topic>`) and of discovery. */
  databaseName: string
  /** Reads the on-chain registry: the wallets (base58) allowed in this database. */
  getAuthorizedWallets: (options: { signal: AbortSignal }) => Promise<Iterable<WalletInput>>
  /** Reads the bootstrap nodes from the registry. */
  getBootstrapNodes: (options: { signal: AbortSignal }) => Promise<BootstrapNode[]>
  /** Where logs go. @default noopLogger */
  logger?: Logger
  /** Ports to listen on; 0 picks a free port. @default { quic: 4001, tcp: 4002 } (from @depin/infrastructure) */
  listenPorts?: { quic?: number; tcp?: number }
  /** Address to listen on, e.g. '127.0.0.1'. @default '0.0.0.0' (from @depin/infrastructure) */
  listenHost?: string
  /** Multiaddrs to announce (a node behind NAT with a known public address). */
  announceAddresses?: string[]
  /** Registry refresh interval. @default 30_000 (from @depin/gater) */
  refreshIntervalMs?: number
  /**
   * Advanced node settings, checked by @depin/infrastructure. They apply only when this call
   * creates the process's node for the wallet; a node already running keeps its settings.
   */
  node?: NodeOptions
  /**
   * Serves Prometheus `/metrics` and `/healthz` (200 when ready, 503 when not) over HTTP for this
   * database, with libp2p's own metrics when this call creates the node. @default undefined (off)
   */
  metricsServer?: MetricsServerOptions
}

/** Where `connect()` serves `/metrics` and `/healthz`. */
export interface MetricsServerOptions {
  /** TCP port; 0 picks a free one (read it from `db.metricsUrl`). */
  port: number
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string
}

/** Longest accepted database name. */
export const MAX_DATABASE_NAME_LENGTH = 128

const KNOWN_FIELDS = new Set([
  'walletPrivateKey',
  'databaseName',
  'getAuthorizedWallets',
  'getBootstrapNodes',
  'logger',
  'listenPorts',
  'listenHost',
  'announceAddresses',
  'refreshIntervalMs',
  'node',
  'metricsServer',
  'maxMessageBytes',
  'queueSize',
  'deliverOwnEvents',
  'throwOnNoPeers',
  'authorizationTimeoutMs',
  'waitForTopicPeersTimeoutMs',
  'invalidMessagesToGraylist',
  'topicScoreParams',
  'history',
])

/**
 * Checks a `connect()` configuration and returns it typed. Throws {@link InvalidConfigError}
 * listing every bad field by name; the wallet private key is never echoed.
 *
 * @example
 * const config = validateDatabaseConfig(input) // throws InvalidConfigError naming e.g. "listenPorts.quic"
 */
export function validateDatabaseConfig(config: unknown): DatabaseConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new InvalidConfigError([{ field: 'config', message: 'must be an object' }])
  }
  const c = config as Record<string, unknown>
  const issues: ConfigIssue[] = []

  for (const key of Object.keys(c)) {
    if (!KNOWN_FIELDS.has(key))
      issues.push({ field: key, message: 'is not a known option (check its spelling)' })
  }

  if (c.walletPrivateKey === undefined || c.walletPrivateKey === null || c.walletPrivateKey === '') {
    issues.push({ field: 'walletPrivateKey', message: 'is required (a base58 Solana secret key)' })
  } else {
    try {
      parseSecretKey(c.walletPrivateKey as SecretKeyInput)
    } catch (err) {
      // InvalidSecretKeyError never contains the key; anything else gets a generic message.
      const reason =
        err instanceof InvalidSecretKeyError ? err.shortMessage : 'is not a valid Solana secret key'
      issues.push({ field: 'walletPrivateKey', message: `is invalid: ${reason}` })
    }
  }

  if (typeof c.databaseName !== 'string' || c.databaseName.length === 0) {
    issues.push({ field: 'databaseName', message: 'must be a non-empty string' })
  } else if (c.databaseName.length > MAX_DATABASE_NAME_LENGTH) {
    issues.push({ field: 'databaseName', message: `must be at most ${MAX_DATABASE_NAME_LENGTH} characters` })
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting whitespace and control characters
  } else if (/[\s\u0000-\u001f\u007f]/.test(c.databaseName)) {
    issues.push({ field: 'databaseName', message: 'must not contain whitespace or control characters' })
  }

  for (const field of ['getAuthorizedWallets', 'getBootstrapNodes'] as const) {
    if (typeof c[field] !== 'function')
      issues.push({ field, message: 'must be a function ({ signal }) => Promise' })
  }

  if (c.logger !== undefined) {
    const logger = c.logger as Record<string, unknown> | null
    const methods = ['debug', 'info', 'warn', 'error']
    if (
      logger === null ||
      typeof logger !== 'object' ||
      methods.some((m) => typeof logger[m] !== 'function')
    ) {
      issues.push({ field: 'logger', message: 'must have debug, info, warn and error methods' })
    }
  }

  if (c.listenPorts !== undefined) {
    const ports = c.listenPorts as Record<string, unknown> | null
    if (ports === null || typeof ports !== 'object' || Array.isArray(ports)) {
      issues.push({ field: 'listenPorts', message: 'must be an object { quic, tcp }' })
    } else {
      for (const key of Object.keys(ports)) {
        if (key !== 'quic' && key !== 'tcp')
          issues.push({ field: `listenPorts.${key}`, message: 'is not a known option' })
      }
      for (const key of ['quic', 'tcp']) {
        const port = ports[key]
        if (
          port !== undefined &&
          !(Number.isInteger(port) && (port as number) >= 0 && (port as number) <= 65_535)
        ) {
          issues.push({
            field: `listenPorts.${key}`,
            message: 'must be an integer port from 0 to 65535 (0 = any free port)',
          })
        }
      }
    }
  }

  if (c.listenHost !== undefined && (typeof c.listenHost !== 'string' || isIP(c.listenHost) === 0)) {
    issues.push({
      field: 'listenHost',
      message: "must be an IPv4 or IPv6 address such as '0.0.0.0' or '127.0.0.1'",
    })
  }

  if (c.announceAddresses !== undefined) {
    const list = c.announceAddresses
    if (!Array.isArray(list) || list.some((a) => typeof a !== 'string' || !a.startsWith('/'))) {
      issues.push({ field: 'announceAddresses', message: 'must be an array of multiaddr strings' })
    }
  }

  if (c.refreshIntervalMs !== undefined && !isPositiveInteger(c.refreshIntervalMs)) {
    issues.push({ field: 'refreshIntervalMs', message: 'must be a positive integer (milliseconds)' })
  }

  if (c.node !== undefined && (c.node === null || typeof c.node !== 'object' || Array.isArray(c.node))) {
    issues.push({ field: 'node', message: 'must be an object of node settings' })
  }

  if (c.metricsServer !== undefined) issues.push(...validateMetricsServer(c.metricsServer))

  issues.push(...validateMessagingOptions(c))
  if (issues.length > 0) throw new InvalidConfigError(issues)
  return config as DatabaseConfig
}

function validateMetricsServer(value: unknown): ConfigIssue[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [{ field: 'metricsServer', message: 'must be an object { port, host? }' }]
  }
  const server = value as Record<string, unknown>
  const issues: ConfigIssue[] = []
  for (const key of Object.keys(server)) {
    if (key !== 'port' && key !== 'host')
      issues.push({ field: `metricsServer.${key}`, message: 'is not a known option' })
  }
  const port = server.port
  if (!(Number.isInteger(port) && (port as number) >= 0 && (port as number) <= 65_535)) {
    issues.push({
      field: 'metricsServer.port',
      message: 'must be an integer port from 0 to 65535 (0 = any free port)',
    })
  }
  if (server.host !== undefined && (typeof server.host !== 'string' || isIP(server.host) === 0)) {
    issues.push({
      field: 'metricsServer.host',
      message: "must be an IPv4 or IPv6 address such as '127.0.0.1'",
    })
  }
  return issues
}

/** The issues (possibly none) of the messaging options in `options`. */
export function validateMessagingOptions(options: MessagingOptions | Record<string, unknown>): ConfigIssue[] {
  const o = options as Record<string, unknown>
  const issues: ConfigIssue[] = []
  for (const field of [
    'maxMessageBytes',
    'queueSize',
    'authorizationTimeoutMs',
    'waitForTopicPeersTimeoutMs',
  ]) {
    if (o[field] !== undefined && !isPositiveInteger(o[field])) {
      issues.push({ field, message: 'must be a positive integer' })
    }
  }
  for (const field of ['deliverOwnEvents', 'throwOnNoPeers']) {
    if (o[field] !== undefined && typeof o[field] !== 'boolean')
      issues.push({ field, message: 'must be a boolean' })
  }
  if (
    o.topicScoreParams !== undefined &&
    (o.topicScoreParams === null || typeof o.topicScoreParams !== 'object')
  ) {
    issues.push({
      field: 'topicScoreParams',
      message: 'must be an object of GossipSub topic score parameters',
    })
  }
  if (o.history !== undefined) issues.push(...validateHistoryOptions(o.history))
  return issues
}

const HISTORY_INTEGER_FIELDS = {
  maxEvents: 0,
  maxBytes: 1,
  maxAgeMs: 1,
  catchUpPeers: 1,
  syncIntervalMs: 0,
  requestsPerPeer: 1,
  requestTimeoutMs: 1,
} as const

function validateHistoryOptions(value: unknown): ConfigIssue[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [{ field: 'history', message: 'must be an object of history options' }]
  }
  const h = value as Record<string, unknown>
  const issues: ConfigIssue[] = []
  for (const key of Object.keys(h)) {
    if (!(key in HISTORY_INTEGER_FIELDS) && key !== 'catchUp')
      issues.push({ field: `history.${key}`, message: 'is not a known option' })
  }
  for (const [field, min] of Object.entries(HISTORY_INTEGER_FIELDS)) {
    const v = h[field]
    if (v !== undefined && !(typeof v === 'number' && Number.isSafeInteger(v) && v >= min)) {
      issues.push({
        field: `history.${field}`,
        message: min === 0 ? 'must be a non-negative integer' : 'must be a positive integer',
      })
    }
  }
  if (h.catchUp !== undefined && typeof h.catchUp !== 'boolean')
    issues.push({ field: 'history.catchUp', message: 'must be a boolean' })
  return issues
}

function isPositiveInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
}

const MESSAGING_OPTION_KEYS = [
  'maxMessageBytes',
  'queueSize',
  'deliverOwnEvents',
  'throwOnNoPeers',
  'authorizationTimeoutMs',
  'waitForTopicPeersTimeoutMs',
  'invalidMessagesToGraylist',
  'topicScoreParams',
  'history',
] as const satisfies readonly (keyof MessagingOptions)[]

/** The messaging options set in a database config (and nothing else: no secrets, no callbacks). */
export function messagingOptionsOf(config: DatabaseConfig): MessagingOptions {
  const options: Record<string, unknown> = {}
  for (const key of MESSAGING_OPTION_KEYS) if (config[key] !== undefined) options[key] = config[key]
  return options as MessagingOptions
}
