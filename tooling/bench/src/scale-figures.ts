import { lineChartPng } from '@depin/test-utils/chart'

/** A testnet figure per node: smallest, median, largest (nulls when no node ran). */
export interface CountSpread {
  min: number | null
  median: number | null
  max: number | null
}

/** One testnet size. */
export interface ScaleRow {
  nodes: number
  /** Events per second each node published (the network rate over N, at least 0.001). */
  ratePerNode?: number
  /** 'ran', or why this size was not run. */
  status: string
  /** The testnet's own verdict (every node ready, every counted event at every subscriber, mesh formed). */
  ok?: boolean
  deliveredRatio?: number
  published?: number
  expected?: number
  delivered?: number
  p50Ms?: number | null
  p99Ms?: number | null
  maxMs?: number | null
  /** Peers per node at the end: smallest, median, largest. */
  peers?: CountSpread
  /** Connections each node opened over the run (in and out): the churn behind `peers`. */
  connectionsOpened?: CountSpread
  /** From the network's start until every node was ready (start batches included). */
  allReadyMs?: number | null
  /** From all ready until every node had heard every other (the mesh formed). */
  meshMs?: number | null
  /** OS processes running nodes (host processes with worker threads, or one per node). */
  processes?: number
  /** Peak over the run of the summed RSS of those processes, divided by the node count. */
  rssPerNodeMb?: number
  rssTotalPeakMb?: number
  /**
   * RSS one more node adds: the slope of the peak summed RSS from the previous size to this one
   * (for the first size, its RSS per node).
   */
  marginalRssMb?: number
  /** CPU of the node processes per node while nothing is published (the last 30 s of the idle window, at most its second half), ms/s. */
  idleCpuMsPerNodeS?: number | null
  /** CPU of the node processes per node while publishing, ms/s. */
  busyCpuMsPerNodeS?: number | null
  /** CPU over the idle rate per delivered event, network-wide, µs. */
  cpuPerDeliveryUs?: number | null
  /** CPU of the whole process tree over the run, in cores (1 = one core busy). */
  cpuCoresAvg?: number
  runMs?: number
  /** The testnet's JSON report of a size that failed a check, kept for a closer look. */
  testnetReport?: string
  failedChecks?: string[]
}

/** Scale figures: the rows and the largest N where every event reached every subscriber. */
export interface ScaleFigures {
  cli: string
  durationS: number
  idleS: number
  /** Events per second published across the whole network (one topic), split evenly over its nodes. */
  networkRate: number
  /** Nodes started at a time. */
  startBatch: number
  /** `--nodes-per-process` given to the testnet (0: its automatic choice). */
  nodesPerProcess: number
  /** `--nodes-per-thread` given to the testnet (0: its default; absent from results before it). */
  nodesPerThread?: number
  /** Wall-clock limit of one size, s; null: `sizeLimitS` of its node count (scale-bench.ts). */
  sizeTimeoutS: number | null
  rows: ScaleRow[]
  largestFullDelivery: number | null
}

/** The scale chart: cost and latency against N (one panel per figure), as PNG bytes. */
export function scaleChartPng(figures: ScaleFigures): Buffer {
  const ran = figures.rows.filter((r) => r.status === 'ran')
  const value = (v: number | null | undefined): number => (v === null || v === undefined ? Number.NaN : v)
  return lineChartPng(
    `testnet scale: ${figures.networkRate} event/s in all, QUIC`,
    'nodes',
    ran.map((r) => r.nodes),
    [
      {
        // No measured phase (the mesh never formed): no point rather than 0.
        name: 'delivered pct',
        colour: [30, 130, 60],
        values: ran.map((r) => ((r.expected ?? 0) > 0 ? 100 * value(r.deliveredRatio) : Number.NaN)),
      },
      { name: 'p99 ms', colour: [200, 60, 40], values: ran.map((r) => value(r.p99Ms)) },
      { name: 'RSS per node MB', colour: [40, 90, 200], values: ran.map((r) => value(r.rssPerNodeMb)) },
      {
        name: 'idle CPU per node ms/s',
        colour: [140, 60, 170],
        values: ran.map((r) => value(r.idleCpuMsPerNodeS)),
      },
      {
        name: 'busy CPU per node ms/s',
        colour: [200, 130, 20],
        values: ran.map((r) => value(r.busyCpuMsPerNodeS)),
      },
      {
        name: 'time to mesh s',
        colour: [90, 90, 90],
        values: ran.map((r) => value(r.meshMs) / 1000),
      },
    ],
    { legend: false },
  )
}
