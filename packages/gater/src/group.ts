import { describeValue } from '@depin/identity'
import { type Logger, noopLogger } from '@depin/logger'
import type { ConnectionGater, PeerId } from '@libp2p/interface'
import { TypedEventEmitter, type TypedEventTarget } from 'main-event'
import {
  type AttachableNode,
  closePeerConnections,
  closeRevokedConnections,
  type SweepCause,
} from './close-connections.js'
import { createConnectionGater, type PeerJudge } from './connection-gater.js'
import type { GaterDecision, GaterHook, PeerDeniedDetail } from './decisions.js'
import { InvalidGaterConfigError } from './errors.js'
import type { RefreshDetail, RegistryGater } from './gater-api.js'
import { HookDecisions } from './hook-decisions.js'
import type { GaterGroupMetrics } from './metrics.js'
import { SuspendedPeers } from './suspensions.js'

/** Events of a {@link GaterGroup}. */
export interface GaterGroupEvents {
  'peer:denied': CustomEvent<PeerDeniedDetail>
}

/**
 * Many databases on one host (libp2p takes one gater per node): admits a peer if ANY member gater
 * admits it; an empty group denies every peer.
 */
export interface GaterGroup extends TypedEventTarget<GaterGroupEvents> {
  /** Pass to `createLibp2p({ connectionGater })`. */
  readonly connectionGater: ConnectionGater
  /** Adds a member; attached nodes are then swept after each of its refreshes. */
  add(gater: RegistryGater): void
  /** Removes a member and closes, on attached nodes, connections no remaining member admits. */
  delete(gater: RegistryGater): void
  /** The current members. */
  readonly size: number
  /** Whether any member admits `peerId` (cache first, then the members' bounded miss paths). */
  isAuthorized(peerId: PeerId, options?: { signal?: AbortSignal }): Promise<boolean>
  /** Like {@link GaterGroup.isAuthorized} but says why; with several denials, `registry-unavailable` wins. */
  decide(peerId: PeerId, options?: { signal?: AbortSignal }): Promise<GaterDecision>
  /** Synchronous: whether any member admits `peerId` from its cache or allow-list (and it is not suspended). */
  isAuthorizedCached(peerId: PeerId): boolean
  /**
   * Refuses `peerId` at every hook for `durationMs` although the registry admits it (reason
   * `suspended`), and closes its open connections on attached nodes. A later end extends a running
   * suspension. At most `maxSuspendedPeers` are held; the one ending soonest gives way. Returns
   * false for a PeerId that carries no wallet (never admitted anyway).
   */
  suspend(peerId: PeerId, durationMs: number): boolean
  /** Whether `peerId` is suspended now. */
  isSuspended(peerId: PeerId): boolean
  /**
   * After any member's successful refresh, closes connections of `node` whose peer no member admits
   * (a peer revoked by one database but admitted by another stays). Returns a function that detaches.
   */
  attach(node: AttachableNode): () => void
  metrics(): GaterGroupMetrics
}

/** Options of {@link createGaterGroup}. */
export interface GaterGroupInit {
  /** @default noopLogger */
  logger?: Logger
  /** Most peers suspended at once. @default 4096 */
  maxSuspendedPeers?: number
}

/** The defaults of {@link GaterGroupInit}. */
export const GATER_GROUP_DEFAULTS = Object.freeze({ maxSuspendedPeers: 4_096 })

/**
 * Creates an empty {@link GaterGroup}.
 *
 * @example
 * const group = createGaterGroup()
 * const node = await createLibp2p({ connectionGater: group.connectionGater, ... })
 * group.attach(node)
 * group.add(gaterOfDatabaseA); group.add(gaterOfDatabaseB)
 */
export function createGaterGroup(init: GaterGroupInit = {}): GaterGroup {
  const max = init.maxSuspendedPeers ?? GATER_GROUP_DEFAULTS.maxSuspendedPeers
  if (!Number.isSafeInteger(max) || max < 0) {
    throw new InvalidGaterConfigError(
      'maxSuspendedPeers',
      `must be a non-negative integer, got ${describeValue(max)}`,
    )
  }
  return new DefaultGaterGroup(init.logger ?? noopLogger, new SuspendedPeers(max))
}

const DENIED_EMPTY: GaterDecision = Object.freeze({ allowed: false, reason: 'not-in-registry' })
const DENIED_SUSPENDED: GaterDecision = Object.freeze({ allowed: false, reason: 'suspended' })

