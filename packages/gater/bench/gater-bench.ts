import { randomBytes } from 'node:crypto'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { encodeBase58, peerIdToWallet, walletToPeerId } from '@depin/identity'
import type { PeerId } from '@libp2p/interface'
import { createRegistryGater } from '../src/index.js'

/** Sizes of one bench run. */
export interface GaterBenchOptions {
  /** Wallets in the registry. @default 100000 */
  wallets?: number
  /** Cache-hit decisions timed. @default 1000000 */
  hitOps?: number
  /** Miss decisions timed (each path). @default 10000 */
  missOps?: number
}

/** Figures of one bench run (times in ns per operation, or ms). */
export interface GaterBenchResult {
  wallets: number
  /** Cache hit through `connectionGater.denyInboundEncryptedConnection` (synchronous). */
  hitNsPerOp: number
  /** Cache hit through `isAuthorizedCached`. */
  hitCachedNsPerOp: number
  /** For comparison: the seed's way, base58-encoding the wallet and looking it up in a Set<string>. */
  baselineBase58SetNsPerOp: number
  /** A new unknown key while miss calls are rate-limited (remembered as denied). */
  missNewKeyNsPerOp: number
  /** An unknown key already remembered as denied. */
  missRememberedNsPerOp: number
  /** First load of the registry (start()). */
  initialLoadMs: number
  initialLoadMaxBlockMs: number
  /** A refresh of all wallets with 1% replaced (parse, diff, swap, 1% revocation events). */
  refreshMs: number
  refreshMaxBlockMs: number
  node: string
}

function randomWallet(): Uint8Array {
  return new Uint8Array(randomBytes(32))
}

function nsPerOp(ops: number, run: () => void): number {
  const start = process.hrtime.bigint()
  run()
  return Number(process.hrtime.bigint() - start) / ops
}

async function measureBlocking(work: () => Promise<void>): Promise<{ ms: number; maxBlockMs: number }> {
  // Collect the bench's own setup garbage first (when run with --expose-gc), so the figure is the gater's.
  ;(globalThis as { gc?: () => void }).gc?.()
  const histogram = monitorEventLoopDelay({ resolution: 1 })
  histogram.enable()
  const start = performance.now()
  await work()
  const ms = performance.now() - start
  // Let the monitor sample the last slice before reading it.
  await new Promise((resolve) => setTimeout(resolve, 5))
  histogram.disable()
  return { ms, maxBlockMs: histogram.max / 1e6 }
}

/**
 * Measures the gater's hot path, miss path and refresh with `wallets` registry entries.
 * Never fails on a timing: it only returns numbers.
 */
export async function runGaterBench(options: GaterBenchOptions = {}): Promise<GaterBenchResult> {
  const walletCount = options.wallets ?? 100_000
  const hitOps = options.hitOps ?? 1_000_000
  const missOps = options.missOps ?? 10_000

  let registry = Array.from({ length: walletCount }, () => encodeBase58(randomWallet()))
  const gater = createRegistryGater({
    getAuthorizedWallets: async () => registry,
    refreshIntervalMs: 2_147_483_647,
    missCallIntervalMs: 2_147_483_647,
  })
  try {
    const load = await measureBlocking(() => gater.start())

    const sampleSize = Math.min(1000, walletCount)
    const members: PeerId[] = registry.slice(0, sampleSize).map((w) => walletToPeerId(w))
    const cg = gater.connectionGater
    const deny = cg.denyInboundEncryptedConnection?.bind(cg)
    if (deny === undefined) throw new Error('no denyInboundEncryptedConnection')
    let allowed = 0
    const warmup = (): void => {
      for (let i = 0; i < 10_000; i++)
        if (deny(members[i % sampleSize] as PeerId, undefined as never) === false) allowed++
    }
    warmup()
    const hitNsPerOp = nsPerOp(hitOps, () => {
      for (let i = 0; i < hitOps; i++)
        if (deny(members[i % sampleSize] as PeerId, undefined as never) === false) allowed++
    })
    const hitCachedNsPerOp = nsPerOp(hitOps, () => {
      for (let i = 0; i < hitOps; i++)
        if (gater.isAuthorizedCached(members[i % sampleSize] as PeerId)) allowed++
    })
    const seedSet = new Set(registry)
    const baselineOps = Math.max(1, Math.floor(hitOps / 10))
    const baselineBase58SetNsPerOp = nsPerOp(baselineOps, () => {
      for (let i = 0; i < baselineOps; i++)
        if (seedSet.has(peerIdToWallet(members[i % sampleSize] as PeerId))) allowed++
    })
    if (allowed === 0) throw new Error('bench: no hit was admitted')

    // Misses: one call is spent on the first; the rest are rate-limited and remembered.
    const strangers = Array.from({ length: missOps + 1 }, () => walletToPeerId(randomWallet()))
    await deny(strangers[missOps] as PeerId, undefined as never)
    let start = process.hrtime.bigint()
    for (let i = 0; i < missOps; i++) await deny(strangers[i] as PeerId, undefined as never)
    const missNewKeyNsPerOp = Number(process.hrtime.bigint() - start) / missOps
    start = process.hrtime.bigint()
    for (let i = 0; i < missOps; i++) await deny(strangers[i] as PeerId, undefined as never)
    const missRememberedNsPerOp = Number(process.hrtime.bigint() - start) / missOps

    // Refresh with 1% of the wallets replaced.
    const changed = Math.max(1, Math.floor(walletCount / 100))
    registry = [
      ...registry.slice(changed),
      ...Array.from({ length: changed }, () => encodeBase58(randomWallet())),
    ]
    const refresh = await measureBlocking(() => gater.refresh())

    return {
      wallets: walletCount,
      hitNsPerOp,
      hitCachedNsPerOp,
      baselineBase58SetNsPerOp,
      missNewKeyNsPerOp,
      missRememberedNsPerOp,
      initialLoadMs: load.ms,
      initialLoadMaxBlockMs: load.maxBlockMs,
      refreshMs: refresh.ms,
      refreshMaxBlockMs: refresh.maxBlockMs,
      node: process.version,
    }
  } finally {
    await gater.stop()
  }
}
