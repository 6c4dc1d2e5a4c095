import type { ConnectionGater, PeerId } from '@libp2p/interface'
import type { TypedEventTarget } from 'main-event'
import type { AttachableNode } from './close-connections.js'
import type { GaterDecision, PeerDeniedDetail } from './decisions.js'
import type { RegistryCallError } from './errors.js'
import type { RegistryGaterMetrics } from './metrics.js'

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
   * With `fresh`, a call in flight is not enough (it may have started before the change the caller
   * heard of): it is awaited, then a call that starts after it is.
   */
  refresh(options?: { signal?: AbortSignal; fresh?: boolean }): Promise<void>
  /**
   * Closes, after each successful refresh, the open connections of `node` whose peer is no longer
   * admitted (revocation takes effect within one refresh interval). Returns a function that detaches.
   */
  attach(node: AttachableNode): () => void
  metrics(): RegistryGaterMetrics
}