class DefaultGaterGroup extends TypedEventEmitter<GaterGroupEvents> implements GaterGroup {
  readonly connectionGater: ConnectionGater
  private readonly members = new Map<RegistryGater, (event: CustomEvent<RefreshDetail>) => void>()
  /** Attached nodes: swept after refreshes and member removals, and on suspensions. */
  private readonly nodes = new Set<AttachableNode>()
  private readonly decisions = new HookDecisions({
    listening: () => this.listenerCount('peer:denied') > 0,
    announce: (detail) => this.safeDispatchEvent('peer:denied', { detail }),
  })
  private connectionsClosed = 0
  private suspensions = 0

  constructor(
    private readonly logger: Logger,
    private readonly suspended: SuspendedPeers,
  ) {
    super()
    const judge: PeerJudge = {
      deny: (peerId, hook) => this.denyAtHook(peerId, hook),
      denyUnparseable: (value, hook) => this.decisions.deny(value, hook, 'invalid-key-type'),
    }
    this.connectionGater = createConnectionGater(judge)
  }

  get size(): number {
    return this.members.size
  }

  add(gater: RegistryGater): void {
    if (this.members.has(gater)) return
    const onRefresh = (event: CustomEvent<RefreshDetail>): void => {
      if (event.detail.ok) this.sweepAll('revoked')
    }
    this.members.set(gater, onRefresh)
    gater.addEventListener('refresh', onRefresh)
  }

  delete(gater: RegistryGater): void {
    const onRefresh = this.members.get(gater)
    if (onRefresh === undefined) return
    this.members.delete(gater)
    gater.removeEventListener('refresh', onRefresh)
    this.sweepAll('database-left')
  }

  isAuthorizedCached(peerId: PeerId): boolean {
    if (this.suspended.has(peerId)) return false
    for (const member of this.members.keys()) if (member.isAuthorizedCached(peerId)) return true
    return false
  }

  async isAuthorized(peerId: PeerId, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return (await this.decide(peerId, options)).allowed
  }

  suspend(peerId: PeerId, durationMs: number): boolean {
    if (!Number.isFinite(durationMs) || durationMs <= 0) return false
    const outcome = this.suspended.add(peerId, Date.now() + durationMs)
    if (outcome === 'refused') return false
    if (outcome === 'unchanged') return true
    this.suspensions++
    for (const node of this.nodes) this.connectionsClosed += closePeerConnections(node, peerId, this.logger)
    return true
  }

  isSuspended(peerId: PeerId): boolean {
    return this.suspended.has(peerId)
  }

  async decide(peerId: PeerId, options: { signal?: AbortSignal } = {}): Promise<GaterDecision> {
    if (this.suspended.has(peerId)) return DENIED_SUSPENDED
    if (this.members.size === 0) return DENIED_EMPTY
    const decisions = await Promise.all(
      [...this.members.keys()].map((member) => member.decide(peerId, options)),
    )
    let denied: GaterDecision | undefined
    for (const decision of decisions) {
      if (decision.allowed) return decision
      if (denied === undefined || decision.reason === 'registry-unavailable') denied = decision
    }
    return denied ?? DENIED_EMPTY
  }

  attach(node: AttachableNode): () => void {
    this.nodes.add(node)
    return () => {
      this.nodes.delete(node)
    }
  }

  metrics(): GaterGroupMetrics {
    return {
      ...this.decisions.snapshot(),
      members: this.members.size,
      connectionsClosed: this.connectionsClosed,
      suspendedPeers: this.suspended.size(),
      suspensions: this.suspensions,
    }
  }

  private sweepAll(cause: SweepCause): void {
    const isAdmitted = (peerId: PeerId): boolean => this.isAuthorizedCached(peerId)
    for (const node of this.nodes) {
      this.connectionsClosed += closeRevokedConnections(node, isAdmitted, this.logger, cause)
    }
  }

  private denyAtHook(peerId: PeerId, hook: GaterHook): boolean | Promise<boolean> {
    if (this.suspended.has(peerId)) return this.decisions.deny(peerId, hook, 'suspended')
    if (this.isAuthorizedCached(peerId)) return this.decisions.allow(hook)
    return this.decisions.settle(peerId, hook, this.decide(peerId))
  }
}
