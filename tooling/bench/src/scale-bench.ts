import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { freemem, tmpdir } from 'node:os'
import { join } from 'node:path'

/** One testnet size. */
export interface ScaleRow {
  nodes: number
  /** 'ran', or why this size was not run. */
  status: string
  /** The testnet's own verdict (every node ready, every counted event at every subscriber, intruders refused). */
  ok?: boolean
  deliveredRatio?: number
  published?: number
  expected?: number
  delivered?: number
  p50Ms?: number | null
  p99Ms?: number | null
  maxMs?: number | null
  /** Node processes seen (the testnet's children). */
  processes?: number
  /** Peak over the run of the summed RSS of the node processes, divided by the node count. */
  rssPerNodeMb?: number
  rssTotalPeakMb?: number
  /** CPU used by the whole process tree over the run, in cores (1 = one core busy). */
  cpuCoresAvg?: number
  runMs?: number
  failedChecks?: string[]
}

/** Scale figures: the rows and the largest N where every event reached every subscriber. */
export interface ScaleFigures {
  cli: string
  durationS: number
  /** Events per second published across the whole network (one topic), split evenly over its nodes. */
  networkRate: number
  /** Node processes started at a time. */
  startBatch: number
  rows: ScaleRow[]
  largestFullDelivery: number | null
}

const TICKS = 100 // USER_HZ on Linux
/** Node processes started at a time: each takes ~1 s of CPU to load, so all at once stall 2 cores. */
const START_BATCH = 10

function descendants(root: number): number[] {
  const parents = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parents.set(pid, ppid)
    } catch {}
  }
  const out: number[] = []
  const queue = [root]
  while (queue.length > 0) {
    const p = queue.shift() as number
    for (const [pid, ppid] of parents) {
      if (ppid === p) {
        out.push(pid)
        queue.push(pid)
      }
    }
  }
  return out
}

function procSample(pid: number): { rssKb: number; ticks: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const rssKb = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0)
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime, stime, cutime, cstime are fields 14-17 (1-based) of /proc/pid/stat
    const ticks = Number(fields[11]) + Number(fields[12])
    return { rssKb, ticks }
  } catch {
    return undefined
  }
}

/**
 * Runs apps/testnet's CLI at each size (`--nodes N --json file`), sampling the RSS and CPU of its
 * node processes from /proc. Stops early when a size fails to start or memory would run out.
 */
