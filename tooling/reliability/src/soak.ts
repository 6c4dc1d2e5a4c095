import { AsyncLocalStorage } from 'node:async_hooks'
import { type ChartSeries, lineChartPng } from '@depin/test-utils/chart'
import { createLoopbackNetwork } from './network.js'
import { ownedBy, startTimerCensus, sumSites } from './timer-census.js'
import { createTraffic } from './traffic.js'

/** One soak measurement. */
export interface SoakSample {
  /** Minutes since the network was up (0 = baseline). */
  minute: number
  rssMb: number
  heapUsedMb: number
  /** Active handles (sockets, timers, ...) after a forced GC when `--expose-gc` is on. */
  handles: number
  /** Mean connected peers per steady member. */
  peers: number
  /** Events published so far. */
  published: number
  /** Deliveries (event x receiving member) so far. */
  delivered: number
  /** The active resources themselves, for leak checks (not written to the CSV). */
  resources: string[]
  /**
   * With `timerSites`: live timers by the place that created them, those the churning member's
   * work created owned by {@link CHURNER} (`ownedBy(CHURNER)`; not written to the CSV); the
   * snapshot of five, 100 ms apart, with the fewest timers not the churning member's (`resources`
   * is taken with it).
   */
  timerSites?: Record<string, number>
  /**
   * With `timerSites`: the churning member's live timers when it was last ready before this sample
   * (shows that its timers are told apart: they must be there while it runs, gone once it stopped).
   */
  churnerTimersUp?: number
}

/** Options of {@link runSoak}. */
export interface SoakOptions {
  minutes: number
  /** @default 60_000 */
  sampleIntervalMs?: number
  /** Steady members exchanging events. @default 5 */
  nodes?: number
  /** One event every this many ms, members taking turns. @default 100 */
  publishIntervalMs?: number
  /** An extra member connects, waits for ready and disconnects this often. @default 5_000 */
  churnIntervalMs?: number
  onSample?: (sample: SoakSample) => void
  signal?: AbortSignal
  /** Count live timers by creation site in every sample ({@link startTimerCensus}: a stack trace per timer). */
  timerSites?: boolean
}

const MB = 1_048_576
/** With `timerSites`, each sample is the floor of this many snapshots, this far apart. */
const FLOOR_SNAPSHOTS = 5
const FLOOR_SNAPSHOT_GAP_MS = 100

/** The owner name of the churning member's timers in {@link SoakSample.timerSites}. */
export const CHURNER = 'churner'

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}

/**
 * Runs a loopback network for `minutes`: steady members exchange events, and one extra member
 * connects and disconnects every `churnIntervalMs`. Samples RSS, heap, handles, peers and counts
 * at start and every `sampleIntervalMs` (the churning member is down when sampling).
 *
 * @example
 * const samples = await runSoak({ minutes: 2, onSample: (s) => console.log(s) })
 * writeFileSync('soak.csv', soakCsv(samples))
 */
