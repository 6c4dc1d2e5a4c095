import { type Logger, noopLogger } from '@depin/logger'
import { createCounts, snapshotOf } from '@depin/metrics-schema'
import type { PeerId } from '@libp2p/interface'
import { TypedEventEmitter } from 'main-event'
import {
  ACCOUNTABILITY_DEFAULTS,
  ACCOUNTABILITY_METRICS,
  type AccountabilityMetrics,
  type InvalidEventReport,
  type InvalidEventVerdict,
  type PeerAccountability,
  type PeerAccountabilityEvents,
  type PeerAccountabilityInit,
  type ResolvedAccountabilityOptions,
} from './accountability-api.js'
import { withDefaults } from './defaults.js'

export type {
  AccountabilityMetrics,
  AccountabilityOptions,
  InvalidEventReport,
  InvalidEventVerdict,
  PeerAccountability,
  PeerAccountabilityEvents,
  PeerAccountabilityInit,
  PeerSuspendedDetail,
  ResolvedAccountabilityOptions,
} from './accountability-api.js'
export { ACCOUNTABILITY_DEFAULTS } from './accountability-api.js'

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
  private readonly counters = createCounts(ACCOUNTABILITY_METRICS)

  constructor(init: PeerAccountabilityInit) {
    super()
    this.options = withDefaults(ACCOUNTABILITY_DEFAULTS, init)
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
    return snapshotOf(ACCOUNTABILITY_METRICS, this.counters, { penalizedPeers: this.penalties.size })
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
