// Reused for building keys: 16 UTF-16 code units hold the 32 bytes of a wallet.
const codes: number[] = new Array(16).fill(0)

/**
 * Remembers recently denied wallets for `ttlMs`, holding at most `maxSize` (the oldest is dropped
 * first), so repeated dials from an unknown key never reach the registry again while it is fresh.
 */
export class DeniedCache {
  // Insertion order is expiry order (every entry gets the same TTL and is re-inserted on update).
  private readonly entries = new Map<string, number>()

  constructor(
    private readonly maxSize: number,
    private readonly ttlMs: number,
  ) {}

  get size(): number {
    return this.entries.size
  }

  has(key: Uint8Array, now = performance.now()): boolean {
    if (this.maxSize === 0) return false
    const id = toKey(key)
    const expiresAt = this.entries.get(id)
    if (expiresAt === undefined) return false
    if (expiresAt > now) return true
    this.entries.delete(id)
    return false
  }

  add(key: Uint8Array, now = performance.now()): void {
    if (this.maxSize === 0 || this.ttlMs === 0) return
    const id = toKey(key)
    this.entries.delete(id)
    this.prune(now)
    while (this.entries.size >= this.maxSize) {
      const oldest = this.entries.keys().next()
      if (oldest.done === true) break
      this.entries.delete(oldest.value)
    }
    this.entries.set(id, now + this.ttlMs)
  }

  clear(): void {
    this.entries.clear()
  }

  private prune(now: number): void {
    for (const [id, expiresAt] of this.entries) {
      if (expiresAt > now) return
      this.entries.delete(id)
    }
  }
}

/** A 16-character string key for 32 bytes (one flat string, no per-byte concatenation). */
export function toKey(bytes: Uint8Array): string {
  for (let i = 0; i < 16; i++) codes[i] = (bytes[2 * i] as number) | ((bytes[2 * i + 1] as number) << 8)
  return String.fromCharCode.apply(null, codes)
}
