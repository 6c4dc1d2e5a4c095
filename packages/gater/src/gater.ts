import type { ConnectionGater, PeerId } from '@libp2p/interface'
import { TypedEventEmitter, type TypedEventTarget } from 'main-event'
import { raceSignal } from './abort.js'
import { type AttachableNode, closeRevokedConnections } from './close-connections.js'
import { type GaterConfig, type RegistryGaterInit, resolveConfig } from './config.js'
import { createConnectionGater, type PeerJudge } from './connection-gater.js'
import {
  DecisionCounter,
  type DecisionCounts,
  type DenyReason,
  type GaterDecision,
  type GaterHook,
  type PeerDeniedDetail,
  peerIdString,
} from './decisions.js'
import { DeniedCache } from './denied-cache.js'
import { RegistryCallError, type RegistryFailureKind } from './errors.js'
import { type ParsedAnswer, parseRegistryAnswer } from './registry-answer.js'
import { revokedWalletDetail } from './revoked.js'
import { WalletSet } from './wallet-set.js'
import { createSliceClock } from './yield.js'

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

/**
 * Creates a {@link RegistryGater}. Throws {@link InvalidGaterConfigError} naming a bad option.
 *
 * @example
 * const gater = createRegistryGater({ getAuthorizedWallets: async ({ signal }) => readRegistry(signal) })
 * const node = await createLibp2p({ connectionGater: gater.connectionGater, ... })
 * await gater.start()
 * gater.attach(node) // close connections of wallets that leave the registry
 */
export function createRegistryGater(init: RegistryGaterInit): RegistryGater {
  return new DefaultRegistryGater(resolveConfig(init))
}

// Cache lookup outcomes (numbers, so the hot path allocates nothing).
const ALLOWED_CACHE = 0
const ALLOWED_LIST = 1
const INVALID_KEY = 2
const UNKNOWN = 3

const DECISION_CACHE: GaterDecision = Object.freeze({ allowed: true, via: 'cache' })
const DECISION_LIST: GaterDecision = Object.freeze({ allowed: true, via: 'allow-list' })
const DECISION_REGISTRY: GaterDecision = Object.freeze({ allowed: true, via: 'registry' })
const DENIED: Record<DenyReason, GaterDecision> = Object.freeze({
  'not-in-registry': Object.freeze({ allowed: false, reason: 'not-in-registry' }),
  'registry-unavailable': Object.freeze({ allowed: false, reason: 'registry-unavailable' }),
  'invalid-key-type': Object.freeze({ allowed: false, reason: 'invalid-key-type' }),
  suspended: Object.freeze({ allowed: false, reason: 'suspended' }),
})

class GaterStoppedError extends Error {
  override name = 'AbortError'
  constructor() {
    super('the gater was stopped')
  }
}

class DefaultRegistryGater extends TypedEventEmitter<RegistryGaterEvents> implements RegistryGater {
  readonly connectionGater: ConnectionGater
  private readonly config: GaterConfig
  private authorized = new WalletSet()
  private readonly denied: DeniedCache
  private readonly decisions = new DecisionCounter()
  private started = false
  /** Bumped by start/stop so a refresh loop of an earlier run never reschedules itself. */
  private generation = 0
  /** True until the first successful answer, and after every failed call. */
  private registryFailing = true
  private inflight: Promise<RegistryCallError | undefined> | undefined
  private callController: AbortController | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private lastMissCallAt = Number.NEGATIVE_INFINITY
  private readonly counters = {
    refreshesOk: 0,
    refreshesFailed: 0,
    failures: { threw: 0, timeout: 0, 'invalid-answer': 0 } as Record<RegistryFailureKind, number>,
    calls: { refresh: 0, miss: 0 } as Record<RegistryCallCause, number>,
    missesRateLimited: 0,
    junkEntries: 0,
    revocations: 0,
    connectionsClosed: 0,
    lastRefreshAt: undefined as number | undefined,
  }

