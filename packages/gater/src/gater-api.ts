import type { ConnectionGater, PeerId } from '@libp2p/interface'
import type { TypedEventTarget } from 'main-event'
import type { AttachableNode } from './close-connections.js'
import type { DecisionCounts, GaterDecision, PeerDeniedDetail } from './decisions.js'
import type { RegistryCallError, RegistryFailureKind } from './errors.js'

/** What started a registry call: the refresh loop (or `start()`/`refresh()`), or a cache miss. */
export type RegistryCallCause = 'refresh' | 'miss'

/** Detail of the `wallet:revoked` event: a wallet that was in the registry's previous answer and is not in this one. */
export interface WalletRevokedDetail {
  /** The wallet, base58. */
  wallet: string
  /** Its PeerId (`12D3KooW…`). */
  peerId: string
}

/** Detail of the `refresh` event, sent after every registry call (refresh or miss). */
export interface RefreshDetail {
  /** Whether the registry answered with a usable set (which then replaced the old one). */
  ok: boolean
  cause: RegistryCallCause
  /** Authorized wallets now (the last good set when `ok` is false). */
  size: number
  added: number
  removed: number
  /** Why the call failed, when `ok` is false. */
  error?: RegistryCallError
}

/** Events of a {@link RegistryGater}. */
export interface RegistryGaterEvents {
  'wallet:revoked': CustomEvent<WalletRevokedDetail>
  'peer:denied': CustomEvent<PeerDeniedDetail>
  refresh: CustomEvent<RefreshDetail>
}

/** A plain-object snapshot of a gater's counters. Decisions are those taken at libp2p's hooks. */
export interface RegistryGaterMetrics extends DecisionCounts {
  /** Authorized wallets in the current set. */
  cacheSize: number
  /** Recently denied wallets remembered. */
  deniedCacheSize: number
  allowListSize: number
  /** Registry calls that replaced the set (`ok`) or failed and kept the last good set (`failed`). */
  refreshes: { ok: number; failed: number }
  /** Failed calls by kind. */
  registryFailures: Record<RegistryFailureKind, number>
  /** Unix time (ms) of the last successful registry answer; undefined before the first. */
  lastRefreshAt: number | undefined
  /** False before the first successful answer and after a failed call: the set may be stale. */
  registryAvailable: boolean
  /** Registry calls started, by cause. */
  registryCalls: Record<RegistryCallCause, number>
  /** Misses denied without a registry call because a miss call ran less than `missCallIntervalMs` ago. */
  missesRateLimited: number
  /** Registry entries skipped because they were not wallets. */
  junkEntries: number
  /** Wallets that left the registry. */
  revocations: number
  /** Connections closed by `attach()` because their peer left the registry. */
  connectionsClosed: number
}

/**
 * A libp2p connection gater admitting only peers whose wallet (the Ed25519 key inside their PeerId)
 * is in an on-chain registry, with a refresh loop that replaces the set (revocation), a rate-limited
 * single-flight miss path, and fail-closed handling of registry failures.
 */
export interface RegistryGater extends TypedEventTarget<RegistryGaterEvents> {
  /** Pass to `createLibp2p({ connectionGater })`. */
  readonly connectionGater: ConnectionGater
  /** Loads the registry once (a failure leaves the set empty: fail closed) and starts the refresh loop. Idempotent. */
  start(): Promise<void>
  /** Stops the refresh loop and aborts an in-flight registry call. Idempotent; returns promptly. */
  stop(): Promise<void>
  /**
   * Whether `peerId` is admitted: allow-list and cache, then (while started) the bounded miss path.
   * Rejects with `signal.reason` if `signal` aborts first.
   */
  isAuthorized(peerId: PeerId, options?: { signal?: AbortSignal }): Promise<boolean>
  /** Like {@link RegistryGater.isAuthorized} but says what admitted or denied the peer. */
  decide(peerId: PeerId, options?: { signal?: AbortSignal }): Promise<GaterDecision>
  /** Synchronous: allow-list and cache only; never calls the registry. */
  isAuthorizedCached(peerId: PeerId): boolean
  /**
   * Asks the registry now (or waits for the call already in flight) and replaces the set.
   * Rejects with a {@link RegistryCallError} if that call failed (the last good set is kept).
   */
  refresh(options?: { signal?: AbortSignal }): Promise<void>
  /**
   * Closes, after each successful refresh, the open connections of `node` whose peer is no longer
   * admitted (revocation takes effect within one refresh interval). Returns a function that detaches.
   */
  attach(node: AttachableNode): () => void
  metrics(): RegistryGaterMetrics
}