export async function runScaleBench({
  repoRoot,
  sizes,
  durationS,
  networkRate,
  maxNodes = 128,
  log = () => {},
}: {
  repoRoot: string
  sizes: number[]
  durationS: number
  networkRate: number
  /** The testnet CLI's own upper bound on --nodes. */
  maxNodes?: number
  log?: (line: string) => void
}): Promise<ScaleFigures> {
  const cli = join(repoRoot, 'apps', 'testnet', 'dist', 'cli.js')
  const rows: ScaleRow[] = []
  let stop: string | undefined
  let lastPerNodeMb = 0
  for (const nodes of sizes) {
    if (stop !== undefined) {
      rows.push({ nodes, status: `not run: ${stop}` })
      continue
    }
    if (!existsSync(cli)) {
      stop = `apps/testnet is not built (${cli})`
      rows.push({ nodes, status: `not run: ${stop}` })
      continue
    }
    if (nodes > maxNodes) {
      rows.push({ nodes, status: `not run: the testnet CLI accepts at most --nodes ${maxNodes}` })
      continue
    }
    const needMb = lastPerNodeMb * nodes * 1.2
    if (needMb > freemem() / 1024 / 1024) {
      stop = `needs ~${Math.round(needMb)} MB, ${Math.round(freemem() / 1024 / 1024)} MB free`
      rows.push({ nodes, status: `not run: ${stop}` })
      continue
    }
    // The traffic stays the same at every size (each delivery costs CPU on one machine: a per-node
    // rate would grow the work with N squared); the nodes run the library's production timings.
    const rate = Math.max(0.1, Math.round((networkRate / nodes) * 100) / 100)
    log(`scale: testnet of ${nodes} node processes (${durationS} s at ${rate}/s per node, one topic)`)
    const json = join(tmpdir(), `depin-bench-scale-${process.pid}-${nodes}.json`)
    rmSync(json, { force: true })
    const started = performance.now()
    const child = spawn(
      process.execPath,
      [
        cli,
        '--nodes',
        String(nodes),
        '--duration',
        String(durationS),
        '--rate',
        String(rate),
        '--topics',
        '1',
        '--timings',
        'production',
        '--start-batch',
        String(START_BATCH),
        '--intruders',
        '0',
        '--plain',
        '--json',
        json,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    let stderr = ''
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2_000)
    })
    const lastTicks = new Map<number, number>()
    let peakRssKb = 0
    let processes = 0
    const sampleTree = (): void => {
      if (child.pid === undefined) return
      let rssKb = 0
      const pids = descendants(child.pid)
      processes = Math.max(processes, pids.length)
      for (const pid of [child.pid, ...pids]) {
        const s = procSample(pid)
        if (s === undefined) continue
        if (pid !== child.pid) rssKb += s.rssKb
        lastTicks.set(pid, s.ticks)
      }
      peakRssKb = Math.max(peakRssKb, rssKb)
    }
    const sampler = setInterval(sampleTree, 1_000)
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    clearInterval(sampler)
    const runMs = performance.now() - started
    let ticks = 0
    for (const t of lastTicks.values()) ticks += t
    if (!existsSync(json)) {
      stop = `testnet of ${nodes} exited ${code} without a report: ${stderr.trim().split('\n').at(-1) ?? ''}`
      rows.push({ nodes, status: `failed: ${stop}`, runMs })
      continue
    }
    const report = JSON.parse(readFileSync(json, 'utf8')) as {
      ok: boolean
      totals: {
        published: number
        expected: number
        delivered: number
        deliveredRatio: number
        latencyMs: { p50: number | null; p99: number | null; max: number | null }
      }
      checks: Array<{ name: string; ok: boolean; detail: string }>
      nodes: Array<{ everReady: boolean }>
    }
    rmSync(json, { force: true })
    const nodeProcesses = Math.max(1, report.nodes.length)
    const row: ScaleRow = {
      nodes,
      status: 'ran',
      ok: report.ok,
      deliveredRatio: report.totals.deliveredRatio,
      published: report.totals.published,
      expected: report.totals.expected,
      delivered: report.totals.delivered,
      p50Ms: report.totals.latencyMs.p50,
      p99Ms: report.totals.latencyMs.p99,
      maxMs: report.totals.latencyMs.max,
      processes,
      rssPerNodeMb: peakRssKb / 1024 / nodeProcesses,
      rssTotalPeakMb: peakRssKb / 1024,
      cpuCoresAvg: ticks / TICKS / (runMs / 1000),
      runMs,
      // The testnet's details can list every unheard pair; keep the gist.
      failedChecks: report.checks
        .filter((c) => !c.ok)
        .map((c) => `${c.name}: ${c.detail.length > 240 ? `${c.detail.slice(0, 240)}…` : c.detail}`),
    }
    rows.push(row)
    lastPerNodeMb = row.rssPerNodeMb ?? 0
    log(
      `scale ${nodes}: ok=${row.ok} delivered ${(100 * (row.deliveredRatio ?? 0)).toFixed(2)}% p99 ${row.p99Ms} ms, ${row.rssPerNodeMb?.toFixed(0)} MB/node, ${row.cpuCoresAvg?.toFixed(2)} cores`,
    )
    if (!report.nodes.every((n) => n.everReady)) stop = `not every node of ${nodes} became ready`
  }
  const full = rows.filter((r) => r.status === 'ran' && r.deliveredRatio === 1).map((r) => r.nodes)
  return {
    cli: 'apps/testnet/dist/cli.js',
    durationS,
    networkRate,
    startBatch: START_BATCH,
    rows,
    largestFullDelivery: full.length > 0 ? Math.max(...full) : null,
  }
}
