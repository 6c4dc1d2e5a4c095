// The summary printed at the end of a run: the table of nodes (the worst ones beyond LARGE), the
// phases' delivery figures, the scenario's outcome and the checks.

import { HEADER, LARGE, ms, port, short, spreadText, table, WORST_ROWS, worstFirst } from './format.js'
import type { NodeReport, TestnetReport } from './report.js'

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
    `total: ${t.published} events, ${t.delivered}/${t.expected} deliveries (${(t.deliveredRatio * 100).toFixed(2)}%), p50 ${ms(t.latencyMs.p50)} p99 ${ms(t.latencyMs.p99)}; peers per node min/median/max ${spreadText(t.peersPerNode)}, longest above ${t.highMark}: ${(t.longestAboveHighMs / 1000).toFixed(1)} s; connections opened per node min/median/max ${spreadText(t.connectionsOpenedPerNode)}; worst event-loop delay per node min/median/max ${spreadText(t.worstLoopDelayPerNode)} ms`,
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
