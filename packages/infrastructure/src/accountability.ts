import { type Logger, noopLogger } from '@depin/logger'
import type { PeerId } from '@libp2p/interface'
import { TypedEventEmitter, type TypedEventTarget } from 'main-event'

/**
 * Who pays for an invalid event. Plain GossipSub penalises the peer that forwarded it; a Go node of
 * the seed's design validates nothing and forwards everything, so that rule would cut a TS node off
 * from every Go relay of a faulty author. Here the signed author (GossipSub `from`, verified under
 * StrictSign) is held to account: strikes, then a suspension. A forwarder pays only for what it
 * authored itself, or for a flood of events signed by keys no registry admits (nobody else can be
 * held to account for those).
 */

/** One invalid event, as the messaging layer reports it. */
export interface InvalidEventReport {
  /** The signed author, or undefined for an unsigned message. */
  author: PeerId | undefined
  /** The peer it came from. */
  forwarder: PeerId
  /** Whether the database's registry admits the author: only then can it be held to account. */
  authorAuthorized: boolean
  /** Why it is invalid (the messaging reject reason). */
  reason: string
  /** The GossipSub topic. */
  topic: string
}

/** What {@link PeerAccountability.reportInvalid} decided. */
export interface InvalidEventVerdict {
  /**
   * Who was penalised: the `author` (a strike; and a score penalty when it forwarded the event
   * itself), the `forwarder` (an unattributable event past its allowance), or `none`.
   */
  penalized: 'author' | 'forwarder' | 'none'
  /** This report suspended the author. */
  suspended: boolean
  /**
   * The topic validator must return Reject so that GossipSub penalises the forwarder itself. Only
   * when no score penalty can be applied here (no GossipSub wired to {@link PeerAccountability.appSpecificScore}).
   */
  rejectInGossipSub: boolean
}

/** Detail of the `peer:suspended` event. */
export interface PeerSuspendedDetail {
  peerId: string
  /** Strikes that led to it. */
  strikes: number
  /** The reason of the last invalid event. */
  reason: string
  topic: string
  durationMs: number
}

/** Events of a {@link PeerAccountability}. */
export interface PeerAccountabilityEvents {
  /** An author reached `strikesToSuspend`: its events are dropped and it is refused for `durationMs`. */
  'peer:suspended': CustomEvent<PeerSuspendedDetail>
}

/** Counters of a {@link PeerAccountability}. */
export interface AccountabilityMetrics {
  /** Invalid events attributed to their (authorized) author. */
  strikes: number
  /** Authors suspended (decisions). */
  suspensions: number
  /** Invalid events that reached us through a peer other than their author (the relay was spared). */
  invalidRelayed: number
  /** Invalid events signed by a key no registry admits, forwarded by another peer. */
  unattributable: number
  /** Of those, the ones past the forwarder's allowance (the forwarder was penalised). */
  unattributablePenalized: number
  /** Peers carrying a score penalty now. */
  penalizedPeers: number
}

/** Tunables of the accountability, every default in {@link ACCOUNTABILITY_DEFAULTS}. */
export interface AccountabilityOptions {
  /** Invalid events by one author (not yet forgotten) that suspend it. @default 5 */
  strikesToSuspend?: number | undefined
  /** How long a suspended author's events are dropped and its connections refused. @default 600_000 */
  suspendMs?: number | undefined
  /** An author's strikes are forgotten this long after its last invalid event. @default 600_000 */
  strikeMemoryMs?: number | undefined
  /**
   * Invalid events, forwarded by one peer, that are signed by keys no registry admits (an event
   * of a just-revoked wallet relayed by a peer whose cache still admits it, or junk signed with
   * throwaway keys) that are dropped without penalty per minute; past that the forwarder is
   * penalised as the author would be. @default 30
   */
  unattributablePerMinute?: number | undefined
  /**
   * The score penalty of a peer that sends us its own invalid events (or too many unattributable
   * ones) reaches GossipSub's graylist after this many; it decays as GossipSub's P4 does (half in
   * ~70 s). @default 10
   */
  invalidEventsToGraylist?: number | undefined
  /** Authors and forwarders tracked at once (least recently seen dropped first). @default 4096 */
  maxTrackedPeers?: number | undefined
}

/** {@link AccountabilityOptions} with every default applied. */
export type ResolvedAccountabilityOptions = { [K in keyof AccountabilityOptions]-?: number }

/** The defaults of {@link AccountabilityOptions}. */
export const ACCOUNTABILITY_DEFAULTS: Readonly<ResolvedAccountabilityOptions> = Object.freeze({
  strikesToSuspend: 5,
  suspendMs: 600_000,
  strikeMemoryMs: 600_000,
  unattributablePerMinute: 30,
  invalidEventsToGraylist: 10,
  maxTrackedPeers: 4_096,
})

