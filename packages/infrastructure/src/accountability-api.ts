import type { Logger } from '@depin/logger'
import { counter, gauge, type SnapshotOf } from '@depin/metrics-schema'
import type { PeerId } from '@libp2p/interface'
import type { TypedEventTarget } from 'main-event'

/**
 * Who pays for an invalid event. Plain GossipSub penalises the peer that forwarded it; a node of
 * the Go implementation validates nothing and forwards everything, so that rule would cut a TS node off
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

/** The metrics of a {@link PeerAccountability} (`node.accountability` in the node's metrics). */
export const ACCOUNTABILITY_METRICS = {
  /** Invalid events attributed to their (authorized) author. */
  strikes: counter(
    'node_author_strikes_total',
    'Invalid events held against their signed (authorized) author.',
  ),
  /** Authors suspended (decisions). */
  suspensions: counter(
    'node_authors_suspended_total',
    'Authors suspended for sending invalid events (their events dropped, their connections refused).',
  ),
  /** Invalid events that reached us through a peer other than their author (the relay was spared). */
  invalidRelayed: counter(
    'node_invalid_events_relayed_total',
    'Invalid events that came through a peer other than their author (the relay was not penalised).',
  ),
  /** Invalid events signed by a key no registry admits, forwarded by another peer. */
  unattributable: counter(
    'node_invalid_events_unattributable_total',
    'Relayed invalid events signed by keys no registry admits.',
  ),
  /** Of those, the ones past the forwarder's allowance (the forwarder was penalised). */
  unattributablePenalized: counter(
    'node_invalid_events_unattributable_penalized_total',
    "Unattributable invalid events past their forwarder's allowance (the forwarder was penalised).",
  ),
  /** Peers carrying a score penalty now. */
  penalizedPeers: gauge(
    'node_penalized_peers',
    'Peers whose GossipSub score carries a penalty for invalid events now.',
  ),
}

/** Counters of a {@link PeerAccountability}. */
export type AccountabilityMetrics = SnapshotOf<typeof ACCOUNTABILITY_METRICS>

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
