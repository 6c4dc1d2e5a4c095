import { cpus, freemem, loadavg, release, totalmem } from 'node:os'
import type { CatchUpFigures } from './catch-up-bench.js'
import type { GaterFigures } from './gater-bench.js'
import type { MemoryFigures } from './memory-bench.js'
import type { PubsubCell } from './pubsub-bench.js'
import type { ScaleFigures } from './scale-figures.js'
import type { StartupFigures } from './startup-bench.js'
import type { VsGoFigures } from './vs-go-bench.js'

/** The machine a run was on (load averages at start and end: the machine is shared). */
export interface MachineInfo {
  cpuModel: string
  cores: number
  memoryGb: number
  freeMemoryGbAtStart: number
  node: string
  os: string
  loadAverageStart: number[]
  loadAverageEnd?: number[]
}

/** How a goal of the issue fared in this run. */
export interface GoalVerdict {
  goal: string
  status: 'met' | 'missed' | 'not measured'
  detail: string
}

/** Everything one `bench` run wrote to bench/results/<date>.json. */
export interface BenchResults {
  date: string
  profile: string
  command: string
  machine: MachineInfo
  durationMs?: number
  pubsub?: PubsubCell[]
  nats?: { status: string; version?: string }
  gater?: GaterFigures
  startup?: StartupFigures[]
  scale?: ScaleFigures
  memory?: MemoryFigures
  vsGo?: VsGoFigures
  catchUp?: CatchUpFigures
  skipped: Record<string, string>
  goals: GoalVerdict[]
}