/** Holds authors of invalid events to account; one per node, shared by its databases. */
export interface PeerAccountability extends TypedEventTarget<PeerAccountabilityEvents> {
  /** Whether `author`'s events are dropped now (suspended). */
  isSuspended(author: PeerId): boolean
  /** Records an invalid event and says who pays. */
  reportInvalid(report: InvalidEventReport): InvalidEventVerdict
  /**
   * An event of a suspended author arrived (it is dropped unread). An author that sent it itself
   * is penalised again; a relay is not.
   */
  reportSuspended(author: PeerId, forwarder: PeerId): InvalidEventVerdict
  /**
   * GossipSub's application-specific score (P5) of a peer: minus its penalty (0 for most peers).
   * Wire it as `scoreParams.appSpecificScore`; with `appSpecificWeight` w, pass `w` to the factory.
   */
  appSpecificScore(peerId: string): number
  metrics(): AccountabilityMetrics
}

/** What {@link createPeerAccountability} needs besides its options. */
export interface PeerAccountabilityInit extends AccountabilityOptions {
  /** Refuses a peer for `durationMs` and closes its connections (a gater group's `suspend`). */
  suspend?: ((peerId: PeerId, durationMs: number) => void) | undefined
  /** Whether a peer is refused now (a gater group's `isSuspended`). */
  isSuspended?: ((peerId: PeerId) => boolean) | undefined
  /**
   * GossipSub's graylist threshold and `appSpecificWeight` when {@link PeerAccountability.appSpecificScore}
   * is wired into GossipSub; without it, penalties are left to GossipSub (`rejectInGossipSub`).
   */
  score?: { graylistThreshold: number; appSpecificWeight: number } | undefined
  logger?: Logger | undefined
  /** For tests. @default Date.now */
  now?: (() => number) | undefined
}

/** GossipSub's P4 decay per second in our topic parameters: an offence is half forgotten in ~70 s. */
const PENALTY_DECAY_PER_SECOND = 0.99
/** Below this many (decayed) offences a penalty is forgotten. */
const PENALTY_FORGET_BELOW = 0.1
const MINUTE_MS = 60_000

interface Strikes {
  count: number
  lastAt: number
}

interface Penalty {
  offences: number
  at: number
}

interface Allowance {
  windowStart: number
  count: number
}

/**
 * Creates the node's accountability for invalid events (see {@link InvalidEventReport}).
 *
 * @example
 * const accountability = createPeerAccountability({ suspend: (p, ms) => gaters.suspend(p, ms), isSuspended: (p) => gaters.isSuspended(p), score: { graylistThreshold: -16_000, appSpecificWeight: 1 } })
 * gossipsub({ scoreParams: { appSpecificScore: (p) => accountability.appSpecificScore(p), appSpecificWeight: 1 } })
 */
export function createPeerAccountability(init: PeerAccountabilityInit = {}): PeerAccountability {
  return new DefaultPeerAccountability(init)
}

