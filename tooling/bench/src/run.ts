import { loadavg } from 'node:os'
import { runCatchUpBench } from './catch-up-bench.js'
import { runGaterBench } from './gater-bench.js'
import { runMemoryBench } from './memory-bench.js'
import { startNatsServer } from './nats.js'
import type { BenchProfile, Section } from './profiles.js'
import { runPubsubBench } from './pubsub-bench.js'
import { type BenchResults, goals, machineInfo } from './results.js'
import { runScaleBench } from './scale-bench.js'
import { runStartupBench } from './startup-bench.js'
import { runVsGoBench } from './vs-go-bench.js'

/** Options of one suite run. */
export interface RunBenchOptions {
  profile: BenchProfile
  repoRoot: string
  sections: readonly Section[]
  /** Skip the NATS reference. */
  nats: boolean
  /** Install nats-server with apt-get when missing (root only). @default true */
  installNats?: boolean
  /** Replaces the spawned run of packages/gater's bench (the smoke test calls it in-process). */
  gaterBench?: (wallets: number) => Promise<Record<string, number>>
  command: string
  log?: (line: string) => void
}

const reason = (err: unknown): string =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? ''

/**
 * Runs the chosen benchmarks one after another (never two at once: they would measure each other)
 * and returns every figure. A benchmark that fails is recorded under `skipped` with its reason; the
 * others still run. Never judges a timing.
 */
export async function runBench(options: RunBenchOptions): Promise<BenchResults> {
  const log = options.log ?? (() => {})
  const p = options.profile
  const started = performance.now()
  const results: BenchResults = {
    date: new Date().toISOString(),
    profile: p.name,
    command: options.command,
    machine: machineInfo(),
    skipped: {},
    goals: [],
  }
  const want = new Set(options.sections)
  if (want.has('pubsub')) {
    const nats = options.nats
      ? await startNatsServer(log, { install: options.installNats ?? true })
      : ({ ok: false, reason: 'disabled with --no-nats' } as const)
    results.nats = nats.ok
      ? { status: `nats-server at ${nats.url}`, version: nats.version }
      : { status: `skipped: ${nats.reason}` }
    if (!nats.ok) log(`NATS reference skipped: ${nats.reason}`)
    try {
      results.pubsub = []
      for (const nodes of p.pubsub.nodes) {
        for (const size of p.pubsub.sizes) {
          // Networks are rebuilt per node count and size so the event count and rate can follow them.
          try {
            const cells = await runPubsubBench({
              ...p.pubsub,
              nodes: [nodes],
              sizes: [size],
              count: p.pubsub.countFor(size, nodes),
              rate: p.pubsub.rateFor(nodes),
              nats,
              log,
            })
            results.pubsub.push(...cells)
          } catch (err) {
            results.skipped[`pubsub ${nodes} nodes ${size} B`] = `failed: ${reason(err)}`
            log(`pubsub bench (${nodes} nodes, ${size} B) failed: ${reason(err)}`)
          }
        }
      }
    } catch (err) {
      results.skipped.pubsub = `failed: ${reason(err)}`
      log(`pubsub bench failed: ${reason(err)}`)
    } finally {
      if (nats.ok) await nats.stop()
    }
  }
  if (want.has('gater')) {
    try {
      results.gater = await runGaterBench({
        repoRoot: options.repoRoot,
        ...p.gater,
        ...(options.gaterBench === undefined ? {} : { runOnce: options.gaterBench }),
        log,
      })
    } catch (err) {
      results.skipped.gater = `failed: ${reason(err)}`
      log(`gater bench failed: ${reason(err)}`)
    }
  }
  if (want.has('startup')) {
    try {
      results.startup = await runStartupBench({ ...p.startup, log })
    } catch (err) {
      results.skipped.startup = `failed: ${reason(err)}`
      log(`startup bench failed: ${reason(err)}`)
    }
  }
  if (want.has('scale')) {
    try {
      results.scale = await runScaleBench({ repoRoot: options.repoRoot, ...p.scale, log })
    } catch (err) {
      results.skipped.scale = `failed: ${reason(err)}`
      log(`scale bench failed: ${reason(err)}`)
    }
  }
  if (want.has('memory')) {
    try {
      results.memory = await runMemoryBench({ ...p.memory, log })
    } catch (err) {
      results.skipped.memory = `failed: ${reason(err)}`
      log(`memory bench failed: ${reason(err)}`)
    }
  }
  if (want.has('vs-go')) {
    try {
      results.vsGo = await runVsGoBench({ repoRoot: options.repoRoot, ...p.vsGo, log })
    } catch (err) {
      results.skipped['vs-go'] = `failed: ${reason(err)}`
      log(`vs-go bench failed: ${reason(err)}`)
    }
  }
  if (want.has('catch-up')) {
    try {
      results.catchUp = await runCatchUpBench({ ...p.catchUp, log })
    } catch (err) {
      results.skipped['catch-up'] = `failed: ${reason(err)}`
      log(`catch-up bench failed: ${reason(err)}`)
    }
  }
  results.machine.loadAverageEnd = loadavg().map((l) => Math.round(l * 100) / 100)
  results.durationMs = performance.now() - started
  results.goals = goals(results)
  return results
}
