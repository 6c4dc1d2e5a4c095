// The views while the testnet runs: a live table redrawn every second on a terminal, or plain
// progress lines for logs and CI.

import { HEADER, LARGE, ms, port, short, spreadText, table, WORST_ROWS, worstFirst } from './format.js'
import type { NodeHandle } from './node-handle.js'
import { type LatencySummary, latency, spread } from './report.js'
import type { RunState } from './steps.js'

const RECENT_LINES = 8

/** Sent, received and latency of a node over the measured phases so far. */
function nodeLine(node: NodeHandle, state: RunState): string[] {
  let sent = 0
  let received = 0
  const values: number[] = []
  for (const phase of state.measured) {
    const c = node.phases.get(phase.id)
    for (const n of Object.values(c?.sent ?? {})) sent += n
    for (const t of Object.values(c?.received ?? {})) for (const n of Object.values(t)) received += n
    values.push(...(node.latencies.get(phase.id) ?? []))
  }
  const l: LatencySummary = latency(values)
  const running = node.status === 'running'
  const ready = running ? (node.latest?.ready ? 'yes' : 'no') : '-'
  const peers = running ? String(node.latest?.peers.length ?? 0) : '-'
  if (node.role === 'intruder') {
    const refused = state.network.refusalsOf(node.peerId)
    return [
      node.label,
      'intruder',
      short(node.peerId),
      '-',
      '-',
      '-',
      '-',
      '-',
      '-',
      port(node.metricsUrl),
      `refused ${refused}x (${node.latest?.bootstrapAttempts ?? 0} dials)`,
    ]
  }
  return [
    node.label,
    node.role,
    short(node.peerId),
    ready,
    peers,
    String(sent),
    String(received),
    ms(l.p50),
    ms(l.p99),
    port(node.metricsUrl),
    node.status === 'running' ? '' : node.status,
  ]
}

/** Counts by state and the spread of peers per node: one line for any number of nodes. */
function aggregateLine(nodes: NodeHandle[]): string {
  const byStatus = new Map<string, number>()
  for (const n of nodes) {
    const state = n.status === 'running' ? (n.latest?.ready ? 'ready' : 'not ready') : n.status
    byStatus.set(state, (byStatus.get(state) ?? 0) + 1)
  }
  const running = nodes.filter((n) => n.status === 'running')
  const peers = spread(running.map((n) => n.latest?.peers.length ?? 0))
  const states = [...byStatus].map(([state, count]) => `${count} ${state}`).join(', ')
  return `${nodes.length} nodes: ${states}; peers per node min/median/max ${spreadText(peers)}; ${loopDelayText(running)}`
}

function liveRows(state: RunState): string[][] {
  const nodes = state.network.nodes
  const intruders = state.network.intruders.map((n) => nodeLine(n, state))
  if (nodes.length <= LARGE) return [...nodes.map((n) => nodeLine(n, state)), ...intruders]
  const ranked = nodes.map((n) => {
    const row = nodeLine(n, state)
    const p99 = Number.parseFloat(row[8] ?? '') || 0
    return {
      row,
      rank: [n.status === 'running' ? 0 : 1, n.latest?.ready ? 0 : 1, n.latest?.peers.length ?? 0, p99] as [
        number,
        number,
        number,
        number,
      ],
    }
  })
  return [
    ...worstFirst(ranked)
      .slice(0, WORST_ROWS)
      .map((r) => r.row),
    ...intruders.slice(0, WORST_ROWS),
  ]
}

/** The live terminal view: redrawn every second. */
export class LiveView {
  private readonly recent: string[] = []
  private state: RunState | undefined
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly title: string,
  ) {}

  start(): void {
    this.out.write('\x1b[?25l') // hide the cursor while redrawing
    this.timer = setInterval(() => this.draw(), 1_000)
  }

  log(line: string, atMs: number): void {
    this.recent.push(`${(atMs / 1000).toFixed(1).padStart(6)}s  ${line}`)
    if (this.recent.length > RECENT_LINES) this.recent.shift()
  }

  update(state: RunState): void {
    this.state = state
  }

  draw(): void {
    const state = this.state
    if (state === undefined) return
    const elapsed = state.network.now() / 1000
    const lines = [
      `${this.title}   ${elapsed.toFixed(0)}s`,
      `phase: ${state.phase}${state.waitingFor === undefined ? '' : ` (${state.waitingFor()})`}`,
      aggregateLine(state.network.nodes),
      '',
      ...(state.network.nodes.length > LARGE ? [`the ${WORST_ROWS} worst nodes:`] : []),
      ...table([HEADER, ...liveRows(state)]),
      '',
      ...this.recent,
    ]
    this.out.write(`\x1b[H\x1b[2J${lines.join('\n')}\n`)
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.draw()
    this.out.write('\x1b[?25h')
  }
}

/**
 * The worst event-loop delay the running nodes report, and how many are a second or more behind: on
 * a saturated machine every timeout of those nodes fires before its answer is read.
 */
export function loopDelayText(running: readonly NodeHandle[]): string {
  let worst = 0
  let behind = 0
  for (const n of running) {
    const delay = n.latest?.eventLoopDelayMs ?? 0
    worst = Math.max(worst, delay)
    if (delay >= 1_000) behind++
  }
  return `event loops behind max ${(worst / 1000).toFixed(2)} s (${behind} nodes >= 1 s)`
}

/** Plain progress lines for logs and CI (stdout not a terminal). */
export class PlainView {
  private state: RunState | undefined
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly write: (line: string) => void) {}

  start(): void {
    this.timer = setInterval(() => this.progress(), 2_000)
  }

  log(line: string, atMs: number): void {
    this.write(`[${(atMs / 1000).toFixed(1).padStart(6)}s] ${line}`)
  }

  update(state: RunState): void {
    this.state = state
  }

  private progress(): void {
    const state = this.state
    if (state === undefined) return
    const nodes = state.network.nodes
    const running = nodes.filter((n) => n.status === 'running')
    const ready = running.filter((n) => n.latest?.ready).length
    let sent = 0
    let received = 0
    for (const node of nodes) {
      const row = nodeLine(node, state)
      sent += Number(row[5]) || 0
      received += Number(row[6]) || 0
    }
    const peers =
      nodes.length > LARGE
        ? `peers min/median/max ${spreadText(spread(running.map((n) => n.latest?.peers.length ?? 0)))}`
        : `peers [${nodes.map((n) => (n.status === 'running' ? String(n.latest?.peers.length ?? 0) : 'x')).join(',')}]`
    const refused = state.network.intruders.reduce((a, n) => a + state.network.refusalsOf(n.peerId), 0)
    const waiting = state.waitingFor === undefined ? '' : `; ${state.waitingFor()}`
    this.log(
      `progress: ready ${ready}/${running.length}, ${peers}, sent ${sent}, received ${received}, intruder refusals ${refused}, ${loopDelayText(running)}${waiting}`,
      state.network.now(),
    )
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
  }
}
