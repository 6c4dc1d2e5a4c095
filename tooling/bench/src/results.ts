import { cpus, freemem, loadavg, release, totalmem } from 'node:os'
import type { GaterFigures } from './gater-bench.js'
import type { MemoryFigures } from './memory-bench.js'
import type { PubsubCell } from './pubsub-bench.js'
import type { ScaleFigures } from './scale-bench.js'
import type { StartupFigures } from './startup-bench.js'

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
  const largest = r.scale?.largestFullDelivery
  out.push(
    r.scale === undefined
      ? {
          goal: '100 nodes on one 2-core machine all delivering',
          status: 'not measured',
          detail: r.skipped.scale ?? 'not run',
        }
      : {
          goal: '100 nodes on one 2-core machine all delivering',
          status:
            largest !== null && largest !== undefined && largest >= 100
              ? 'met'
              : r.scale.rows.some((x) => x.nodes >= 100 && x.status === 'ran')
                ? 'missed'
                : 'not measured',
          detail: `largest N with every event at every subscriber: ${largest ?? 'none'}; ${r.scale.rows
            .filter((x) => x.status !== 'ran')
            .map((x) => `${x.nodes}: ${x.status}`)
            .join('; ')}`,
        },
  )
  return out
}
