import type { PeerId } from '@libp2p/interface'
import { toKey } from './denied-cache.js'

/**
 * Peers a host refuses for a while although the registry admits them (an author of invalid events,
 * see @depin/infrastructure's accountability), keyed by their Ed25519 wallet key. Bounded: when
 * full, the suspension that ends soonest gives way. Expired entries are dropped when met.
 */
export class SuspendedPeers {
  private readonly until = new Map<string, number>()

  constructor(private readonly capacity: number) {}

  /** Peers suspended now. */
  size(now = Date.now()): number {
    for (const [key, until] of this.until) if (until <= now) this.until.delete(key)
    return this.until.size
  }

  /**
   * Suspends `peerId` until `untilMs` (epoch ms); a later end replaces an earlier one. `refused`:
   * a PeerId without a wallet, or no room at all (capacity 0).
   */
  add(peerId: PeerId, untilMs: number, now = Date.now()): 'started' | 'extended' | 'unchanged' | 'refused' {
    if (peerId.type !== 'Ed25519' || this.capacity === 0) return 'refused'
    const key = toKey(peerId.publicKey.raw)
    const current = this.until.get(key)
    if (current !== undefined && current > now && current >= untilMs) return 'unchanged'
    this.until.delete(key)
    if (this.until.size >= this.capacity && this.size(now) >= this.capacity) this.evictSoonest()
    this.until.set(key, untilMs)
    return current !== undefined && current > now ? 'extended' : 'started'
  }

  /** Whether `peerId` is suspended now; allocation-free while nobody is. */
  has(peerId: PeerId, now = Date.now()): boolean {
    if (this.until.size === 0 || peerId.type !== 'Ed25519') return false
    const key = toKey(peerId.publicKey.raw)
    const until = this.until.get(key)
    if (until === undefined) return false
    if (until > now) return true
    this.until.delete(key)
    return false
  }

  private evictSoonest(): void {
    let soonestKey: string | undefined
    let soonest = Number.POSITIVE_INFINITY
    for (const [key, until] of this.until) {
      if (until < soonest) {
        soonest = until
        soonestKey = key
      }
    }
    if (soonestKey !== undefined) this.until.delete(soonestKey)
  }
}
