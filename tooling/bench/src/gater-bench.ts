import { execFile } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createRegistryGater } from '@depin/gater'
import { createInMemoryRegistry, generateWallets } from '@depin/test-utils'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { type Spread, spread } from './stats.js'

const run = promisify(execFile)

/** Gater figures: the gater package's own bench (run `runs` times) and registry calls from unknown keys. */
export interface GaterFigures {
  wallets: number
  /** The figures of packages/gater/bench (median/min/max over runs); times in ns per decision or ms. */
  gaterBench: Record<string, Spread>
  /** Registry calls caused by 1000 inbound connections from unknown keys, back to back. */
  registryCallsPer1000UnknownDialsBurst: Spread
  /** The same, 1000 dials spread over `pacedOverMs`. */
  registryCallsPer1000UnknownDialsPaced: Spread
  pacedOverMs: number
  runs: number
}

/**
 * Runs packages/gater's bench (`bench/dist/run.js`, built by its own `bench` script when missing) and
 * reads what it wrote to bench/results/gater-<date>.json.
 */
async function gaterBenchOnce(repoRoot: string, wallets: number): Promise<Record<string, number>> {
  const gaterDir = join(repoRoot, 'packages', 'gater')
  const dist = join(gaterDir, 'bench', 'dist', 'run.js')
  const source = join(gaterDir, 'bench', 'gater-bench.ts')
  const env = { ...process.env, GATER_BENCH_WALLETS: String(wallets) }
  if (!existsSync(dist) || statSync(dist).mtimeMs < statSync(source).mtimeMs) {
    // Its own script compiles the bench and runs it once.
    await run('npx', ['-y', 'pnpm@12.21.0', 'run', 'bench'], { cwd: gaterDir, env, maxBuffer: 1 << 24 })
  } else {
    await run(process.execPath, ['--expose-gc', dist], { cwd: gaterDir, env, maxBuffer: 1 << 24 })
  }
  const file = join(repoRoot, 'bench', 'results', `gater-${new Date().toISOString().slice(0, 10)}.json`)
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
  const numbers: Record<string, number> = {}
  for (const [k, v] of Object.entries(parsed)) if (typeof v === 'number') numbers[k] = v
  return numbers
}

async function unknownPeers(count: number): Promise<PeerId[]> {
  const out: PeerId[] = []
  for (let i = 0; i < count; i++) out.push(peerIdFromPrivateKey(await generateKeyPair('Ed25519')))
  return out
}

/** Registry calls while `peers` dial in (inbound, after encryption: where TCP and QUIC reach the gater). */
async function registryCallsFor(peers: PeerId[], spreadOverMs: number): Promise<number> {
  const registry = createInMemoryRegistry(generateWallets(10).map((w) => w.wallet))
  const gater = createRegistryGater({ getAuthorizedWallets: registry.getAuthorizedWallets })
  await gater.start()
  const before = registry.calls
  try {
    const started = performance.now()
    const pending: Array<boolean | Promise<boolean>> = []
    for (let i = 0; i < peers.length; i++) {
      if (spreadOverMs > 0) {
        const slot = started + (i * spreadOverMs) / peers.length
        const wait = slot - performance.now()
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
      }
      const hook = gater.connectionGater.denyInboundEncryptedConnection
      pending.push(hook === undefined ? true : hook(peers[i] as PeerId, undefined as never))
    }
    await Promise.all(pending)
    return ((registry.calls - before) * 1000) / peers.length
  } finally {
    await gater.stop()
  }
}

/** Gater bench: `runs` runs of the gater package's bench at `wallets` wallets, plus registry calls. */
export async function runGaterBench({
  repoRoot,
  wallets,
  runs,
  pacedOverMs,
  runOnce = (count) => gaterBenchOnce(repoRoot, count),
  log = () => {},
}: {
  repoRoot: string
  wallets: number
  runs: number
  pacedOverMs: number
  /** One run of packages/gater's bench. @default spawns its built script (see gaterBenchOnce) */
  runOnce?: (wallets: number) => Promise<Record<string, number>>
  log?: (line: string) => void
}): Promise<GaterFigures> {
  const results: Record<string, number>[] = []
  for (let i = 0; i < runs; i++) {
    log(`gater: packages/gater bench run ${i + 1}/${runs} (${wallets} wallets)`)
    results.push(await runOnce(wallets))
  }
  const gaterBench: Record<string, Spread> = {}
  for (const key of Object.keys(results[0] ?? {}))
    gaterBench[key] = spread(results.map((r) => r[key] ?? Number.NaN))
  const burst: number[] = []
  const paced: number[] = []
  for (let i = 0; i < runs; i++) {
    burst.push(await registryCallsFor(await unknownPeers(1000), 0))
    paced.push(await registryCallsFor(await unknownPeers(1000), pacedOverMs))
  }
  return {
    wallets,
    gaterBench,
    registryCallsPer1000UnknownDialsBurst: spread(burst),
    registryCallsPer1000UnknownDialsPaced: spread(paced),
    pacedOverMs,
    runs,
  }
}
