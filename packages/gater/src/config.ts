import { ConfigIssues } from '@depin/errors'
import { describeValue, type WalletInput, walletToBytes } from '@depin/identity'
import { type Logger, noopLogger } from '@depin/logger'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { InvalidGaterConfigError } from './errors.js'
import { WalletSet } from './wallet-set.js'

/** Options of {@link createRegistryGater}. Every default is written once, in {@link GATER_DEFAULTS}. */
export interface RegistryGaterInit {
  /**
   * Reads the on-chain registry (supplied by the app): every authorized wallet, as base58 strings,
   * bytes, or objects with `toBytes()`/`toBase58()`. Answers are validated: junk entries are skipped
   * and counted. Called on every refresh and, rate-limited, on a cache miss. Should honour `signal`.
   */
  getAuthorizedWallets: (options: { signal: AbortSignal }) => Promise<Iterable<WalletInput>>
  /** How often the authorized set is replaced by the registry's answer. @default 30000 */
  refreshIntervalMs?: number
  /** A registry call that has not answered after this long fails (and is aborted). @default 10000 */
  registryTimeoutMs?: number
  /** Cache misses start at most one registry call per this interval. @default 3000 */
  missCallIntervalMs?: number
  /** How many recently denied wallets are remembered (0 disables). @default 10000 */
  deniedCacheSize?: number
  /** How long a denied wallet is remembered. @default 10000 */
  deniedCacheTtlMs?: number
  /** PeerIds (any key type) or wallets always admitted, e.g. operator tools. @default [] */
  allowList?: Iterable<string | PeerId>
  /** Where warnings (registry failures) and debug lines go. @default noopLogger */
  logger?: Logger
}

/** The defaults of {@link RegistryGaterInit}. */
export const GATER_DEFAULTS = Object.freeze({
  refreshIntervalMs: 30_000,
  registryTimeoutMs: 10_000,
  missCallIntervalMs: 3_000,
  deniedCacheSize: 10_000,
  deniedCacheTtlMs: 10_000,
})

/** {@link RegistryGaterInit} validated, with defaults applied and the allow-list parsed. */
export interface ResolvedRegistryGaterInit {
  getAuthorizedWallets: RegistryGaterInit['getAuthorizedWallets']
  refreshIntervalMs: number
  registryTimeoutMs: number
  missCallIntervalMs: number
  deniedCacheSize: number
  deniedCacheTtlMs: number
  logger: Logger
  /** Allow-listed Ed25519 keys (wallets, and Ed25519 PeerIds' keys). */
  allowedWallets: WalletSet
  /** Allow-listed PeerIds of other key types, as strings. */
  allowedOtherPeerIds: Set<string>
}

// setTimeout cannot wait longer than this (2^31 - 1 ms); larger values fire at once.
const MAX_TIMER_MS = 2_147_483_647

/**
 * Applies {@link GATER_DEFAULTS} and checks every option; throws one {@link InvalidGaterConfigError}
 * whose `issues` name every bad option (`field` is the first).
 */
export function resolveRegistryGaterInit(init: RegistryGaterInit): ResolvedRegistryGaterInit {
  if (init === null || typeof init !== 'object') {
    throw new InvalidGaterConfigError('init', 'expected an object with getAuthorizedWallets')
  }
  const issues = new ConfigIssues()
  if (typeof init.getAuthorizedWallets !== 'function') {
    issues.add('getAuthorizedWallets', 'expected a function ({ signal }) => Promise<wallets>')
  }
  const allowedWallets = new WalletSet()
  const allowedOtherPeerIds = new Set<string>()
  let index = 0
  for (const entry of init.allowList ?? []) {
    addAllowed(issues, entry, `allowList[${index++}]`, allowedWallets, allowedOtherPeerIds)
  }
  const config: ResolvedRegistryGaterInit = {
    getAuthorizedWallets: init.getAuthorizedWallets,
    refreshIntervalMs: duration(issues, init, 'refreshIntervalMs', 1),
    registryTimeoutMs: duration(issues, init, 'registryTimeoutMs', 1),
    missCallIntervalMs: duration(issues, init, 'missCallIntervalMs', 0),
    deniedCacheSize: count(issues, init, 'deniedCacheSize'),
    deniedCacheTtlMs: duration(issues, init, 'deniedCacheTtlMs', 0),
    logger: init.logger ?? noopLogger,
    allowedWallets,
    allowedOtherPeerIds,
  }
  issues.throwIfAny((list) => new InvalidGaterConfigError(list))
  return config
}

type NumericOption = keyof typeof GATER_DEFAULTS

function duration(issues: ConfigIssues, init: RegistryGaterInit, field: NumericOption, min: number): number {
  const value = init[field] ?? GATER_DEFAULTS[field]
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_TIMER_MS) {
    issues.add(
      field,
      `expected a number of milliseconds from ${min} to ${MAX_TIMER_MS}, got ${describeValue(value)}`,
    )
    return GATER_DEFAULTS[field]
  }
  return value
}

function count(issues: ConfigIssues, init: RegistryGaterInit, field: NumericOption): number {
  const value = init[field] ?? GATER_DEFAULTS[field]
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    issues.add(field, `expected a whole number >= 0, got ${describeValue(value)}`)
    return GATER_DEFAULTS[field]
  }
  return value
}

function addAllowed(
  issues: ConfigIssues,
  entry: unknown,
  field: string,
  wallets: WalletSet,
  others: Set<string>,
): void {
  let peerId: PeerId | undefined
  if (typeof entry === 'string') {
    try {
      wallets.add(walletToBytes(entry))
      return
    } catch {
      // not a wallet: try a PeerId string below
    }
    try {
      peerId = peerIdFromString(entry.trim())
    } catch {
      issues.add(field, 'expected a wallet (base58) or a PeerId string')
      return
    }
  } else if (isPeerId(entry)) {
    peerId = entry
  } else {
    issues.add(field, 'expected a wallet (base58), a PeerId string or a PeerId')
    return
  }
  if (peerId.type === 'Ed25519') wallets.add(peerId.publicKey.raw)
  else others.add(peerId.toString())
}

function isPeerId(value: unknown): value is PeerId {
  return (
    value !== null &&
    typeof value === 'object' &&
    'type' in value &&
    'toMultihash' in value &&
    typeof (value as { toString?: unknown }).toString === 'function'
  )
}
