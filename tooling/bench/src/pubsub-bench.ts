import { percentile } from '@depin/test-utils/stats'
import { createNatsNetwork, type NatsServer } from './nats.js'
import { type BenchNetwork, createOursNetwork, createRawNetwork } from './networks.js'
import type { BenchTransport } from './raw-node.js'
import { type Spread, sleep, spread, spreadOf } from './stats.js'

/** Steady: `count` events at `rate` per second. Burst: `count` events back to back. */
export type Mode = 'steady' | 'burst'

/** One measured run of one system. */
export interface RunFigures {
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** Events per second, from the first publish to the last delivery at the last subscriber. */
  msgsPerSec: number
  /** Payload megabytes (1e6 bytes) per second, same window. */
  mbPerSec: number
  /** Deliveries seen / expected (events x subscribers). */
  deliveryRatio: number
  /**
   * CPU time of this process (publisher and every subscriber: they share it) per delivered event,
   * in µs. The least load-sensitive figure on a shared machine: other processes slow the wall clock,
   * not the work done per event.
   */
  cpuUsPerDelivery: number
}

/** Sizes of the pubsub matrix. */
export interface PubsubBenchOptions {
  nodes: number[]
  sizes: number[]
  transports: BenchTransport[]
  modes: Mode[]
  /** Interleaved runs per system (ours, raw, nats, ours, raw, nats, ...). */
  runs: number
  /** Events per run. */
  count: number
  /** Events per second in steady mode. */
  rate: number
  /** NATS reference (TCP rows only); undefined = none. */
  nats?: NatsServer | undefined
  log?: (line: string) => void
}

/** Figures of one cell of the matrix. */
export interface PubsubCell {
  nodes: number
  transport: BenchTransport
  size: number
  mode: Mode
  /** Events per run, and events per second in steady mode. */
  count: number
  rate: number
  ours: Record<keyof RunFigures, Spread>
  raw: Record<keyof RunFigures, Spread>
  nats?: Record<keyof RunFigures, Spread>
  /** ours / raw, computed per interleaved pair, then median/min/max over pairs. */
  ratioVsRaw: Ratios
  /** ours / nats, same way. */
  ratioVsNats?: Ratios
}

let runCounter = 1

/** Publishes `count` events through `net` and measures latency and throughput at every subscriber. */
export async function measureRun(
  net: BenchNetwork,
  {
    mode,
    count,
    rate,
    size,
    drainTimeoutMs = 15_000,
  }: { mode: Mode; count: number; rate: number; size: number; drainTimeoutMs?: number },
): Promise<RunFigures> {
  const run = runCounter++
  const sentAt = new Float64Array(count)
  const latencies: number[] = []
  const expected = count * net.subscribers
  let delivered = 0
  let lastAt = 0
  let done: () => void = () => {}
  const allDelivered = new Promise<void>((resolve) => {
    done = resolve
  })
  net.onDelivery = (r, seq) => {
    if (r !== run || seq >= count) return
    const now = performance.now()
    latencies.push(now - (sentAt[seq] as number))
    delivered++
    lastAt = now
    if (delivered === expected) done()
  }
  const cpuBefore = process.cpuUsage()
  const start = performance.now()
  for (let seq = 0; seq < count; seq++) {
    if (mode === 'steady') {
      const slot = start + (seq * 1000) / rate
      const wait = slot - performance.now()
      if (wait > 1) await sleep(wait)
    }
    sentAt[seq] = performance.now()
    await net.publish(run, seq)
  }
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    allDelivered,
    new Promise<void>((resolve) => (timer = setTimeout(resolve, drainTimeoutMs))),
  ])
  clearTimeout(timer)
  const cpu = process.cpuUsage(cpuBefore)
  net.onDelivery = () => {}
  const window = Math.max(1e-3, (lastAt || performance.now()) - start) / 1000
  const complete = delivered / expected
  // Throughput counts fully delivered events only.
  const msgsPerSec = (count * complete) / window
  return {
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length > 0 ? Math.max(...latencies) : Number.NaN,
    msgsPerSec,
    mbPerSec: (msgsPerSec * size) / 1e6,
    deliveryRatio: complete,
    cpuUsPerDelivery: (cpu.user + cpu.system) / Math.max(1, delivered),
  }
}

