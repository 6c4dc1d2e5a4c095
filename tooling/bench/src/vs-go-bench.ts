import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { NODE_PROCESS_ENV, NODE_PROCESS_FLAGS } from '@depin/infrastructure'
import { type GeneratedWallet, generateWallets } from '@depin/test-utils'
import { median, percentile } from '@depin/test-utils/stats'
import { type Line, type LineProcess, spawnLineProcess } from './line-process.js'
import { cpuMs, onCpuMs, rssMb } from './proc.js'
import { type Spread, sleep, spread } from './stats.js'

const run = promisify(execFile)

/**
 * Which implementation runs a node: the Go program, ours (the lean build), or `base`: another build
 * of ours named by $DEPIN_BENCH_BASELINE_NODE (a vs-go-node.js of an older commit), for a before →
 * after in one interleaved run. `base` runs with the Node flags of $DEPIN_BENCH_BASELINE_FLAGS
 * (space-separated; empty for a build from before NODE_PROCESS_FLAGS), else with ours, and with the
 * environment of $DEPIN_BENCH_BASELINE_ENV (space-separated NAME=value; empty for a build from
 * before NODE_PROCESS_ENV), else with ours.
 */
export type Impl = 'go' | 'ts' | 'base'
/** A three-node network: the implementations of its bootstrap, publisher and subscriber. */
export type Trio = readonly [bootstrap: Impl, publisher: Impl, subscriber: Impl]
type Role = 'bootstrap' | 'publisher' | 'subscriber'
const ROLES: readonly Role[] = ['bootstrap', 'publisher', 'subscriber']

/** The four networks of the issue, in the order they are interleaved. */
export const TRIOS: readonly Trio[] = [
  ['go', 'go', 'go'],
  ['ts', 'ts', 'ts'],
  ['go', 'ts', 'go'],
  ['ts', 'go', 'ts'],
]

const baselineNode = (): string | undefined => process.env.DEPIN_BENCH_BASELINE_NODE || undefined
const baselineFlags = (): readonly string[] =>
  process.env.DEPIN_BENCH_BASELINE_FLAGS?.split(' ').filter((flag) => flag !== '') ?? NODE_PROCESS_FLAGS
const baselineEnv = (): Readonly<Record<string, string>> => {
  const given = process.env.DEPIN_BENCH_BASELINE_ENV
  if (given === undefined) return NODE_PROCESS_ENV
  return Object.fromEntries(
    given
      .split(' ')
      .filter((pair) => pair.includes('='))
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  )
}
const triosToRun = (): readonly Trio[] =>
  baselineNode() === undefined ? TRIOS : [...TRIOS, ['base', 'base', 'base']]

const TOPIC = 'bench'
const STEP_TIMEOUT_MS = 30_000

/** Figures of one run of one trio. Per-role figures are keyed by role. */
export interface TrioRun {
  trio: string
  /** spawn() until the node printed that it listens (publisher and subscriber). */
  spawnToListeningMs: Partial<Record<Role, number>>
  /** spawn() until its first peer connected (publisher and subscriber dial the bootstrap node). */
  spawnToFirstPeerMs: Partial<Record<Role, number>>
  /** One-way latency, publisher to both receivers (bootstrap and subscriber), pooled. */
  latencyP50Ms: number
  latencyP99Ms: number
  /** Events delivered live to the two receivers. */
  delivered: number
  /** Events caught up from a peer's history instead (not timed; a warm-up event missed before the mesh formed is one). */
  replayed: number
  expected: number
  /** CPU used from spawn to the end of the run. */
  cpuWholeRunMs: Record<Role, number>
  /** CPU used while the events were published and delivered. */
  cpuPublishingMs: Record<Role, number>
  /** All three nodes' publishing-phase CPU per delivered event. */
  cpuPerDeliveryUs: number
  /** CPU per second of an idle node (connected, subscribed, no traffic). */
  idleCpuMsPerS: Record<Role, number>
  /** Resident memory of the idle node (connected, subscribed, before publishing). */
  idleRssMb: Record<Role, number>
  peakRssMb: Record<Role, number>
}

