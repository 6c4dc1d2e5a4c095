import { randomBytes } from 'node:crypto'
import { cpus, loadavg } from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { encodeBase58, peerIdToWallet, walletToPeerId } from '@depin/identity'
import { median } from '@depin/test-utils/stats'
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
  /** For comparison: a lookup by base58 string (encode the wallet, then look it up in a Set<string>). */
  baselineBase58SetNsPerOp: number
  /** A new unknown key while miss calls are rate-limited (then remembered as denied); answered synchronously. */
  missNewKeyNsPerOp: number
  /** An unknown key already remembered as denied. */
  missRememberedNsPerOp: number
  /** First load of the registry (start()). */
  initialLoadMs: number
  initialLoadMaxBlockMs: number
  /** A refresh of all wallets with 1% replaced (parse, diff, swap, 1% revocation events); median of 5. */
  refreshMs: number
  refreshMaxBlockMs: number
  /** Longest CPU-time stretch between event-loop turns during a refresh (median of 5; see {@link Blocking}). */
  refreshMaxBlockCpuMs: number
  initialLoadMaxBlockCpuMs: number
  /** The worst of the 5 refreshes' longest blocks. */
  refreshWorstMaxBlockMs: number
  /** Machine load when the bench ran (other processes inflate the block figures). */
  loadAverage1m: number
  cpus: number
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

interface Blocking {
  ms: number
  /** Longest event-loop block seen by perf_hooks' monitorEventLoopDelay (wall clock). */
  maxBlockMs: number
  /**
   * Longest stretch of CPU time the process spent between two turns of the event loop. Unlike the
   * wall-clock figure it does not grow when the OS preempts us on a busy machine.
   */
  maxBlockCpuMs: number
}

async function measureBlocking(work: () => Promise<void>): Promise<Blocking> {
  // Collect the bench's own setup garbage first (when run with --expose-gc), so the figure is the gater's.
  ;(globalThis as { gc?: () => void }).gc?.()
  const histogram = monitorEventLoopDelay({ resolution: 1 })
  histogram.enable()
  let maxCpuMicros = 0
  let running = true
  let last = process.cpuUsage()
  const tick = (): void => {
    const now = process.cpuUsage()
    maxCpuMicros = Math.max(maxCpuMicros, now.user - last.user + (now.system - last.system))
    last = now
    if (running) setImmediate(tick)
  }
  setImmediate(tick)
  const start = performance.now()
  await work()
  const ms = performance.now() - start
  // Let the monitor sample the last slice before reading it.
  await new Promise((resolve) => setTimeout(resolve, 5))
  running = false
  histogram.disable()
  return { ms, maxBlockMs: histogram.max / 1e6, maxBlockCpuMs: maxCpuMicros / 1000 }
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

    // Misses: one call is spent on the first; the rest are rate-limited and remembered. A new key
    // costs a rate-limit check and a denied-cache insert; a remembered one a denied-cache lookup.
    // The best of 3 rounds (fresh keys each round), so JIT warm-up and machine load count less.
    let missNewKeyNsPerOp = Number.POSITIVE_INFINITY
    let missRememberedNsPerOp = Number.POSITIVE_INFINITY
    for (let round = 0; round < 3; round++) {
      const strangers = Array.from({ length: missOps }, () => walletToPeerId(randomWallet()))
      if (round === 0) await deny(walletToPeerId(randomWallet()), undefined as never)
      missNewKeyNsPerOp = Math.min(
        missNewKeyNsPerOp,
        nsPerOp(missOps, () => {
          for (let i = 0; i < missOps; i++) deny(strangers[i] as PeerId, undefined as never)
        }),
      )
      missRememberedNsPerOp = Math.min(
        missRememberedNsPerOp,
        nsPerOp(missOps, () => {
          for (let i = 0; i < missOps; i++) deny(strangers[i] as PeerId, undefined as never)
        }),
      )
    }

    // Refreshes with 1% of the wallets replaced each time. On a shared machine the OS can preempt the
    // process mid-slice, which the event-loop monitor counts as a block: report the median of 5 runs
    // as the figure, and the worst run too.
    const changed = Math.max(1, Math.floor(walletCount / 100))
    const refreshes: Blocking[] = []
    for (let run = 0; run < 5; run++) {
      registry = [
        ...registry.slice(changed),
        ...Array.from({ length: changed }, () => encodeBase58(randomWallet())),
      ]
      refreshes.push(await measureBlocking(() => gater.refresh()))
    }
    return {
      wallets: walletCount,
      hitNsPerOp,
      hitCachedNsPerOp,
      baselineBase58SetNsPerOp,
      missNewKeyNsPerOp,
      missRememberedNsPerOp,
      initialLoadMs: load.ms,
      initialLoadMaxBlockMs: load.maxBlockMs,
      refreshMs: median(refreshes.map((r) => r.ms)),
      refreshMaxBlockMs: median(refreshes.map((r) => r.maxBlockMs)),
      refreshWorstMaxBlockMs: Math.max(...refreshes.map((r) => r.maxBlockMs)),
      refreshMaxBlockCpuMs: median(refreshes.map((r) => r.maxBlockCpuMs)),
      initialLoadMaxBlockCpuMs: load.maxBlockCpuMs,
      loadAverage1m: loadavg()[0] ?? 0,
      cpus: cpus().length,
      node: process.version,
    }
  } finally {
    await gater.stop()
  }
}
