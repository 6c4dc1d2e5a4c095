import { isIP } from 'node:net'
import { ConfigIssues, InvalidConfigError } from '@depin/errors'
import { InvalidSecretKeyError, parseSecretKey, type SecretKeyInput } from '@depin/identity'
import { MESSAGING_OPTION_KEYS, type MessagingOptions, validateMessagingOptions } from '@depin/messaging'
import type { DatabaseConfig } from './config.js'

/** Longest accepted database name. */
export const MAX_DATABASE_NAME_LENGTH = 128

/** The fields of {@link DatabaseConfig} besides the messaging options. */
const DATABASE_FIELDS = [
  'walletPrivateKey',
  'databaseName',
  'getAuthorizedWallets',
  'getBootstrapNodes',
  'logger',
  'listenPorts',
  'listenHost',
  'announceAddresses',
  'refreshIntervalMs',
  'watchRegistry',
  'node',
  'metricsServer',
] as const satisfies readonly (keyof DatabaseConfig)[]

const KNOWN_FIELDS: ReadonlySet<string> = new Set([...DATABASE_FIELDS, ...MESSAGING_OPTION_KEYS])

const PORT_MESSAGE = 'must be an integer port from 0 to 65535 (0 = any free port)'

/**
 * Checks a `connect()` configuration and returns it typed. Throws {@link InvalidConfigError}
 * listing every bad field by name; the wallet private key is never echoed. The node's advanced
 * settings (`node`) are checked by @depin/infrastructure when the node is created.
 *
 * @example
 * const config = validateDatabaseConfig(input) // throws InvalidConfigError naming e.g. "listenPorts.quic"
 */
export function validateDatabaseConfig(config: unknown): DatabaseConfig {
  if (!isPlainObject(config)) {
    throw new InvalidConfigError([{ field: 'config', message: 'must be an object' }])
  }
  const c = config
  const issues = new ConfigIssues()
  for (const key of Object.keys(c)) {
    if (!KNOWN_FIELDS.has(key)) issues.add(key, 'is not a known option (check its spelling)')
  }
  checkSecretKey(issues, c.walletPrivateKey)
  checkDatabaseName(issues, c.databaseName)
  for (const field of ['getAuthorizedWallets', 'getBootstrapNodes'] as const) {
    if (typeof c[field] !== 'function') issues.add(field, 'must be a function ({ signal }) => Promise')
  }
  if (c.logger !== undefined) {
    const logger = c.logger as Record<string, unknown> | null
    const methods = ['debug', 'info', 'warn', 'error']
    if (
      logger === null ||
      typeof logger !== 'object' ||
      methods.some((m) => typeof logger[m] !== 'function')
    ) {
      issues.add('logger', 'must have debug, info, warn and error methods')
    }
  }
  if (c.listenPorts !== undefined) checkListenPorts(issues, c.listenPorts)
  if (c.listenHost !== undefined && !isIpAddress(c.listenHost)) {
    issues.add('listenHost', "must be an IPv4 or IPv6 address such as '0.0.0.0' or '127.0.0.1'")
  }
  if (c.announceAddresses !== undefined) {
    const list = c.announceAddresses
    if (!Array.isArray(list) || list.some((a) => typeof a !== 'string' || !a.startsWith('/'))) {
      issues.add('announceAddresses', 'must be an array of multiaddr strings')
    }
  }
  const refresh = c.refreshIntervalMs
  if (
    refresh !== undefined &&
    !(typeof refresh === 'number' && Number.isSafeInteger(refresh) && refresh > 0)
  ) {
    issues.add('refreshIntervalMs', 'must be a positive integer (milliseconds)')
  }
  if (c.watchRegistry !== undefined && typeof c.watchRegistry !== 'function') {
    issues.add('watchRegistry', 'must be a function ({ onChange, signal }) => void')
  }
  if (c.node !== undefined && !isPlainObject(c.node)) issues.add('node', 'must be an object of node settings')
  if (c.metricsServer !== undefined) checkMetricsServer(issues, c.metricsServer)
  issues.addAll(validateMessagingOptions(c))
  issues.throwIfAny((list) => new InvalidConfigError(list))
  return config as unknown as DatabaseConfig
}

/** The messaging options set in a database config (and nothing else: no secrets, no callbacks). */
export function messagingOptionsOf(config: DatabaseConfig): MessagingOptions {
  const options: Record<string, unknown> = {}
  for (const key of MESSAGING_OPTION_KEYS) if (config[key] !== undefined) options[key] = config[key]
  return options as MessagingOptions
}

function checkSecretKey(issues: ConfigIssues, value: unknown): void {
  if (value === undefined || value === null || value === '') {
    issues.add('walletPrivateKey', 'is required (a base58 Solana secret key)')
    return
  }
  try {
    parseSecretKey(value as SecretKeyInput)
  } catch (err) {
    // InvalidSecretKeyError never contains the key; anything else gets a generic message.
    const reason =
      err instanceof InvalidSecretKeyError ? err.shortMessage : 'is not a valid Solana secret key'
    issues.add('walletPrivateKey', `is invalid: ${reason}`)
  }
}

function checkDatabaseName(issues: ConfigIssues, name: unknown): void {
  if (typeof name !== 'string' || name.length === 0) {
    issues.add('databaseName', 'must be a non-empty string')
  } else if (name.length > MAX_DATABASE_NAME_LENGTH) {
    issues.add('databaseName', `must be at most ${MAX_DATABASE_NAME_LENGTH} characters`)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting whitespace and control characters
  } else if (/[\s\u0000-\u001f\u007f]/.test(name)) {
    issues.add('databaseName', 'must not contain whitespace or control characters')
  }
}

function checkListenPorts(issues: ConfigIssues, value: unknown): void {
  const ports = nestedObject(issues, 'listenPorts', value, ['quic', 'tcp'], 'must be an object { quic, tcp }')
  for (const key of ['quic', 'tcp']) {
    if (ports?.[key] !== undefined && !isPort(ports[key])) issues.add(`listenPorts.${key}`, PORT_MESSAGE)
  }
}

function checkMetricsServer(issues: ConfigIssues, value: unknown): void {
  const server = nestedObject(
    issues,
    'metricsServer',
    value,
    ['port', 'host', 'processMetrics'],
    'must be an object { port, host?, processMetrics? }',
  )
  if (server === undefined) return
  if (!isPort(server.port)) issues.add('metricsServer.port', PORT_MESSAGE)
  if (server.host !== undefined && !isIpAddress(server.host)) {
    issues.add('metricsServer.host', "must be an IPv4 or IPv6 address such as '127.0.0.1'")
  }
  if (server.processMetrics !== undefined && typeof server.processMetrics !== 'boolean') {
    issues.add('metricsServer.processMetrics', 'must be a boolean')
  }
}

/** `value` if it is an object (each key not in `known` is an issue), else `undefined` and an issue. */
function nestedObject(
  issues: ConfigIssues,
  field: string,
  value: unknown,
  known: readonly string[],
  expected: string,
): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) {
    issues.add(field, expected)
    return undefined
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) issues.add(`${field}.${key}`, 'is not a known option')
  }
  return value
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function isPort(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65_535
}

function isIpAddress(value: unknown): boolean {
  return typeof value === 'string' && isIP(value) !== 0
}