/** Medians and ranges of one trio's figures over the repeats. */
export interface TrioSummary {
  trio: string
  runs: number
  latencyP50Ms: Spread
  latencyP99Ms: Spread
  /** Mean over the three nodes of each run. */
  cpuWholeRunPerNodeMs: Spread
  cpuPublishingPerNodeMs: Spread
  cpuPerDeliveryUs: Spread
  idleCpuPerNodeMsPerS: Spread
  idleRssPerNodeMb: Spread
  peakRssPerNodeMb: Spread
  /** Max over the nodes of each run. */
  peakRssMaxMb: Spread
  /** Publisher and subscriber pooled. */
  spawnToListeningMs: Spread
  spawnToFirstPeerMs: Spread
  deliveredRatio: Spread
}

/** An idle network of one bootstrap node and `peers` others: the bootstrap node's idle CPU. */
export interface IdleRun {
  impl: Impl
  peersOfBootstrap: number
  bootstrapIdleCpuMsPerS: number
  /** Median over every node of the network. */
  medianNodeIdleCpuMsPerS: number
}

export interface VsGoFigures {
  /** Versions: the Go program's modules and the TS libraries. */
  versions: Record<string, string>
  /** Events per run, their interval and size. */
  load: { events: number; intervalMs: number; sizeBytes: number }
  repeats: number
  runs: TrioRun[]
  trios: TrioSummary[]
  idle: {
    peers: number
    windowMs: number
    /** How long each idle network was left alone before the window (absent in runs before it was 30 s). */
    settleMs?: number
    runs: IdleRun[]
    go: Spread
    ts: Spread
    goNetwork: Spread
    tsNetwork: Spread
  }
  /** ours ÷ Go, all-TS against all-Go, computed per interleaved repeat. */
  ratios: Record<string, Spread>
  /** With $DEPIN_BENCH_BASELINE_NODE: that build's all-TS trio, and ours ÷ it per repeat (after ÷ before). */
  baseline?: { node: string; afterOverBefore: Record<string, Spread>; idle: Spread }
}

export interface VsGoOptions {
  repoRoot: string
  repeats: number
  events: number
  intervalMs: number
  sizeBytes: number
  idleWindowMs: number
  /** How long a network is left alone before its idle CPU is measured (start-up work settles). */
  idleSettleMs: number
  /**
   * The same for the idle networks of `idlePeers + 1` nodes, whose start does more (every node joins
   * through one, then walks the DHT and advertises): on a slow day it ran ~20-30 s past the moment
   * the bootstrap node had its peers (bench/README.md, "What an idle tick costs").
   */
  idleNetworkSettleMs: number
  /**
   * How long the idle networks' CPU is counted: whole periods of the QUIC keepalive (15 s, both
   * implementations), as every connection's PING and its ACK come in one burst per period. A shorter
   * window counts one burst or two depending on where it falls (the runtime's threads read 0.9 /
   * 0.45 / 0.01 ms/s over the three 5 s of a period).
   */
  idleNetworkWindowMs: number
  idlePeers: number
  idleRepeats: number
  log?: (line: string) => void
}

/** `go`, from $INTEROP_GO or PATH (plus Go's standard install folder), as the interop tests find it. */
const GO = process.env.INTEROP_GO || 'go'
const GO_ENV = {
  ...process.env,
  PATH: `${process.env.PATH ?? ''}:/usr/local/go/bin`,
  GOTOOLCHAIN: 'local',
  GOFLAGS: '-mod=readonly',
}

/** Builds tooling/interop-go (as the tests do); throws with the reason when it cannot. */
async function buildGo(repoRoot: string): Promise<string> {
  const dir = join(repoRoot, 'tooling', 'interop-go')
  const binary = join(dir, '.bin', 'interop-go')
  mkdirSync(dirname(binary), { recursive: true })
  const tmp = `${binary}.${process.pid}.tmp`
  try {
    await run(GO, ['build', '-buildvcs=false', '-o', tmp, '.'], {
      cwd: dir,
      timeout: 10 * 60_000,
      env: GO_ENV,
    })
  } catch (err) {
    const e = err as { stderr?: string; message: string; code?: string }
    throw new Error(
      e.code === 'ENOENT' ? 'the Go toolchain is not installed' : `go build failed: ${e.stderr ?? e.message}`,
    )
  }
  renameSync(tmp, binary)
  return binary
}

// The lean path: the launcher keeps its code cache in Node's compile cache folder; one across runs.
const COMPILE_CACHE_DIR = join(tmpdir(), 'depin-bench-compile-cache')

// The lean build (one bundled file, tsup.config.ts): what an operator would run.
const tsNodeScript = (): string =>
  join(dirname(fileURLToPath(import.meta.url)), '..', 'lean', 'vs-go-node.js')

