import { WALLET_PUBLIC_KEY_LENGTH } from '@depin/identity'

const KEY = WALLET_PUBLIC_KEY_LENGTH

/**
 * A set of 32-byte wallet public keys built for the gater's hot path and for 100k-wallet registries:
 * every key is copied into one contiguous byte slab, and a Map from 30 bits of the key (Ed25519 public
 * keys are uniformly distributed; 30 bits stay a V8 small integer) to the key's slot finds it, with a
 * byte compare. A lookup allocates nothing and encodes nothing; a set of 100k keys is a handful of
 * heap objects, so garbage collection stays short. Built once, then only read (the gater replaces
 * whole sets, it never edits one in use).
 */
export class WalletSet {
  private slab: Uint8Array
  private count = 0
  /** bucket -> slot, or -(n + 1) for `collisions[n]` (a list of slots). */
  private readonly index = new Map<number, number>()
  private readonly collisions: number[][] = []

  constructor(capacity = 64) {
    this.slab = new Uint8Array(Math.max(1, capacity) * KEY)
  }

  get size(): number {
    return this.count
  }

  /** Whether the 32 bytes of `bytes` at `offset` are in the set. */
  has(bytes: Uint8Array, offset = 0): boolean {
    if (bytes.length - offset < KEY) return false
    const found = this.index.get(bucketOf(bytes, offset))
    if (found === undefined) return false
    if (found >= 0) return this.equalsSlot(found, bytes, offset)
    for (const slot of this.collisions[-found - 1] ?? [])
      if (this.equalsSlot(slot, bytes, offset)) return true
    return false
  }

  /** Copies the 32 bytes of `bytes` at `offset` into the set. Returns false if already present or too short. */
  add(bytes: Uint8Array, offset = 0): boolean {
    if (bytes.length - offset < KEY || this.has(bytes, offset)) return false
    if ((this.count + 1) * KEY > this.slab.length) {
      const grown = new Uint8Array(this.slab.length * 2)
      grown.set(this.slab)
      this.slab = grown
    }
    const slot = this.count++
    this.slab.set(bytes.subarray(offset, offset + KEY), slot * KEY)
    const bucket = bucketOf(bytes, offset)
    const found = this.index.get(bucket)
    if (found === undefined) this.index.set(bucket, slot)
    else if (found >= 0) {
      this.collisions.push([found, slot])
      this.index.set(bucket, -this.collisions.length)
    } else this.collisions[-found - 1]?.push(slot)
    return true
  }

  /** The key in `slot` (0 to size - 1), as a copy. */
  keyAt(slot: number): Uint8Array {
    return this.slab.slice(slot * KEY, slot * KEY + KEY)
  }

  /** The slots of keys not in `other`, without allocating per key. */
  slotsMissingFrom(other: WalletSet, from: number, to: number, into: number[]): void {
    const end = Math.min(to, this.count)
    for (let slot = from; slot < end; slot++) if (!other.has(this.slab, slot * KEY)) into.push(slot)
  }

  private equalsSlot(slot: number, bytes: Uint8Array, offset: number): boolean {
    const slab = this.slab
    const base = slot * KEY
    for (let i = 0; i < KEY; i++) if (slab[base + i] !== bytes[offset + i]) return false
    return true
  }
}

function bucketOf(b: Uint8Array, o: number): number {
  return (
    ((b[o] as number) |
      ((b[o + 1] as number) << 8) |
      ((b[o + 2] as number) << 16) |
      (((b[o + 3] as number) & 0x3f) << 24)) >>>
    0
  )
}