export async function runSoak(options: SoakOptions): Promise<SoakSample[]> {
  const size = options.nodes ?? 5
  const sampleIntervalMs = options.sampleIntervalMs ?? 60_000
  const churnIntervalMs = options.churnIntervalMs ?? 5_000
  const network = createLoopbackNetwork({ size: size + 1, databaseName: 'soak', seeds: 2 })
  const samples: SoakSample[] = []
  const churner = size
  // The churning member starts inside this scope: its timers (and only its) are named `churner`.
  const churnScope = new AsyncLocalStorage<string>()
  const census = options.timerSites === true ? startTimerCensus(churnScope) : undefined
  const churnerOwned = ownedBy(CHURNER)
  let churnerTimersUp = 0
  // One churn cycle: the extra member connects, waits for ready (or 10 s) and disconnects.
  const churnOnce = async (): Promise<void> => {
    const db = await churnScope.run(CHURNER, () => network.start(churner))
    await db.waitUntilReady({ signal: AbortSignal.timeout(10_000) }).catch(() => undefined)
    if (census !== undefined) churnerTimersUp = sumSites(census.sites(), churnerOwned)
    await network.stop(churner)
  }
  try {
    for (let i = 0; i < size; i++) await network.start(i)
    const dbs = network.running()
    const traffic = createTraffic(dbs, 'soak', options.publishIntervalMs ?? 100)
    await traffic.subscribeAll()
    for (const db of dbs) await db.waitUntilReady({ signal: AbortSignal.timeout(30_000) })
    traffic.start()
    // Warm-up: the baseline sample is taken once the mesh is whole and the churner cycled once.
    const warmUpEnd = Date.now() + 30_000
    while (Date.now() < warmUpEnd && !dbs.every((db) => db.topicPeers('soak').length === size - 1)) {
      await sleep(100, options.signal)
    }
    await churnOnce()
    const started = Date.now()
    const endAt = started + options.minutes * 60_000
    let nextSample = started
    const sample = async (): Promise<void> => {
      // Collect twice with a turn between: QUIC sockets close on collection, and their handles
      // go away only once the close callbacks ran.
      const gc = (globalThis as { gc?: () => void }).gc
      for (let i = 0; i < 3; i++) {
        gc?.()
        await new Promise((resolve) => setImmediate(resolve))
      }
      const memory = process.memoryUsage()
      let resources = process.getActiveResourcesInfo()
      let sites: Record<string, number> | undefined
      if (census !== undefined) {
        // Five snapshots 100 ms apart, keeping the one with the fewest timers outside the churning
        // member's: short-lived ones (a queue's debounced events, a request's timeout) come and go
        // between snapshots, a leak is in every one (a CI run caught 24 debounce timers at once).
        const steady = (x: Record<string, number>): number => sumSites(x) - sumSites(x, churnerOwned)
        sites = census.sites()
        for (let i = 1; i < FLOOR_SNAPSHOTS; i++) {
          await sleep(FLOOR_SNAPSHOT_GAP_MS, options.signal)
          const next = census.sites()
          const nextResources = process.getActiveResourcesInfo()
          if (steady(next) < steady(sites)) {
            sites = next
            resources = nextResources
          }
        }
      }
      const figures = traffic.figures()
      const s: SoakSample = {
        minute: Number(((Date.now() - started) / 60_000).toFixed(2)),
        rssMb: Number((memory.rss / MB).toFixed(1)),
        heapUsedMb: Number((memory.heapUsed / MB).toFixed(1)),
        handles: resources.length,
        peers: Number((dbs.reduce((n, db) => n + db.peers().length, 0) / dbs.length).toFixed(1)),
        published: figures.published,
        delivered: figures.delivered,
        resources,
        ...(sites === undefined ? {} : { timerSites: sites, churnerTimersUp }),
      }
      samples.push(s)
      options.onSample?.(s)
    }
    for (;;) {
      if (options.signal?.aborted) break
      if (Date.now() >= nextSample - 50) {
        await sample()
        nextSample += sampleIntervalMs
      }
      if (Date.now() >= endAt - 50) break
      await churnOnce()
      await sleep(
        Math.max(0, Math.min(churnIntervalMs, nextSample - Date.now(), endAt - Date.now())),
        options.signal,
      )
    }
    await traffic.stop()
    return samples
  } finally {
    await network.stopAll()
    census?.stop()
  }
}

/** The samples as CSV (one row per sample). */
export function soakCsv(samples: readonly SoakSample[]): string {
  const header = 'minute,rss_mb,heap_used_mb,handles,peers,published,delivered'
  const rows = samples.map((s) =>
    [s.minute, s.rssMb, s.heapUsedMb, s.handles, s.peers, s.published, s.delivered].join(','),
  )
  return `${[header, ...rows].join('\n')}\n`
}

/** A PNG chart of the samples: RSS, heap, handles, peers and deliveries per minute. */
export function soakChartPng(samples: readonly SoakSample[], title = 'depin pubsub soak'): Buffer {
  const xs = samples.map((s) => s.minute)
  const perMinute = samples.map((s, i) => {
    const prev = samples[i - 1]
    if (prev === undefined) return Number.NaN
    const minutes = s.minute - prev.minute
    return minutes > 0 ? (s.delivered - prev.delivered) / minutes : Number.NaN
  })
  const series: ChartSeries[] = [
    { name: 'RSS MB', colour: [214, 39, 40], values: samples.map((s) => s.rssMb) },
    { name: 'heap MB', colour: [255, 127, 14], values: samples.map((s) => s.heapUsedMb) },
    { name: 'handles', colour: [31, 119, 180], values: samples.map((s) => s.handles) },
    { name: 'peers', colour: [44, 160, 44], values: samples.map((s) => s.peers) },
    { name: 'delivered/min', colour: [148, 103, 189], values: perMinute },
  ]
  return lineChartPng(title, 'minutes', xs, series)
}