interface Started {
  proc: LineProcess
  start: Line
}

async function startNode(
  impl: Impl,
  goBinary: string,
  wallet: GeneratedWallet,
  authorized: string[],
  bootstrap: string | undefined,
  subscribe: boolean,
): Promise<Started> {
  const common = ['--db', TOPIC, '--authorized', authorized.join(',')]
  if (bootstrap !== undefined) common.push('--bootstrap-node', bootstrap)
  if (subscribe) common.push('--subscribe', TOPIC)
  // Ours and `base` are the same kind of process: a lean build with its Node flags.
  const base = impl === 'base' ? baselineNode() : undefined
  const proc =
    impl === 'go'
      ? spawnLineProcess(
          goBinary,
          [
            ...common,
            '--listen-host',
            '127.0.0.1',
            '--quic-port',
            '0',
            '--tcp-port',
            '0',
            '--as-shipped',
            '--print-events=false',
          ],
          { WALLET_PRIVATE_KEY: wallet.secretKeyBase58 },
        )
      : spawnLineProcess(
          process.execPath,
          base === undefined
            ? [...NODE_PROCESS_FLAGS, tsNodeScript(), ...common]
            : [...baselineFlags(), base, ...common],
          {
            ...(base === undefined ? NODE_PROCESS_ENV : baselineEnv()),
            WALLET_PRIVATE_KEY: wallet.secretKeyBase58,
            NODE_COMPILE_CACHE: COMPILE_CACHE_DIR,
          },
        )
  const start = await proc.next((l) => l.type === 'start', STEP_TIMEOUT_MS, `${impl} node start`)
  return { proc, start }
}

/** The bootstrap node entry of a started node: QUIC only (the issue's runs were over QUIC). */
function quicEntry(started: Started, wallet: GeneratedWallet): string {
  const addrs = (started.start.addrs as string[]) ?? []
  const port = addrs.map((a) => /\/udp\/(\d+)\/quic-v1/.exec(a)?.[1]).find((p) => p !== undefined)
  return JSON.stringify({ publicKey: wallet.wallet, ip: '127.0.0.1', quicPort: Number(port) })
}

async function stats(proc: LineProcess): Promise<{ received: number; replayed: number; latUs: number[] }> {
  const before = proc.lines.length
  proc.send(`stats ${TOPIC}`)
  const line = await proc.next((l) => l.type === 'stats' && proc.lines.indexOf(l) >= before, 10_000, 'stats')
  // `replayed`: caught up from history instead of live (ours only; a Go node has no history).
  return {
    received: Number(line.received),
    replayed: Number(line.replayed ?? 0),
    latUs: (line.latUs as number[]) ?? [],
  }
}

const roleRecord = (f: (role: Role) => number): Record<Role, number> =>
  Object.fromEntries(ROLES.map((r) => [r, f(r)])) as Record<Role, number>