/** ours ÷ baseline per interleaved pair: latency (lower is better), throughput, CPU per delivery. */
export interface Ratios {
  p50: Spread
  p99: Spread
  msgsPerSec: Spread
  cpuPerDelivery: Spread
}

function ratios(a: RunFigures[], b: RunFigures[]): Ratios {
  const pairs = Math.min(a.length, b.length)
  const r = (f: (x: RunFigures) => number) =>
    spread(Array.from({ length: pairs }, (_, i) => f(a[i] as RunFigures) / f(b[i] as RunFigures)))
  return {
    p50: r((x) => x.p50Ms),
    p99: r((x) => x.p99Ms),
    msgsPerSec: r((x) => x.msgsPerSec),
    cpuPerDelivery: r((x) => x.cpuUsPerDelivery),
  }
}

/** The matrix: for each node count and transport, ours/raw(/nats) networks side by side, runs interleaved. */
export async function runPubsubBench(options: PubsubBenchOptions): Promise<PubsubCell[]> {
  const log = options.log ?? (() => {})
  const cells: PubsubCell[] = []
  for (const nodes of options.nodes) {
    for (const transport of options.transports) {
      const firstSize = options.sizes[0] ?? 1024
      log(`pubsub: starting ${nodes} ours + ${nodes} raw nodes over ${transport}`)
      const ours = await createOursNetwork(nodes, transport, firstSize)
      let raw: Awaited<ReturnType<typeof createRawNetwork>> | undefined
      let nats: Awaited<ReturnType<typeof createNatsNetwork>> | undefined
      try {
        raw = await createRawNetwork(nodes, transport, firstSize)
        if (transport === 'tcp' && options.nats?.ok === true)
          nats = await createNatsNetwork(options.nats.url, nodes, firstSize)
        const systems = [ours, raw, ...(nats === undefined ? [] : [nats])]
        for (const size of options.sizes) {
          for (const s of systems) s.setSize(size)
          // Warm-up (not measured): JIT, mesh, connection windows.
          for (const s of systems) await measureRun(s, { mode: 'burst', count: 20, rate: options.rate, size })
          for (const mode of options.modes) {
            const figures: Record<string, RunFigures[]> = { ours: [], raw: [], nats: [] }
            for (let i = 0; i < options.runs; i++) {
              for (const s of systems) {
                figures[s.name]?.push(
                  await measureRun(s, { mode, count: options.count, rate: options.rate, size }),
                )
              }
            }
            const cell: PubsubCell = {
              nodes,
              transport,
              size,
              mode,
              count: options.count,
              rate: options.rate,
              ours: spreadOf(figures.ours as RunFigures[]),
              raw: spreadOf(figures.raw as RunFigures[]),
              ratioVsRaw: ratios(figures.ours as RunFigures[], figures.raw as RunFigures[]),
            }
            if (nats !== undefined) {
              cell.nats = spreadOf(figures.nats as RunFigures[])
              cell.ratioVsNats = ratios(figures.ours as RunFigures[], figures.nats as RunFigures[])
            }
            cells.push(cell)
            log(
              `pubsub ${nodes}n ${transport} ${size}B ${mode}: p50 ours ${cell.ours.p50Ms.median.toFixed(2)} raw ${cell.raw.p50Ms.median.toFixed(2)} ms; msgs/s ours ${cell.ours.msgsPerSec.median.toFixed(0)} raw ${cell.raw.msgsPerSec.median.toFixed(0)}${nats === undefined ? '' : ` nats ${cell.nats?.msgsPerSec.median.toFixed(0)}`}`,
            )
          }
        }
      } finally {
        await Promise.allSettled([ours.stop(), raw?.stop(), nats?.stop()])
      }
    }
  }
  return cells
}
