import { spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { freemem, tmpdir } from 'node:os'
import { join } from 'node:path'
import { cpuMs, descendants, rssMb } from './proc.js'
import type { CountSpread, ScaleFigures, ScaleRow } from './scale-figures.js'

/** Idle CPU is read over the end of the quiet window, this long at most. */
const IDLE_WINDOW_MS = 30_000
/** The next size runs only if this one delivered at least this share and formed its mesh. */
const MIN_RATIO_TO_GO_ON = 0.95
/** Nodes started at a time: the testnet's default beyond 16 nodes. */
const START_BATCH = 25

/**
 * A size's wall-clock limit when none is given: 15 minutes plus 2 s a node. The 500-node run of
 * 2026-12-05 needed ~20 minutes (all ready after 222 s, the mesh 485 s later, then the idle and
 * counted phases and the end-of-run endpoint probes, which the testnet allows 60 s + 1 s a node): a
 * fixed 1,200 s cut it during its probes, after every counted event had arrived.
 */
export function sizeLimitS(nodes: number): number {
  return 900 + 2 * nodes
}

/** CPU (ms, every node process so far) and RSS at one moment. */
interface TreeSample {
  atMs: number
  cpuMs: number
  rssMb: number
}

/** CPU ms used by the node processes between two moments (epoch ms), from the nearest samples inside. */
export function cpuMsBetween(samples: readonly TreeSample[], fromMs: number, toMs: number): number | null {
  const inside = samples.filter((s) => s.atMs >= fromMs && s.atMs <= toMs)
  const first = inside[0]
  const last = inside[inside.length - 1]
  if (first === undefined || last === undefined || last.atMs - first.atMs < 500) return null
  // Scaled to the whole window: the samples start up to a second late and end up to a second early.
  return ((last.cpuMs - first.cpuMs) * (toMs - fromMs)) / (last.atMs - first.atMs)
}

interface TestnetJson {
  ok: boolean
  totals: {
    published: number
    expected: number
    delivered: number
    deliveredRatio: number
    latencyMs: { p50: number | null; p99: number | null; max: number | null }
    peersPerNode: CountSpread
    /** Absent from reports of testnet builds before it was added. */
    connectionsOpenedPerNode?: CountSpread
  }
  checks: Array<{ name: string; ok: boolean; detail: string }>
  nodes: Array<{ everReady: boolean }>
  scenarioOutcome: {
    meshFormedMs?: number
    timeline?: {
      t0: number
      readyAtMs?: number
      meshAtMs?: number
      idle?: { fromMs: number; toMs: number }
      publish?: { fromMs: number; toMs: number }
      /** When the counted phase's late deliveries had drained (absent from builds before it). */
      measuredAtMs?: number
    }
  }
}

/** What {@link runScaleBench} runs: sizes, phases and rate, and the testnet's placement options (0: its own). */
export interface ScaleBenchOptions {
  repoRoot: string
  sizes: number[]
  durationS: number
  idleS: number
  networkRate: number
  nodesPerProcess?: number
  nodesPerThread?: number
  sizeTimeoutS?: number | null
  log?: (line: string) => void
}

/**
 * Runs apps/testnet's CLI at each size (`--nodes N --idle S --json file`, QUIC, one topic, the
 * library's production timings), sampling the CPU and RSS of its node processes from /proc every
 * second, and reads the idle and publishing windows from the report's timeline. Sizes after the
 * first that delivers under 95%, does not form its mesh or does not finish its counted phase within
 * its limit (`sizeTimeoutS`, or {@link sizeLimitS}) are not run: a bigger network on the same machine
 * only fails slower.
 */
export async function runScaleBench({
  repoRoot,
  sizes,
  durationS,
  idleS,
  networkRate,
  nodesPerProcess = 0,
  nodesPerThread = 0,
  sizeTimeoutS = null,
  log = () => {},
}: ScaleBenchOptions): Promise<ScaleFigures> {
  const cli = join(repoRoot, 'apps', 'testnet', 'dist', 'cli.js')
  const testnet: TestnetSettings = { cli, durationS, idleS, nodesPerProcess, nodesPerThread }
  const rows: ScaleRow[] = []
  let stop: string | undefined
  let previous: ScaleRow | undefined
  for (const nodes of sizes) {
    if (stop === undefined && !existsSync(cli)) stop = `apps/testnet is not built (${cli})`
    const perNodeMb = previous?.rssPerNodeMb ?? 0
    const needMb = perNodeMb * nodes * 1.2
    if (stop === undefined && needMb > freemem() / 1024 / 1024)
      stop = `needs ~${Math.round(needMb)} MB, ${Math.round(freemem() / 1024 / 1024)} MB free`
    if (stop !== undefined) {
      rows.push({ nodes, status: `not run: ${stop}` })
      continue
    }
    // The testnet takes rates down to 0.0001 events/s per node.
    const ratePerNode = Math.max(0.0001, Math.round((networkRate / nodes) * 10_000) / 10_000)
    log(
      `scale: testnet of ${nodes} nodes (${idleS} s idle, ${durationS} s at ${ratePerNode}/s per node = ${(nodes * ratePerNode).toFixed(2)}/s, one topic)`,
    )
    const limitS = sizeTimeoutS ?? sizeLimitS(nodes)
    const row = await runOneSize(testnet, { nodes, ratePerNode, limitS })
    if (row.rssTotalPeakMb !== undefined) {
      row.marginalRssMb =
        previous?.rssTotalPeakMb === undefined
          ? row.rssTotalPeakMb / nodes
          : (row.rssTotalPeakMb - previous.rssTotalPeakMb) / (nodes - previous.nodes)
    }
    rows.push(row)
    if (row.testnetReport !== undefined)
      log(`scale ${nodes}: the testnet's report is kept at ${row.testnetReport}`)
    if (row.status === 'ran') {
      previous = row
      log(
        `scale ${nodes}: ok=${row.ok} delivered ${(100 * (row.deliveredRatio ?? 0)).toFixed(2)}% p99 ${row.p99Ms} ms, ready ${row.allReadyMs} ms, mesh ${row.meshMs} ms, ${row.rssPerNodeMb?.toFixed(1)} MB/node, idle ${row.idleCpuMsPerNodeS?.toFixed(2)} ms/s/node`,
      )
    }
    // A size that misses a few events still says how cost grows; one that loses more than 5%, or
    // never got every node ready and the mesh formed, says the machine is past what it can carry.
    if (row.status !== 'ran') stop = `N = ${nodes} ${row.status}`
    else if ((row.deliveredRatio ?? 0) < MIN_RATIO_TO_GO_ON || row.meshMs === null)
      stop = `N = ${nodes} delivered ${(100 * (row.deliveredRatio ?? 0)).toFixed(1)}% (${(row.failedChecks ?? []).join('; ').slice(0, 200)})`
  }
  const full = rows.filter((r) => r.status === 'ran' && r.deliveredRatio === 1).map((r) => r.nodes)
  return {
    cli: 'apps/testnet/dist/cli.js',
    durationS,
    idleS,
    networkRate,
    startBatch: START_BATCH,
    nodesPerProcess,
    nodesPerThread,
    sizeTimeoutS,
    rows,
    largestFullDelivery: full.length > 0 ? Math.max(...full) : null,
  }
}

/** What every size's testnet run shares: the CLI, the phases and the placement options. */
type TestnetSettings = Required<
  Pick<ScaleBenchOptions, 'durationS' | 'idleS' | 'nodesPerProcess' | 'nodesPerThread'>
> & {
  cli: string
}

async function runOneSize(
  { cli, durationS, idleS, nodesPerProcess, nodesPerThread }: TestnetSettings,
  { nodes, ratePerNode, limitS }: { nodes: number; ratePerNode: number; limitS: number },
): Promise<ScaleRow> {
  const json = join(tmpdir(), `depin-bench-scale-${process.pid}-${nodes}.json`)
  rmSync(json, { force: true })
  const started = performance.now()
  const child = spawn(
    process.execPath,
    [
      cli,
      ...['--nodes', String(nodes), '--duration', String(durationS), '--idle', String(idleS)],
      ...['--rate', String(ratePerNode), '--topics', '1', '--transport', 'quic'],
      ...['--timings', 'production', '--start-batch', String(START_BATCH), '--intruders', '0'],
      ...['--nodes-per-process', String(nodesPerProcess), '--nodes-per-thread', String(nodesPerThread)],
      ...['--plain', '--json', json],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2_000)
  })
  // CPU of every node process seen, kept after it exits, so the sum never goes back.
  const cpuByPid = new Map<number, number>()
  const samples: TreeSample[] = []
  let peakRssMb = 0
  let processes = 0
  const sampleTree = (): void => {
    if (child.pid === undefined) return
    let rss = 0
    const pids = descendants(child.pid)
    processes = Math.max(processes, pids.length)
    for (const pid of pids) {
      const cpu = cpuMs(pid)
      if (cpu === undefined) continue
      // An exiting process (a zombie) has a status without VmRSS: NaN, counted as nothing.
      const processRss = rssMb(pid)?.rss ?? 0
      if (Number.isFinite(processRss)) rss += processRss
      cpuByPid.set(pid, cpu)
    }
    let cpu = 0
    for (const c of cpuByPid.values()) cpu += c
    samples.push({ atMs: Date.now(), cpuMs: cpu, rssMb: rss })
    peakRssMb = Math.max(peakRssMb, rss)
  }
  const sampler = setInterval(sampleTree, 1_000)
  // Past the deadline the testnet is asked to stop (SIGTERM: it stops its nodes and still reports).
  const deadline = setTimeout(() => child.kill('SIGTERM'), limitS * 1000)
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  clearInterval(sampler)
  clearTimeout(deadline)
  const runMs = performance.now() - started
  const timedOut = runMs >= limitS * 1000
  if (!existsSync(json)) {
    return {
      nodes,
      status: `failed: the testnet exited ${code} without a report: ${firstError(stderr)}`,
      runMs,
    }
  }
  const report = JSON.parse(readFileSync(json, 'utf8')) as TestnetJson
  // A failed size keeps the testnet's whole report (every node's peers, topic peers and repairs):
  // the row holds only the gist of its failed checks.
  if (report.ok) rmSync(json, { force: true })
  const timeline = report.scenarioOutcome.timeline
  const limit = limitOutcome(timedOut, timeline?.measuredAtMs, limitS)
  const window = (w: { fromMs: number; toMs: number } | undefined): number | null => {
    if (timeline === undefined || w === undefined) return null
    const cpuMs = cpuMsBetween(samples, timeline.t0 + w.fromMs, timeline.t0 + w.toMs)
    return cpuMs === null ? null : cpuMs / ((w.toMs - w.fromMs) / 1000) / nodes
  }
  // The end of the quiet window (its last 30 s, at most its second half): a network that just formed
  // is still busy with its start (connections, DHT lookups, routing-table checks) for minutes at 100
  // nodes on two cores.
  const idle = timeline?.idle
  const idleCpu = window(
    idle === undefined
      ? undefined
      : { fromMs: Math.max((idle.fromMs + idle.toMs) / 2, idle.toMs - IDLE_WINDOW_MS), toMs: idle.toMs },
  )
  const busyCpu = window(timeline?.publish)
  const publishS =
    timeline?.publish === undefined ? 0 : (timeline.publish.toMs - timeline.publish.fromMs) / 1000
  const lastCpuMs = samples[samples.length - 1]?.cpuMs ?? 0
  return {
    nodes,
    ratePerNode,
    status: limit.status,
    ok: report.ok,
    deliveredRatio: report.totals.deliveredRatio,
    published: report.totals.published,
    expected: report.totals.expected,
    delivered: report.totals.delivered,
    p50Ms: report.totals.latencyMs.p50,
    p99Ms: report.totals.latencyMs.p99,
    maxMs: report.totals.latencyMs.max,
    peers: report.totals.peersPerNode,
    ...(report.totals.connectionsOpenedPerNode === undefined
      ? {}
      : { connectionsOpened: report.totals.connectionsOpenedPerNode }),
    allReadyMs: timeline?.readyAtMs ?? null,
    meshMs: report.scenarioOutcome.meshFormedMs ?? null,
    processes,
    rssPerNodeMb: peakRssMb / nodes,
    rssTotalPeakMb: peakRssMb,
    idleCpuMsPerNodeS: idleCpu,
    busyCpuMsPerNodeS: busyCpu,
    cpuPerDeliveryUs:
      idleCpu === null || busyCpu === null || report.totals.delivered === 0
        ? null
        : ((busyCpu - idleCpu) * nodes * publishS * 1000) / report.totals.delivered,
    cpuCoresAvg: lastCpuMs / runMs,
    runMs,
    ...(report.ok ? {} : { testnetReport: json }),
    // The testnet's details can list every unheard pair; keep the gist.
    failedChecks: [
      ...report.checks
        .filter((c) => !c.ok)
        .map((c) => `${c.name}: ${c.detail.length > 240 ? `${c.detail.slice(0, 240)}…` : c.detail}`),
      ...(limit.cutShort === undefined ? [] : [limit.cutShort]),
    ],
  }
}

/**
 * What a size's limit did to it: its status is 'ran' unless the limit stopped it before its counted
 * phase's late deliveries had drained (`measuredAtMs`, from the testnet's timeline); one stopped after
 * that, during the endpoint probes, lost none of its counted events and gets `cutShort` as a failed
 * check.
 */
export function limitOutcome(
  timedOut: boolean,
  measuredAtMs: number | undefined,
  limitS: number,
): { status: string; cutShort?: string } {
  if (!timedOut) return { status: 'ran' }
  if (measuredAtMs === undefined) return { status: `stopped after the ${limitS} s limit` }
  return { status: 'ran', cutShort: `stopped by the ${limitS} s limit after its counted events drained` }
}

/** The line of a child's stderr that says what went wrong (Node ends a crash with its version). */
function firstError(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('Node.js v'))
  return (lines.find((l) => /error|refus|not starting|cannot/i.test(l)) ?? lines.at(-1) ?? '').slice(0, 300)
}