async function runTrio(trio: Trio, goBinary: string, o: VsGoOptions): Promise<TrioRun> {
  const wallets = generateWallets(3)
  const authorized = wallets.map((w) => w.wallet)
  const nodes: Partial<Record<Role, Started>> = {}
  try {
    nodes.bootstrap = await startNode(trio[0], goBinary, wallets[0]!, authorized, undefined, true)
    const entry = quicEntry(nodes.bootstrap, wallets[0]!)
    const spawnToListeningMs: Partial<Record<Role, number>> = {}
    const spawnToFirstPeerMs: Partial<Record<Role, number>> = {}
    // One at a time, so that a start-up is measured on a machine not busy starting another node.
    for (const [role, impl, wallet, subscribe] of [
      ['publisher', trio[1], wallets[1]!, false],
      ['subscriber', trio[2], wallets[2]!, true],
    ] as const) {
      const started = await startNode(impl, goBinary, wallet, authorized, entry, subscribe)
      nodes[role] = started
      const peer = await started.proc.next(
        (l) => l.type === 'peer' && l.event === 'connected',
        STEP_TIMEOUT_MS,
        `${role} first peer`,
      )
      spawnToListeningMs[role] = started.start.atMs - started.proc.spawnedAtMs
      spawnToFirstPeerMs[role] = peer.atMs - started.proc.spawnedAtMs
    }
    const b = nodes.bootstrap.proc
    const p = (nodes.publisher as Started).proc
    const s = (nodes.subscriber as Started).proc
    const procs: Record<Role, LineProcess> = { bootstrap: b, publisher: p, subscriber: s }

    // Warm up until both receivers get the publisher's events (the mesh has formed), then reset.
    const warmUpUntil = performance.now() + STEP_TIMEOUT_MS
    for (;;) {
      p.send(`load ${TOPIC} 1 0 64`)
      await sleep(200)
      const [sb, ss] = await Promise.all([stats(b), stats(s)])
      if (sb.received > 0 && ss.received > 0) break
      if (performance.now() > warmUpUntil) throw new Error('the mesh did not form within 30 s')
    }
    await sleep(1_000)
    b.send('stats-reset')
    s.send('stats-reset')

    // Idle: connected and subscribed, nothing published.
    await sleep(o.idleSettleMs)
    const idle0 = roleRecord((r) => onCpuMs(procs[r].pid) ?? Number.NaN)
    await sleep(o.idleWindowMs)
    const idle1 = roleRecord((r) => onCpuMs(procs[r].pid) ?? Number.NaN)
    const idleCpuMsPerS = roleRecord((r) => ((idle1[r] - idle0[r]) * 1000) / o.idleWindowMs)
    const idleRssMb = roleRecord((r) => rssMb(procs[r].pid)?.rss ?? Number.NaN)

    // Publishing: `events` events of `sizeBytes`, one every `intervalMs`.
    // Time on CPU of the live threads (ns resolution; /proc/<pid>/stat counts 10 ms ticks).
    const cpu0 = roleRecord((r) => onCpuMs(procs[r].pid) ?? Number.NaN)
    const loadedBefore = p.lines.length
    p.send(`load ${TOPIC} ${o.events} ${o.intervalMs} ${o.sizeBytes}`)
    await p.next(
      (l) => l.type === 'loaded' && p.lines.indexOf(l) >= loadedBefore,
      o.events * o.intervalMs + STEP_TIMEOUT_MS,
      'the publisher to finish',
    )
    const drainUntil = performance.now() + 5_000
    let sb = await stats(b)
    let ss = await stats(s)
    while (sb.received + ss.received < 2 * o.events && performance.now() < drainUntil) {
      await sleep(100)
      ;[sb, ss] = await Promise.all([stats(b), stats(s)])
    }
    const cpu1 = roleRecord((r) => onCpuMs(procs[r].pid) ?? Number.NaN)
    const cpuPublishingMs = roleRecord((r) => cpu1[r] - cpu0[r])
    const cpuWholeRunMs = roleRecord((r) => cpuMs(procs[r].pid) ?? Number.NaN)
    const lat = [...sb.latUs, ...ss.latUs].map((us) => us / 1000)
    const delivered = sb.received + ss.received
    const replayed = sb.replayed + ss.replayed
    const peakRssMb = roleRecord((r) => rssMb(procs[r].pid)?.peak ?? Number.NaN)
    return {
      trio: trio.join('/'),
      spawnToListeningMs,
      spawnToFirstPeerMs,
      latencyP50Ms: percentile(lat, 50),
      latencyP99Ms: percentile(lat, 99),
      delivered,
      replayed,
      expected: 2 * o.events,
      cpuWholeRunMs,
      cpuPublishingMs,
      cpuPerDeliveryUs:
        ((cpuPublishingMs.bootstrap + cpuPublishingMs.publisher + cpuPublishingMs.subscriber) * 1000) /
        delivered,
      idleCpuMsPerS,
      idleRssMb,
      peakRssMb,
    }
  } finally {
    await Promise.allSettled(Object.values(nodes).map((n) => n.proc.stop()))
  }
}

