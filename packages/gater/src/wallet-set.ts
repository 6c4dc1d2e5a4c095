import { WALLET_PUBLIC_KEY_LENGTH } from '@depin/identity'

type Bucket = Uint8Array | Uint8Array[]

/**
 * A set of 32-byte wallet public keys with an allocation-free `has()`: a Map keyed by 30 bits of
 * the key (Ed25519 public keys are uniformly distributed, and 30 bits stay a V8 small integer),
 * with byte comparison inside the rare colliding bucket. A hit is one Map lookup and one 32-byte
 * compare, no base58 or hex encoding (see bench/).
 */
export class WalletSet {
  private readonly buckets = new Map<number, Bucket>()
  private count = 0

  get size(): number {
    return this.count
  }

  has(key: Uint8Array): boolean {
    if (key.length !== WALLET_PUBLIC_KEY_LENGTH) return false
    const bucket = this.buckets.get(bucketOf(key))
    if (bucket === undefined) return false
    if (bucket instanceof Uint8Array) return equalBytes(bucket, key)
    for (const entry of bucket) if (equalBytes(entry, key)) return true
    return false
  }

  /** Adds `key` (kept by reference: pass a copy you will not mutate). Returns false if present. */
  add(key: Uint8Array): boolean {
    if (key.length !== WALLET_PUBLIC_KEY_LENGTH) return false
    const slot = bucketOf(key)
    const bucket = this.buckets.get(slot)
    if (bucket === undefined) {
      this.buckets.set(slot, key)
    } else if (bucket instanceof Uint8Array) {
      if (equalBytes(bucket, key)) return false
      this.buckets.set(slot, [bucket, key])
    } else {
      for (const entry of bucket) if (equalBytes(entry, key)) return false
      bucket.push(key)
    }
    this.count++
    return true
  }

  *[Symbol.iterator](): IterableIterator<Uint8Array> {
    for (const bucket of this.buckets.values()) {
      if (bucket instanceof Uint8Array) yield bucket
      else yield* bucket
    }
  }
}

function bucketOf(key: Uint8Array): number {
  return (key[0]! | (key[1]! << 8) | (key[2]! << 16) | ((key[3]! & 0x3f) << 24)) >>> 0
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < WALLET_PUBLIC_KEY_LENGTH; i++) if (a[i] !== b[i]) return false
  return true
}