  constructor(config: GaterConfig) {
    super()
    this.config = config
    this.denied = new DeniedCache(config.deniedCacheSize, config.deniedCacheTtlMs)
    const judge: PeerJudge = {
      deny: (peerId, hook) => this.denyAtHook(peerId, hook),
      denyUnparseable: (value, hook) => this.recordDenial(value, hook, 'invalid-key-type'),
    }
    this.connectionGater = createConnectionGater(judge)
  }

  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    const generation = ++this.generation
    await (this.inflight ?? this.callRegistry('refresh'))
    if (this.started && generation === this.generation) this.schedule(generation)
  }

  async stop(): Promise<void> {
    this.started = false
    this.generation++
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.callController?.abort(new GaterStoppedError())
    await this.inflight
  }

  isAuthorizedCached(peerId: PeerId): boolean {
    return this.lookup(peerId) <= ALLOWED_LIST
  }

  async isAuthorized(peerId: PeerId, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return (await this.decide(peerId, options)).allowed
  }

  async decide(peerId: PeerId, options: { signal?: AbortSignal } = {}): Promise<GaterDecision> {
    options.signal?.throwIfAborted()
    switch (this.lookup(peerId)) {
      case ALLOWED_CACHE:
        return DECISION_CACHE
      case ALLOWED_LIST:
        return DECISION_LIST
      case INVALID_KEY:
        return DENIED['invalid-key-type']
      default:
        return this.resolveMiss(walletKey(peerId), options.signal)
    }
  }

  async refresh(options: { signal?: AbortSignal } = {}): Promise<void> {
    const error = await raceSignal(this.inflight ?? this.callRegistry('refresh'), options.signal)
    if (error !== undefined) throw error
  }

  attach(node: AttachableNode): () => void {
    const sweep = (): void => {
      this.counters.connectionsClosed += closeRevokedConnections(
        node,
        (peerId) => this.isAuthorizedCached(peerId),
        this.config.logger,
      )
    }
    const onRefresh = (event: CustomEvent<RefreshDetail>): void => {
      if (event.detail.ok) sweep()
    }
    this.addEventListener('refresh', onRefresh)
    if (this.counters.lastRefreshAt !== undefined) sweep()
    return () => this.removeEventListener('refresh', onRefresh)
  }

  metrics(): RegistryGaterMetrics {
    const c = this.counters
    return {
      ...this.decisions.snapshot(),
      cacheSize: this.authorized.size,
      deniedCacheSize: this.denied.size,
      allowListSize: this.config.allowedWallets.size + this.config.allowedOtherPeerIds.size,
      refreshes: { ok: c.refreshesOk, failed: c.refreshesFailed },
      registryFailures: { ...c.failures },
      lastRefreshAt: c.lastRefreshAt,
      registryAvailable: !this.registryFailing,
      registryCalls: { ...c.calls },
      missesRateLimited: c.missesRateLimited,
      junkEntries: c.junkEntries,
      revocations: c.revocations,
      connectionsClosed: c.connectionsClosed,
    }
  }

  // --- decisions -------------------------------------------------------------------------------

  /** The hot path: a cache hit is synchronous and allocation-free. */
  private denyAtHook(peerId: PeerId, hook: GaterHook): boolean | Promise<boolean> {
    const cached = this.lookup(peerId)
    if (cached <= ALLOWED_LIST) {
      this.decisions.allow(hook)
      return false
    }
    if (cached === INVALID_KEY) return this.recordDenial(peerId, hook, 'invalid-key-type')
    const key = walletKey(peerId)
    // A flood of unknown keys is answered here, synchronously, without a registry call.
    const now = this.answerMissNow(key)
    if (now !== undefined && !now.allowed) return this.recordDenial(peerId, hook, now.reason)
    return this.waitForRegistry(key, undefined).then(
      (decision) => {
        if (decision.allowed) {
          this.decisions.allow(hook)
          return false
        }
        return this.recordDenial(peerId, hook, decision.reason)
      },
      // Not expected (the miss path has no signal here), but a gater must fail closed, never throw.
      () => this.recordDenial(peerId, hook, 'registry-unavailable'),
    )
  }

  private lookup(peerId: PeerId): number {
    if (peerId.type !== 'Ed25519') {
      const others = this.config.allowedOtherPeerIds
      return others.size > 0 && others.has(peerId.toString()) ? ALLOWED_LIST : INVALID_KEY
    }
    const key = peerId.publicKey.raw
    if (this.authorized.has(key)) return ALLOWED_CACHE
    const allowed = this.config.allowedWallets
    if (allowed.size > 0 && allowed.has(key)) return ALLOWED_LIST
    return UNKNOWN
  }

  /**
   * A wallet not in the set: remembered denials answer at once; otherwise wait for the registry call
   * in flight, or start one unless a miss started one less than `missCallIntervalMs` ago.
   */
  private async resolveMiss(key: Uint8Array, signal: AbortSignal | undefined): Promise<GaterDecision> {
    return this.answerMissNow(key) ?? this.waitForRegistry(key, signal)
  }

  /** The miss answers that need no waiting (a flood of unknown keys ends here), or undefined. */
  private answerMissNow(key: Uint8Array): GaterDecision | undefined {
    if (this.denied.has(key)) return this.denial()
    if (this.inflight !== undefined) return undefined
    // Before start() and after stop() the gater answers from its cache only.
    if (!this.started) return DENIED['registry-unavailable']
    // Monotonic: a wall-clock jump must not disable (or stall) the rate limit.
    const now = performance.now()
    if (now - this.lastMissCallAt < this.config.missCallIntervalMs) {
      this.counters.missesRateLimited++
      return this.rememberDenial(key)
    }
    this.lastMissCallAt = now
    this.callRegistry('miss')
    return undefined
  }

  private async waitForRegistry(key: Uint8Array, signal: AbortSignal | undefined): Promise<GaterDecision> {
    await raceSignal(this.inflight ?? Promise.resolve(undefined), signal)
    if (this.authorized.has(key)) return DECISION_REGISTRY
    return this.rememberDenial(key)
  }

  private denial(): GaterDecision {
    return this.registryFailing ? DENIED['registry-unavailable'] : DENIED['not-in-registry']
  }

  /** Denials based on a good registry answer are remembered; those during an outage are not. */
  private rememberDenial(key: Uint8Array): GaterDecision {
    if (this.registryFailing) return DENIED['registry-unavailable']
    this.denied.add(key)
    return DENIED['not-in-registry']
  }

  private recordDenial(peer: PeerId | string, hook: GaterHook, reason: DenyReason): true {
    this.decisions.deny(hook, reason)
    // The PeerId object itself goes to the logger: only an adapter that prints it pays for base58.
    this.config.logger.debug('peer denied', 'peer', peer, 'hook', hook, 'reason', reason)
    if (this.listenerCount('peer:denied') > 0) {
      const peerId = typeof peer === 'string' ? peer : peerIdString(peer)
      this.safeDispatchEvent('peer:denied', { detail: { peerId, hook, reason } })
    }
    return true
  }

  // --- registry calls --------------------------------------------------------------------------

  private schedule(generation: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined
      void (this.inflight ?? this.callRegistry('refresh')).then(() => {
        if (this.started && generation === this.generation) this.schedule(generation)
      })
    }, this.config.refreshIntervalMs)
    // The refresh loop alone must not keep a process alive.
    if (typeof this.timer === 'object' && 'unref' in this.timer) this.timer.unref()
  }

  /** Starts the single registry call; resolves (never rejects) with its error, if it failed. */
  private callRegistry(cause: RegistryCallCause): Promise<RegistryCallError | undefined> {
    this.counters.calls[cause]++
    const controller = new AbortController()
    const { registryTimeoutMs } = this.config
    const timer = setTimeout(() => {
      controller.abort(
        new RegistryCallError('timeout', `no answer within ${registryTimeoutMs} ms (registryTimeoutMs)`),
      )
    }, registryTimeoutMs)
    const call = this.runCall(cause, controller.signal).finally(() => {
      clearTimeout(timer)
      if (this.inflight === call) {
        this.inflight = undefined
        this.callController = undefined
      }
    })
    this.inflight = call
    this.callController = controller
    return call
  }

  private async runCall(
    cause: RegistryCallCause,
    signal: AbortSignal,
  ): Promise<RegistryCallError | undefined> {
    try {
      let answer: unknown
      try {
        const pending = Promise.resolve().then(() => this.config.getAuthorizedWallets({ signal }))
        answer = await raceSignal(pending, signal)
      } catch (err) {
        if (signal.aborted) throw signal.reason
        throw new RegistryCallError('threw', describe(err), { cause: err })
      }
      const parsed = await parseRegistryAnswer(answer, signal)
      await this.apply(parsed, cause, signal)
      return undefined
    } catch (err) {
      if (
        err instanceof GaterStoppedError ||
        (signal.aborted && signal.reason instanceof GaterStoppedError)
      ) {
        this.config.logger.debug('registry call aborted: gater stopped', 'cause', cause)
        return new RegistryCallError('threw', 'the gater was stopped', { cause: err })
      }
      const error =
        err instanceof RegistryCallError ? err : new RegistryCallError('threw', describe(err), { cause: err })
      this.counters.refreshesFailed++
      this.counters.failures[error.kind]++
      this.registryFailing = true
      this.config.logger.warn(
        'registry call failed; keeping the last good set and denying unknown peers',
        'cause',
        cause,
        'kind',
        error.kind,
        'error',
        error,
        'authorized',
        this.authorized.size,
      )
      this.safeDispatchEvent('refresh', {
        detail: { ok: false, cause, size: this.authorized.size, added: 0, removed: 0, error },
      })
      return error
    }
  }

  /** Replaces the set with the registry's answer and reports the wallets that left. */
  private async apply(parsed: ParsedAnswer, cause: RegistryCallCause, signal: AbortSignal): Promise<void> {
    const previous = this.authorized
    const next = parsed.wallets
    const removed: number[] = []
    // The diff runs in slices so a 100k-wallet registry never blocks the event loop for long.
    const clock = createSliceClock()
    for (let slot = 0; slot < previous.size; slot += 2048) {
      previous.slotsMissingFrom(next, slot, slot + 2048, removed)
      if (clock.due()) {
        await clock.next()
        signal.throwIfAborted()
      }
    }
    const added = next.size - (previous.size - removed.length)
    this.authorized = next
    this.registryFailing = false
    const c = this.counters
    c.refreshesOk++
    c.lastRefreshAt = Date.now()
    c.junkEntries += parsed.junk
    c.revocations += removed.length
    const { logger } = this.config
    if (parsed.junk > 0) {
      logger.warn(
        'registry answer had entries that are not wallets; skipped them',
        'junk',
        parsed.junk,
        'error',
        parsed.firstJunkError,
      )
    }
    if (added > 0 || removed.length > 0) {
      logger.info(
        'authorized wallets updated',
        'cause',
        cause,
        'size',
        next.size,
        'added',
        added,
        'removed',
        removed.length,
      )
    } else {
      logger.debug('authorized wallets unchanged', 'cause', cause, 'size', next.size)
    }
    for (let i = 0; i < removed.length; i++) {
      const detail = revokedWalletDetail(previous.keyAt(removed[i] as number))
      logger.info('wallet left the registry', 'wallet', detail.wallet, 'peer', detail.peerId)
      this.safeDispatchEvent('wallet:revoked', { detail })
      if ((i & 31) === 31 && clock.due()) await clock.next()
    }
    this.safeDispatchEvent('refresh', {
      detail: { ok: true, cause, size: next.size, added, removed: removed.length },
    })
  }
}

function walletKey(peerId: PeerId): Uint8Array {
  // lookup() returned UNKNOWN, so this is an Ed25519 PeerId.
  return peerId.type === 'Ed25519' ? peerId.publicKey.raw : new Uint8Array(0)
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message
  return `it rejected with ${typeof err}`
}
