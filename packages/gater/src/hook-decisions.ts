import type { Logger } from '@depin/logger'
import type { PeerId } from '@libp2p/interface'
import {
  DecisionCounter,
  type DecisionCounts,
  type DenyReason,
  type GaterDecision,
  type GaterHook,
  type PeerDeniedDetail,
  peerIdString,
} from './decisions.js'

/** Where a {@link HookDecisions} announces denials: the owner's `peer:denied` event. */
export interface DenialAnnouncer {
  /** Whether anyone listens (the detail, with its base58 PeerId, is built only then). */
  listening(): boolean
  announce(detail: PeerDeniedDetail): void
}

/**
 * The decisions taken at libp2p's gater hooks, shared by a gater and a group: counts them, logs and
 * announces each denial, and turns a pending decision into the hook's answer (true = deny), failing
 * closed when the decision rejects.
 */
export class HookDecisions {
  private readonly counter = new DecisionCounter()
  private readonly announcer: DenialAnnouncer
  private readonly logger: Logger | undefined

  /** `logger`, when given, gets a debug line per denial. */
  constructor(announcer: DenialAnnouncer, logger?: Logger) {
    this.announcer = announcer
    this.logger = logger
  }

  /** Counts an admission; returns the hook's answer (false: do not deny). */
  allow(hook: GaterHook): false {
    this.counter.allow(hook)
    return false
  }

  /** Counts, logs and announces a denial; returns the hook's answer (true: deny). */
  deny(peer: PeerId | string, hook: GaterHook, reason: DenyReason): true {
    this.counter.deny(hook, reason)
    // The PeerId object itself goes to the logger: only an adapter that prints it pays for base58.
    this.logger?.debug('peer denied', 'peer', peer, 'hook', hook, 'reason', reason)
    if (this.announcer.listening()) {
      const peerId = typeof peer === 'string' ? peer : peerIdString(peer)
      this.announcer.announce({ peerId, hook, reason })
    }
    return true
  }

  /** The hook's answer once `pending` settles; a rejected decision denies (`registry-unavailable`). */
  settle(peerId: PeerId, hook: GaterHook, pending: Promise<GaterDecision>): Promise<boolean> {
    return pending.then(
      (decision) => (decision.allowed ? this.allow(hook) : this.deny(peerId, hook, decision.reason)),
      () => this.deny(peerId, hook, 'registry-unavailable'),
    )
  }

  snapshot(): DecisionCounts {
    return this.counter.snapshot()
  }
}