export function machineInfo(): MachineInfo {
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    freeMemoryGbAtStart: Math.round((freemem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${process.platform} ${release()}`,
    loadAverageStart: loadavg().map((l) => Math.round(l * 100) / 100),
  }
}

/** Checks the issue's goals against the figures. */
export function goals(r: BenchResults): GoalVerdict[] {
  const out: GoalVerdict[] = []
  if (r.pubsub !== undefined && r.pubsub.length > 0) {
    const misses: string[] = []
    for (const c of r.pubsub) {
      const tag = `${c.nodes}n ${c.transport} ${c.size}B ${c.mode}`
      if (c.ratioVsRaw.p50.median > 1.1) misses.push(`${tag} p50 x${c.ratioVsRaw.p50.median.toFixed(2)}`)
      if (c.ratioVsRaw.p99.median > 1.1) misses.push(`${tag} p99 x${c.ratioVsRaw.p99.median.toFixed(2)}`)
      if (c.ratioVsRaw.msgsPerSec.median < 0.9)
        misses.push(`${tag} msgs/s x${c.ratioVsRaw.msgsPerSec.median.toFixed(2)}`)
    }
    out.push({
      goal: 'our layer costs at most 10% over raw @libp2p/gossipsub (latency and throughput)',
      status: misses.length === 0 ? 'met' : 'missed',
      detail:
        misses.length === 0
          ? `all ${r.pubsub.length} cells within 10%`
          : `${misses.length} figures over: ${misses.join('; ')}`,
    })
  } else
    out.push({ goal: 'layer overhead <= 10%', status: 'not measured', detail: r.skipped.pubsub ?? 'not run' })
  const hit = r.gater?.gaterBench.hitNsPerOp
  out.push(
    hit === undefined
      ? {
          goal: 'gater cache hit < 1 µs at 100k wallets',
          status: 'not measured',
          detail: r.skipped.gater ?? 'not run',
        }
      : {
          goal: `gater cache hit < 1 µs at ${r.gater?.wallets} wallets`,
          status: hit.median < 1000 ? 'met' : 'missed',
          detail: `${hit.median.toFixed(0)} ns (min ${hit.min.toFixed(0)}, max ${hit.max.toFixed(0)})`,
        },
  )
  out.push(...scaleGoals(r))
  out.push(...vsGoGoals(r))
  out.push(catchUpGoal(r))
  return out
}

/** The catch-up goal (issue 17): every missed event delivered once, replayed; live ones once too. */
function catchUpGoal(r: BenchResults): GoalVerdict {
  const goal = 'catch-up: every event missed while away delivered once, marked replayed (and live ones once)'
  const c = r.catchUp
  if (c === undefined || c.runs.length === 0)
    return { goal, status: 'not measured', detail: r.skipped['catch-up'] ?? 'not run' }
  return {
    goal,
    status: c.runs.every((run) => run.complete) ? 'met' : 'missed',
    detail: c.runs
      .map((run) => {
        const s = run.subscriber
        const time = s.subscribeToAllMs === null ? 'not all' : `${(s.subscribeToAllMs / 1000).toFixed(2)} s`
        const extra = s.missedExtraDeliveries + s.liveExtraDeliveries
        return `${run.scenario}: ${s.missedDelivered}/${s.missed} missed in ${time}${s.live > 0 ? `, live ${s.liveDelivered}/${s.live}` : ''}${extra > 0 ? `, ${extra} delivered twice` : ''}${s.missedNotReplayed > 0 ? `, ${s.missedNotReplayed} not marked replayed` : ''}`
      })
      .join('; '),
  }
}

/** The scale goals (issue 16), from the scale section's rows. */
function scaleGoals(r: BenchResults): GoalVerdict[] {
  const names = [
    'N = 1000 on this machine, every counted event at every subscriber',
    'CPU and RSS per node flat from N = 100 to 1000 (±20%); marginal RSS ≤ 15 MB',
    'propagation p99 at N = 1000 < 1 s',
  ]
  const sc = r.scale
  if (sc === undefined)
    return names.map((goal) => ({ goal, status: 'not measured', detail: r.skipped.scale ?? 'not run' }))
  const row = (n: number) => sc.rows.find((x) => x.nodes === n && x.status === 'ran')
  const at1000 = row(1000)
  const at100 = row(100)
  const notRun = sc.rows
    .filter((x) => x.status !== 'ran')
    .map((x) => `${x.nodes}: ${x.status}`)
    .join('; ')
  const missing = `largest N with every event at every subscriber: ${sc.largestFullDelivery ?? 'none'}${notRun === '' ? '' : `; ${notRun}`}`
  const within = (a: number | null | undefined, b: number | null | undefined): boolean =>
    a !== null && a !== undefined && b !== null && b !== undefined && Math.abs(b - a) <= 0.2 * a
  const marginal = sc.rows
    .filter((x) => x.status === 'ran' && x.nodes > 100)
    .map((x) => x.marginalRssMb ?? Infinity)
  // Without the rows a goal needs: missed if N = 1000 was asked for (it did not run), else not measured.
  const verdict = (measured: boolean, ok: () => boolean): GoalVerdict['status'] =>
    !measured ? (sc.rows.some((x) => x.nodes === 1000) ? 'missed' : 'not measured') : ok() ? 'met' : 'missed'
  return [
    {
      goal: names[0] as string,
      status: verdict(at1000 !== undefined, () => at1000?.deliveredRatio === 1),
      detail: missing,
    },
    {
      goal: names[1] as string,
      status: verdict(
        at100 !== undefined && at1000 !== undefined,
        () =>
          within(at100?.rssPerNodeMb, at1000?.rssPerNodeMb) &&
          within(at100?.idleCpuMsPerNodeS, at1000?.idleCpuMsPerNodeS) &&
          marginal.every((m) => m <= 15),
      ),
      detail: sc.rows
        .filter((x) => x.status === 'ran')
        .map(
          (x) =>
            `${x.nodes}: ${x.rssPerNodeMb?.toFixed(1)} MB/node (marginal ${x.marginalRssMb?.toFixed(1)}), idle ${x.idleCpuMsPerNodeS?.toFixed(2) ?? '–'} ms/s/node`,
        )
        .join('; '),
    },
    {
      goal: names[2] as string,
      status: verdict(at1000 !== undefined, () => (at1000?.p99Ms ?? Infinity) < 1000),
      detail: at1000 === undefined ? missing : `p99 ${at1000.p99Ms} ms`,
    },
  ]
}

/** The lean-node goals (issue 15), from the vs-go section: ours is the all-TS trio, Go the all-Go one. */
function vsGoGoals(r: BenchResults): GoalVerdict[] {
  const v = r.vsGo
  const names = [
    'spawn → listening ≤ 150 ms, → first peer ≤ 200 ms',
    'peak RSS ≤ 70 MB idle, ≤ 90 MB at 100 events/s',
    'CPU per delivered event ≤ 1.5× Go; latency p50 ≤ 1.5×, p99 ≤ 2×',
    'an idle node with 12 peers ≤ 1 ms of CPU per second',
  ]
  if (v === undefined) {
    return names.map((goal) => ({ goal, status: 'not measured', detail: r.skipped['vs-go'] ?? 'not run' }))
  }
  const ts = v.trios.find((t) => t.trio === 'ts/ts/ts')
  const verdict = (goal: string, ok: boolean, detail: string): GoalVerdict => ({
    goal,
    status: ok ? 'met' : 'missed',
    detail,
  })
  const f = (n: number | undefined, digits = 1): string => (n === undefined ? '–' : n.toFixed(digits))
  const listen = ts?.spawnToListeningMs.median
  const first = ts?.spawnToFirstPeerMs.median
  const idleRss = ts?.idleRssPerNodeMb.median
  const busyRss = ts?.peakRssPerNodeMb.median
  const cpu = v.ratios.cpuPerDelivery?.median
  const p50 = v.ratios.latencyP50?.median
  const p99 = v.ratios.latencyP99?.median
  const idle = v.idle.ts.median
  return [
    verdict(
      names[0] as string,
      listen !== undefined && first !== undefined && listen <= 150 && first <= 200,
      `listening ${f(listen, 0)} ms, first peer ${f(first, 0)} ms (Go ${f(v.trios[0]?.spawnToListeningMs.median, 0)} / ${f(v.trios[0]?.spawnToFirstPeerMs.median, 0)} ms)`,
    ),
    verdict(
      names[1] as string,
      idleRss !== undefined && busyRss !== undefined && idleRss <= 70 && busyRss <= 90,
      `idle ${f(idleRss)} MB, peak ${f(busyRss)} MB (Go ${f(v.trios[0]?.peakRssPerNodeMb.median)} MB)`,
    ),
    verdict(
      names[2] as string,
      cpu !== undefined && p50 !== undefined && p99 !== undefined && cpu <= 1.5 && p50 <= 1.5 && p99 <= 2,
      `CPU/delivery ×${f(cpu, 2)}, p50 ×${f(p50, 2)}, p99 ×${f(p99, 2)}`,
    ),
    verdict(
      names[3] as string,
      idle !== undefined && idle <= 1,
      `${f(idle, 2)} ms/s (Go ${f(v.idle.go.median, 2)} ms/s)`,
    ),
  ]
}
