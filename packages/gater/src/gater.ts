import type { ConnectionGater, PeerId } from '@libp2p/interface'
import { TypedEventEmitter } from 'main-event'
import { raceSignal } from 'race-signal'
import { type AttachableNode, closeRevokedConnections } from './close-connections.js'
import { type RegistryGaterInit, type ResolvedRegistryGaterInit, resolveRegistryGaterInit } from './config.js'
import { createConnectionGater, type PeerJudge } from './connection-gater.js'
import type { DenyReason, GaterDecision, GaterHook } from './decisions.js'
import { DeniedCache } from './denied-cache.js'
import type { RegistryCallError, RegistryFailureKind } from './errors.js'
import type { RefreshDetail, RegistryCallCause, RegistryGater, RegistryGaterEvents } from './gater-api.js'
import { HookDecisions } from './hook-decisions.js'
import type { RegistryGaterMetrics } from './metrics.js'
import { AnswerMemo, type ParsedAnswer } from './registry-answer.js'
import { applyRegistryAnswer } from './registry-apply.js'
import { askRegistry, RegistryCalls } from './registry-calls.js'
import { WalletSet } from './wallet-set.js'

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
  return new DefaultRegistryGater(resolveRegistryGaterInit(init))
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

class DefaultRegistryGater extends TypedEventEmitter<RegistryGaterEvents> implements RegistryGater {
  readonly connectionGater: ConnectionGater
  private readonly config: ResolvedRegistryGaterInit
  private authorized = new WalletSet()
  private readonly denied: DeniedCache
  private readonly decisions: HookDecisions
  private started = false
  /** True until the first successful answer, and after every failed call. */
  private registryFailing = true
  private readonly calls: RegistryCalls
  private lastMissCallAt = Number.NEGATIVE_INFINITY
  /** The last answer parsed: an unchanged answer is not decoded again. */
  private readonly lastAnswer = new AnswerMemo()
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

  constructor(config: ResolvedRegistryGaterInit) {
    super()
    this.config = config
    this.denied = new DeniedCache(config.deniedCacheSize, config.deniedCacheTtlMs)
    this.decisions = new HookDecisions(
      {
        listening: () => this.listenerCount('peer:denied') > 0,
        announce: (detail) => this.safeDispatchEvent('peer:denied', { detail }),
      },
      config.logger,
    )
    const judge: PeerJudge = {
      deny: (peerId, hook) => this.denyAtHook(peerId, hook),
      denyUnparseable: (value, hook) => this.decisions.deny(value, hook, 'invalid-key-type'),
    }
    this.connectionGater = createConnectionGater(judge)
    this.calls = new RegistryCalls({
      timeoutMs: config.registryTimeoutMs,
      intervalMs: config.refreshIntervalMs,
      logger: config.logger,
      run: async (cause, signal) => {
        const answer = await askRegistry(config.getAuthorizedWallets, signal)
        await this.apply(await this.lastAnswer.parse(answer, signal), cause, signal)
      },
      onStart: (cause) => {
        this.counters.calls[cause]++
      },
      onFailure: (cause, error) => this.failed(cause, error),
    })
  }

  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    await this.calls.start()
  }

  async stop(): Promise<void> {
    this.started = false
    await this.calls.stop()
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

  async refresh(options: { signal?: AbortSignal; fresh?: boolean } = {}): Promise<void> {
    const earlier = options.fresh === true ? this.calls.inflight : undefined
    if (earlier !== undefined) await raceSignal(earlier, options.signal)
    const error = await raceSignal(this.calls.next('refresh'), options.signal)
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
    if (cached <= ALLOWED_LIST) return this.decisions.allow(hook)
    if (cached === INVALID_KEY) return this.decisions.deny(peerId, hook, 'invalid-key-type')
    const key = walletKey(peerId)
    // A flood of unknown keys is answered here, synchronously, without a registry call.
    const now = this.answerMissNow(key)
    if (now !== undefined && !now.allowed) return this.decisions.deny(peerId, hook, now.reason)
    // No signal on this path, so a rejection is not expected; the settle still fails closed.
    return this.decisions.settle(peerId, hook, this.waitForRegistry(key, undefined))
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
    if (this.calls.inflight !== undefined) return undefined
    // Before start() and after stop() the gater answers from its cache only.
    if (!this.started) return DENIED['registry-unavailable']
    // Monotonic: a wall-clock jump must not disable (or stall) the rate limit.
    const now = performance.now()
    if (now - this.lastMissCallAt < this.config.missCallIntervalMs) {
      this.counters.missesRateLimited++
      return this.rememberDenial(key)
    }
    this.lastMissCallAt = now
    void this.calls.next('miss')
    return undefined
  }

  private async waitForRegistry(key: Uint8Array, signal: AbortSignal | undefined): Promise<GaterDecision> {
    await raceSignal(this.calls.inflight ?? Promise.resolve(undefined), signal)
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

  // --- registry calls --------------------------------------------------------------------------

  /** A failed call: the last good set stays, unknown peers are denied until a call succeeds. */
  private failed(cause: RegistryCallCause, error: RegistryCallError): void {
    this.counters.refreshesFailed++
    this.counters.failures[error.kind]++
    this.registryFailing = true
    const size = this.authorized.size
    this.config.logger.warn(
      'registry call failed; keeping the last good set and denying unknown peers',
      'cause',
      cause,
      'kind',
      error.kind,
      'error',
      error,
      'authorized',
      size,
    )
    this.safeDispatchEvent('refresh', { detail: { ok: false, cause, size, added: 0, removed: 0, error } })
  }

  /** Replaces the set with the registry's answer and reports the wallets that left. */
  private async apply(parsed: ParsedAnswer, cause: RegistryCallCause, signal: AbortSignal): Promise<void> {
    const { added, removed } = await applyRegistryAnswer(this.authorized, parsed, {
      cause,
      signal,
      logger: this.config.logger,
      // Runs after the diff, before any revocation is announced: listeners see the new set and counts.
      replace: (next, change) => {
        this.authorized = next
        this.registryFailing = false
        const c = this.counters
        c.refreshesOk++
        c.lastRefreshAt = Date.now()
        c.junkEntries += parsed.junk
        c.revocations += change.removed
      },
      onRevoked: (detail) => this.safeDispatchEvent('wallet:revoked', { detail }),
    })
    this.safeDispatchEvent('refresh', {
      detail: { ok: true, cause, size: parsed.wallets.size, added, removed },
    })
  }
}

function walletKey(peerId: PeerId): Uint8Array {
  // lookup() returned UNKNOWN, so this is an Ed25519 PeerId.
  return peerId.type === 'Ed25519' ? peerId.publicKey.raw : new Uint8Array(0)
}