/** One bootstrap node and `peers` nodes that join through it, all subscribed; idle CPU over a window. */
async function runIdle(impl: Impl, goBinary: string, o: VsGoOptions): Promise<IdleRun> {
  const wallets = generateWallets(o.idlePeers + 1)
  const authorized = wallets.map((w) => w.wallet)
  const started: Started[] = []
  try {
    const boot = await startNode(impl, goBinary, wallets[0]!, authorized, undefined, true)
    started.push(boot)
    const entry = quicEntry(boot, wallets[0]!)
    for (const wallet of wallets.slice(1))
      started.push(await startNode(impl, goBinary, wallet, authorized, entry, true))
    const connected = (): number =>
      new Set(boot.proc.lines.filter((l) => l.type === 'peer' && l.event === 'connected').map((l) => l.peer))
        .size
    const until = performance.now() + STEP_TIMEOUT_MS
    while (connected() < o.idlePeers && performance.now() < until) await sleep(100)
    // Let discovery, DHT refreshes and mesh building of the start settle.
    await sleep(o.idleNetworkSettleMs)
    const c0 = started.map((n) => onCpuMs(n.proc.pid) ?? Number.NaN)
    await sleep(o.idleNetworkWindowMs)
    const c1 = started.map((n) => onCpuMs(n.proc.pid) ?? Number.NaN)
    const perS = c1.map((c, i) => ((c - (c0[i] as number)) * 1000) / o.idleNetworkWindowMs)
    return {
      impl,
      peersOfBootstrap: connected(),
      bootstrapIdleCpuMsPerS: perS[0] as number,
      medianNodeIdleCpuMsPerS: median(perS),
    }
  } finally {
    await Promise.allSettled(started.map((n) => n.proc.stop()))
  }
}

const mean = (r: Record<Role, number>): number => (r.bootstrap + r.publisher + r.subscriber) / 3

function summarize(trio: string, runs: TrioRun[]): TrioSummary {
  const pooled = (key: 'spawnToListeningMs' | 'spawnToFirstPeerMs'): number[] =>
    runs.flatMap((r) => Object.values(r[key]) as number[])
  return {
    trio,
    runs: runs.length,
    latencyP50Ms: spread(runs.map((r) => r.latencyP50Ms)),
    latencyP99Ms: spread(runs.map((r) => r.latencyP99Ms)),
    cpuWholeRunPerNodeMs: spread(runs.map((r) => mean(r.cpuWholeRunMs))),
    cpuPublishingPerNodeMs: spread(runs.map((r) => mean(r.cpuPublishingMs))),
    cpuPerDeliveryUs: spread(runs.map((r) => r.cpuPerDeliveryUs)),
    idleCpuPerNodeMsPerS: spread(runs.map((r) => mean(r.idleCpuMsPerS))),
    idleRssPerNodeMb: spread(runs.map((r) => mean(r.idleRssMb))),
    peakRssPerNodeMb: spread(runs.map((r) => mean(r.peakRssMb))),
    peakRssMaxMb: spread(runs.map((r) => Math.max(...Object.values(r.peakRssMb)))),
    spawnToListeningMs: spread(pooled('spawnToListeningMs')),
    spawnToFirstPeerMs: spread(pooled('spawnToFirstPeerMs')),
    deliveredRatio: spread(runs.map((r) => r.delivered / r.expected)),
  }
}

/** What each ratio divides: the all-TS run by the all-Go run of the same repeat. */
const RATIO_FIGURES: Record<string, (r: TrioRun) => number> = {
  latencyP50: (r) => r.latencyP50Ms,
  latencyP99: (r) => r.latencyP99Ms,
  cpuWholeRunPerNode: (r) => mean(r.cpuWholeRunMs),
  cpuPublishingPerNode: (r) => mean(r.cpuPublishingMs),
  cpuPerDelivery: (r) => r.cpuPerDeliveryUs,
  peakRssPerNode: (r) => mean(r.peakRssMb),
  idleRssPerNode: (r) => mean(r.idleRssMb),
  spawnToListening: (r) => (r.spawnToListeningMs.publisher ?? 0) + (r.spawnToListeningMs.subscriber ?? 0),
  spawnToFirstPeer: (r) => (r.spawnToFirstPeerMs.publisher ?? 0) + (r.spawnToFirstPeerMs.subscriber ?? 0),
  idleCpuPerNode: (r) => mean(r.idleCpuMsPerS),
}

/**
 * The Go implementation and ours side by side, as an operator would run them: one OS process per
 * node, over QUIC on 127.0.0.1. Every repeat runs the four trios in turn (interleaved), then idle
 * networks of both implementations.
 */
