// Text of the testnet's views and summary: short PeerIds, milliseconds, ports, aligned tables, and
// the order in which the worst nodes are shown.

import type { Spread } from './report.js'

/** Beyond this many nodes the views show counts, spreads and the worst nodes instead of every row. */
export const LARGE = 30
export const WORST_ROWS = 10

/** `12D3…iZBPp9`: a PeerId short enough for a table. */
export function short(peerId: string): string {
  return `${peerId.slice(0, 4)}…${peerId.slice(-6)}`
}

/** `3.2ms`, `41ms`, or `-` for no value. */
export function ms(value: number | null): string {
  return value === null ? '-' : value < 10 ? `${value.toFixed(1)}ms` : `${Math.round(value)}ms`
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length)
}

/** The columns of the node table. */
export const HEADER = [
  '#',
  'role',
  'peer',
  'ready',
  'peers',
  'sent',
  'recv',
  'p50',
  'p99',
  'metrics',
  'status',
]
const WIDTHS = [4, 10, 14, 6, 6, 7, 8, 8, 8, 8, 0]

/** `:45001` from a metrics URL, or `-`. */
export function port(url: string | undefined | null): string {
  return url ? `:${url.split(':').at(-1)}` : '-'
}

/** Rows padded to the columns' widths. */
export function table(rows: string[][]): string[] {
  return rows.map((row) =>
    row
      .map((cell, i) => pad(cell, WIDTHS[i] ?? 0))
      .join(' ')
      .trimEnd(),
  )
}

/** `min/median/max`, or `-` when empty. */
export function spreadText(s: Spread): string {
  return s.min === null ? '-' : `${s.min}/${s.median}/${s.max}`
}

/** Worst first: not running, then not ready, then fewest peers, then the highest p99. */
export function worstFirst<T extends { rank: [number, number, number, number] }>(rows: T[]): T[] {
  return [...rows].sort(
    (a, b) =>
      b.rank[0] - a.rank[0] || b.rank[1] - a.rank[1] || a.rank[2] - b.rank[2] || b.rank[3] - a.rank[3],
  )
}