class DefaultPeerAccountability
  extends TypedEventEmitter<PeerAccountabilityEvents>
  implements PeerAccountability
{
  private readonly options: ResolvedAccountabilityOptions
  private readonly log: Logger
  private readonly now: () => number
  private readonly suspendPeer: ((peerId: PeerId, durationMs: number) => void) | undefined
  private readonly suspendedCheck: ((peerId: PeerId) => boolean) | undefined
  /** Offence weight of the score penalty (negative), or undefined when GossipSub penalises. */
  private readonly offenceScore: number | undefined
  private readonly strikes = new Map<string, Strikes>()
  private readonly penalties = new Map<string, Penalty>()
  private readonly allowances = new Map<string, Allowance>()
  /** Suspensions when no gater group enforces them (messaging used on its own). */
  private readonly localSuspensions = new Map<string, number>()
  private readonly counters = {
    strikes: 0,
    suspensions: 0,
    invalidRelayed: 0,
    unattributable: 0,
    unattributablePenalized: 0,
  }

  constructor(init: PeerAccountabilityInit) {
    super()
    const d = ACCOUNTABILITY_DEFAULTS
    this.options = {
      strikesToSuspend: init.strikesToSuspend ?? d.strikesToSuspend,
      suspendMs: init.suspendMs ?? d.suspendMs,
      strikeMemoryMs: init.strikeMemoryMs ?? d.strikeMemoryMs,
      unattributablePerMinute: init.unattributablePerMinute ?? d.unattributablePerMinute,
      invalidEventsToGraylist: init.invalidEventsToGraylist ?? d.invalidEventsToGraylist,
      maxTrackedPeers: init.maxTrackedPeers ?? d.maxTrackedPeers,
    }
    this.log = init.logger ?? noopLogger
    this.now = init.now ?? Date.now
    this.suspendPeer = init.suspend
    this.suspendedCheck = init.isSuspended
    if (init.score !== undefined) {
      // As our topics' P4 weight: exactly `invalidEventsToGraylist` offences (before decay) cross the
      // graylist threshold, 1 % past it; P5 is multiplied by appSpecificWeight, so divide it out.
      const n = this.options.invalidEventsToGraylist
      const graylist = Math.min(init.score.graylistThreshold, -1)
      this.offenceScore = (graylist * 1.01) / (n * n) / Math.max(init.score.appSpecificWeight, 1e-9)
    }
  }

  isSuspended(author: PeerId): boolean {
    if (this.suspendedCheck !== undefined) return this.suspendedCheck(author)
    if (this.localSuspensions.size === 0) return false
    const key = author.toString()
    const until = this.localSuspensions.get(key)
    if (until === undefined) return false
    if (until > this.now()) return true
    this.localSuspensions.delete(key)
    return false
  }

  reportInvalid(report: InvalidEventReport): InvalidEventVerdict {
    const { author, forwarder } = report
    const byAuthor = author?.equals(forwarder) === true
    if (!byAuthor) this.counters.invalidRelayed++
    if (author !== undefined && report.authorAuthorized) {
      const suspended = this.strike(author, report)
      return this.penalize(byAuthor ? forwarder : undefined, 'author', suspended)
    }
    if (byAuthor) return this.penalize(forwarder, 'author', false)
    // Signed by a key the registry does not admit (or unsigned), and relayed: nobody here can be
    // held to account but the relay, so only a flood of them costs it anything.
    this.counters.unattributable++
    if (this.withinAllowance(forwarder.toString())) return NONE
    this.counters.unattributablePenalized++
    return this.penalize(forwarder, 'forwarder', false)
  }

  reportSuspended(author: PeerId, forwarder: PeerId): InvalidEventVerdict {
    return author.equals(forwarder) ? this.penalize(author, 'author', false) : NONE
  }

  appSpecificScore(peerId: string): number {
    if (this.offenceScore === undefined || this.penalties.size === 0) return 0
    const penalty = this.penalties.get(peerId)
    if (penalty === undefined) return 0
    const offences = this.decayed(penalty)
    if (offences < PENALTY_FORGET_BELOW) {
      this.penalties.delete(peerId)
      return 0
    }
    return offences * offences * this.offenceScore
  }

  metrics(): AccountabilityMetrics {
    for (const [key, penalty] of this.penalties) {
      if (this.decayed(penalty) < PENALTY_FORGET_BELOW) this.penalties.delete(key)
    }
    return { ...this.counters, penalizedPeers: this.penalties.size }
  }

  /** Adds a strike; suspends the author at the threshold. Returns whether it suspended. */
  private strike(author: PeerId, report: InvalidEventReport): boolean {
    this.counters.strikes++
    const key = author.toString()
    const now = this.now()
    const previous = this.strikes.get(key)
    const count =
      previous === undefined || now - previous.lastAt > this.options.strikeMemoryMs ? 1 : previous.count + 1
    this.remember(this.strikes, key, { count, lastAt: now })
    if (count < this.options.strikesToSuspend || this.isSuspended(author)) return false
    this.suspend(author, key, count, report)
    return true
  }

  private suspend(author: PeerId, key: string, strikes: number, report: InvalidEventReport): void {
    const durationMs = this.options.suspendMs
    this.counters.suspensions++
    this.strikes.delete(key)
    if (this.suspendPeer !== undefined) this.suspendPeer(author, durationMs)
    else this.remember(this.localSuspensions, key, this.now() + durationMs)
    this.log.warn(
      'suspending a peer that sent invalid events: its events are dropped and it is refused',
      'peer',
      key,
      'strikes',
      strikes,
      'reason',
      report.reason,
      'topic',
      report.topic,
      'durationMs',
      durationMs,
    )
    this.safeDispatchEvent('peer:suspended', {
      detail: { peerId: key, strikes, reason: report.reason, topic: report.topic, durationMs },
    })
  }

  private penalize(
    peer: PeerId | undefined,
    who: 'author' | 'forwarder',
    suspended: boolean,
  ): InvalidEventVerdict {
    if (peer === undefined) return { penalized: who, suspended, rejectInGossipSub: false }
    if (this.offenceScore === undefined) return { penalized: who, suspended, rejectInGossipSub: true }
    const key = peer.toString()
    const previous = this.penalties.get(key)
    const offences = (previous === undefined ? 0 : this.decayed(previous)) + 1
    this.remember(this.penalties, key, { offences, at: this.now() })
    return { penalized: who, suspended, rejectInGossipSub: false }
  }

  private withinAllowance(key: string): boolean {
    const now = this.now()
    const current = this.allowances.get(key)
    const allowance =
      current === undefined || now - current.windowStart >= MINUTE_MS
        ? { windowStart: now, count: 0 }
        : current
    allowance.count++
    this.remember(this.allowances, key, allowance)
    return allowance.count <= this.options.unattributablePerMinute
  }

  private decayed(penalty: Penalty): number {
    const seconds = (this.now() - penalty.at) / 1000
    return seconds <= 0 ? penalty.offences : penalty.offences * PENALTY_DECAY_PER_SECOND ** seconds
  }

  /** Sets `key` as the most recent entry of a bounded map, dropping the least recent when full. */
  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key)
    if (map.size >= this.options.maxTrackedPeers) {
      const oldest = map.keys().next()
      if (oldest.done !== true) map.delete(oldest.value)
    }
    map.set(key, value)
  }
}

const NONE: InvalidEventVerdict = Object.freeze({
  penalized: 'none',
  suspended: false,
  rejectInGossipSub: false,
})