export async function runVsGoBench(o: VsGoOptions): Promise<VsGoFigures> {
  const log = o.log ?? (() => {})
  if (!existsSync(tsNodeScript())) throw new Error(`${tsNodeScript()} is missing: build tooling/bench first`)
  log('vs-go: building tooling/interop-go')
  const goBinary = await buildGo(o.repoRoot)
  const runs: TrioRun[] = []
  for (let repeat = 1; repeat <= o.repeats; repeat++) {
    for (const trio of triosToRun()) {
      const r = await runTrio(trio, goBinary, o)
      runs.push(r)
      log(
        `vs-go ${repeat}/${o.repeats} ${r.trio}: p50 ${r.latencyP50Ms.toFixed(2)} ms, p99 ${r.latencyP99Ms.toFixed(2)} ms, ` +
          `CPU/node ${mean(r.cpuWholeRunMs).toFixed(0)} ms (publishing ${mean(r.cpuPublishingMs).toFixed(0)}), ` +
          `peak RSS/node ${mean(r.peakRssMb).toFixed(0)} MB, first peer ${Object.values(r.spawnToFirstPeerMs)
            .map((v) => v.toFixed(0))
            .join('/')} ms, ` +
          `${r.delivered}/${r.expected}${r.replayed > 0 ? ` (+${r.replayed} replayed)` : ''}`,
      )
    }
  }
  const idleRuns: IdleRun[] = []
  for (let repeat = 1; repeat <= o.idleRepeats; repeat++) {
    for (const impl of baselineNode() === undefined
      ? (['go', 'ts'] as const)
      : (['go', 'ts', 'base'] as const)) {
      const r = await runIdle(impl, goBinary, o)
      idleRuns.push(r)
      log(
        `vs-go idle ${repeat}/${o.idleRepeats} ${impl}: bootstrap with ${r.peersOfBootstrap} peers ${r.bootstrapIdleCpuMsPerS.toFixed(2)} ms/s, node median ${r.medianNodeIdleCpuMsPerS.toFixed(2)} ms/s`,
      )
    }
  }
  const byTrio = (name: string): TrioRun[] => runs.filter((r) => r.trio === name)
  const goRuns = byTrio('go/go/go')
  const tsRuns = byTrio('ts/ts/ts')
  const ratiosOf = (a: TrioRun[], b: TrioRun[]): Record<string, Spread> =>
    Object.fromEntries(
      Object.entries(RATIO_FIGURES).map(([name, f]) => [
        name,
        spread(a.map((r, i) => f(r) / f(b[i] as TrioRun))),
      ]),
    )
  const ratios = ratiosOf(tsRuns, goRuns)
  const baseRuns = byTrio('base/base/base')
  const idleOf = (impl: Impl, f: (r: IdleRun) => number): Spread =>
    spread(idleRuns.filter((r) => r.impl === impl).map(f))
  return {
    versions: await versions(o.repoRoot),
    load: { events: o.events, intervalMs: o.intervalMs, sizeBytes: o.sizeBytes },
    repeats: o.repeats,
    runs,
    trios: triosToRun().map((t) => summarize(t.join('/'), byTrio(t.join('/')))),
    idle: {
      peers: o.idlePeers,
      windowMs: o.idleNetworkWindowMs,
      settleMs: o.idleNetworkSettleMs,
      runs: idleRuns,
      go: idleOf('go', (r) => r.bootstrapIdleCpuMsPerS),
      ts: idleOf('ts', (r) => r.bootstrapIdleCpuMsPerS),
      goNetwork: idleOf('go', (r) => r.medianNodeIdleCpuMsPerS),
      tsNetwork: idleOf('ts', (r) => r.medianNodeIdleCpuMsPerS),
    },
    ratios,
    ...(baseRuns.length === 0
      ? {}
      : {
          baseline: {
            node: baselineNode() as string,
            afterOverBefore: ratiosOf(tsRuns, baseRuns),
            idle: idleOf('base', (r) => r.bootstrapIdleCpuMsPerS),
          },
        }),
  }
}

async function versions(repoRoot: string): Promise<Record<string, string>> {
  const out: Record<string, string> = { node: process.version }
  try {
    const { stdout } = await run(GO, ['list', '-m', '-f', '{{.Path}} {{.Version}}', 'all'], {
      cwd: join(repoRoot, 'tooling', 'interop-go'),
      env: GO_ENV,
      maxBuffer: 16 * 1024 * 1024,
    })
    for (const l of stdout.split('\n')) {
      const [path, version] = l.split(' ')
      if (
        path === 'github.com/libp2p/go-libp2p' ||
        path === 'github.com/libp2p/go-libp2p-pubsub' ||
        path === 'github.com/quic-go/quic-go'
      )
        out[path.replace('github.com/', '')] = version ?? ''
    }
    out.go = (await run(GO, ['env', 'GOVERSION'], { env: GO_ENV })).stdout.trim()
  } catch {}
  return out
}
