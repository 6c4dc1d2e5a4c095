import type { PeerId } from '@libp2p/interface'

/** The libp2p ConnectionGater hook that took a decision. */
export type GaterHook =
  | 'dial-peer'
  | 'dial-multiaddr'
  | 'inbound-encrypted'
  | 'outbound-encrypted'
  | 'relay-reservation'
  | 'relay-outbound'
  | 'relay-inbound'

/** Every {@link GaterHook}, in a stable order. */
export const GATER_HOOKS: readonly GaterHook[] = Object.freeze([
  'dial-peer',
  'dial-multiaddr',
  'inbound-encrypted',
  'outbound-encrypted',
  'relay-reservation',
  'relay-outbound',
  'relay-inbound',
])

/**
 * Why a peer was denied: its wallet is not in the registry's last answer; the registry could not be
 * asked (failing, timed out, or never loaded) and the wallet is not in the last good set; its
 * PeerId is not an Ed25519 key, so it carries no wallet; or this host suspended it for a while
 * (a {@link GaterGroup}'s `suspend`, e.g. an author of invalid events) although the registry admits it.
 */
export type DenyReason = 'not-in-registry' | 'registry-unavailable' | 'invalid-key-type' | 'suspended'

/** Every {@link DenyReason}, in a stable order. */
export const DENY_REASONS: readonly DenyReason[] = Object.freeze([
  'not-in-registry',
  'registry-unavailable',
  'invalid-key-type',
  'suspended',
])

/** The answer for one peer. `via` says what admitted it. */
export type GaterDecision =
  | { allowed: true; via: 'cache' | 'allow-list' | 'registry' }
  | { allowed: false; reason: DenyReason }

/** Decisions taken at the connection hooks, by hook and reason. */
export interface DecisionCounts {
  allowed: Record<GaterHook, number>
  denied: Record<GaterHook, Record<DenyReason, number>>
  allowedTotal: number
  deniedTotal: number
}

/** Detail of the `peer:denied` event. */
export interface PeerDeniedDetail {
  peerId: string
  hook: GaterHook
  reason: DenyReason
}

/** Counts decisions; `snapshot()` returns a copy. */
export class DecisionCounter {
  private readonly allowed = Object.fromEntries(GATER_HOOKS.map((h) => [h, 0])) as Record<GaterHook, number>
  private readonly denied = Object.fromEntries(
    GATER_HOOKS.map((h) => [h, Object.fromEntries(DENY_REASONS.map((r) => [r, 0]))]),
  ) as Record<GaterHook, Record<DenyReason, number>>
  private allowedTotal = 0
  private deniedTotal = 0

  allow(hook: GaterHook): void {
    this.allowed[hook]++
    this.allowedTotal++
  }

  deny(hook: GaterHook, reason: DenyReason): void {
    this.denied[hook][reason]++
    this.deniedTotal++
  }

  snapshot(): DecisionCounts {
    return {
      allowed: { ...this.allowed },
      denied: Object.fromEntries(GATER_HOOKS.map((h) => [h, { ...this.denied[h] }])) as Record<
        GaterHook,
        Record<DenyReason, number>
      >,
      allowedTotal: this.allowedTotal,
      deniedTotal: this.deniedTotal,
    }
  }
}

/** A peer's printable id, for events and logs (never throws). */
export function peerIdString(peerId: PeerId): string {
  try {
    return peerId.toString()
  } catch {
    return '<unprintable PeerId>'
  }
}
