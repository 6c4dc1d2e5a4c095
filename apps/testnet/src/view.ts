import type { NodeHandle } from './network.js'
import type { LatencySummary, NodeReport, Spread, TestnetReport } from './report.js'
import { latency, spread } from './report.js'
import type { RunState } from './run.js'

const RECENT_LINES = 8
/** Beyond this many nodes the views show counts, spreads and the worst nodes instead of every row. */
const LARGE = 30
const WORST_ROWS = 10

function short(peerId: string): string {
  return `${peerId.slice(0, 4)}…${peerId.slice(-6)}`
}

function ms(value: number | null): string {
  return value === null ? '-' : value < 10 ? `${value.toFixed(1)}ms` : `${Math.round(value)}ms`
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length)
}

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

const HEADER = ['#', 'role', 'peer', 'ready', 'peers', 'sent', 'recv', 'p50', 'p99', 'metrics', 'status']
const WIDTHS = [4, 10, 14, 6, 6, 7, 8, 8, 8, 8, 0]

function port(url: string | undefined | null): string {
  return url ? `:${url.split(':').at(-1)}` : '-'
}

function table(rows: string[][]): string[] {
  return rows.map((row) =>
    row
      .map((cell, i) => pad(cell, WIDTHS[i] ?? 0))
      .join(' ')
      .trimEnd(),
  )
}

function spreadText(s: Spread): string {
  return s.min === null ? '-' : `${s.min}/${s.median}/${s.max}`
}

/** Counts by state and the spread of peers per node: one line for any number of nodes. */
function aggregateLine(nodes: NodeHandle[]): string {
  const byStatus = new Map<string, number>()
  for (const n of nodes) {
    const state = n.status === 'running' ? (n.latest?.ready ? 'ready' : 'not ready') : n.status
    byStatus.set(state, (byStatus.get(state) ?? 0) + 1)
  }
  const peers = spread(nodes.filter((n) => n.status === 'running').map((n) => n.latest?.peers.length ?? 0))
  const states = [...byStatus].map(([state, count]) => `${count} ${state}`).join(', ')
  return `${nodes.length} nodes: ${states}; peers per node min/median/max ${spreadText(peers)}`
}

/** Worst first: not running, then not ready, then fewest peers, then the highest p99. */
function worstFirst<T extends { rank: [number, number, number, number] }>(rows: T[]): T[] {
  return [...rows].sort(
    (a, b) =>
      b.rank[0] - a.rank[0] || b.rank[1] - a.rank[1] || a.rank[2] - b.rank[2] || b.rank[3] - a.rank[3],
  )
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
      `phase: ${state.phase}`,
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
    this.log(
      `progress: ready ${ready}/${running.length}, ${peers}, sent ${sent}, received ${received}, intruder refusals ${refused}`,
      state.network.now(),
    )
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
  }
}

function worstNodes(nodes: NodeReport[]): NodeReport[] {
  const ranked = nodes.map((n) => ({
    n,
    rank: [n.status === 'running' ? 0 : 1, n.ready ? 0 : 1, n.peers, n.latencyMs.p99 ?? 0] as [
      number,
      number,
      number,
      number,
    ],
  }))
  return worstFirst(ranked)
    .slice(0, WORST_ROWS)
    .map((r) => r.n)
}

/** The summary printed at the end. */
export function summary(report: TestnetReport): string {
  const lines: string[] = []
  const t = report.totals
  lines.push('')
  lines.push(
    `Summary: scenario ${report.scenario}, ${report.options.nodes} nodes + ${report.options.intruders} intruders, transport ${report.options.transport}, ${(report.runMs / 1000).toFixed(1)} s`,
  )
  lines.push('')
  const rows = [HEADER]
  const large = report.nodes.length > LARGE
  if (large) {
    lines.push(
      `${report.nodes.length} nodes: ${report.nodes.filter((n) => n.ready).length} ready; peers per node min/median/max ${spreadText(t.peersPerNode)}; the ${WORST_ROWS} worst:`,
    )
  }
  for (const n of large ? worstNodes(report.nodes) : report.nodes) {
    rows.push([
      n.label,
      n.role,
      short(n.peerId),
      n.ready ? 'yes' : 'no',
      String(n.peers),
      String(n.sent),
      String(n.received),
      ms(n.latencyMs.p50),
      ms(n.latencyMs.p99),
      port(n.metricsUrl),
      n.status,
    ])
  }
  for (const i of report.intruders) {
    rows.push([
      i.label,
      'intruder',
      short(i.peerId),
      'no',
      '0',
      '-',
      '-',
      '-',
      '-',
      '-',
      `refused ${i.refused}x (${i.attempts} dials)${i.acceptedBy.length > 0 ? ` ACCEPTED by ${i.acceptedBy.join(',')}` : ''}`,
    ])
  }
  lines.push(...table(rows))
  lines.push('')
  for (const p of report.phases) {
    lines.push(
      `phase "${p.name}": ${p.published} events published, ${p.delivered}/${p.expected} deliveries (${p.missing} missing, ${p.duplicates} duplicates), latency p50 ${ms(p.latencyMs.p50)} p99 ${ms(p.latencyMs.p99)} max ${ms(p.latencyMs.max)}`,
    )
  }
  lines.push(
    `total: ${t.published} events, ${t.delivered}/${t.expected} deliveries (${(t.deliveredRatio * 100).toFixed(2)}%), p50 ${ms(t.latencyMs.p50)} p99 ${ms(t.latencyMs.p99)}; peers per node min/median/max ${spreadText(t.peersPerNode)}, longest above ${t.highMark}: ${(t.longestAboveHighMs / 1000).toFixed(1)} s`,
  )
  // The timeline (epoch ms and offsets, for benchmarks) stays in the JSON report.
  const outcome = Object.fromEntries(Object.entries(report.scenarioOutcome).filter(([k]) => k !== 'timeline'))
  if (Object.keys(outcome).length > 0) lines.push(`scenario outcome: ${JSON.stringify(outcome)}`)
  lines.push('')
  for (const c of report.checks) lines.push(`${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`)
  lines.push('')
  lines.push(report.ok ? 'testnet OK' : 'testnet FAILED')
  return lines.join('\n')
}
