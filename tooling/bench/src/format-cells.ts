// The cells and tables the bench's Markdown report is made of.

import type { CountSpread } from './scale-figures.js'
import type { Spread } from './stats.js'

export const num = (v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined || !Number.isFinite(v)
    ? '–'
    : v >= 1000
      ? v.toFixed(0)
      : v >= 100
        ? v.toFixed(1)
        : v.toFixed(digits)

/** "median (min–max)" */
export const spreadText = (s: Spread | undefined, digits = 2): string =>
  s === undefined || s.runs === 0
    ? '–'
    : `${num(s.median, digits)} (${num(s.min, digits)}–${num(s.max, digits)})`

/** "min / median / max" of a testnet spread (counts per node). */
export const spreadCell = (s: CountSpread | undefined): string =>
  s === undefined ? '–' : `${s.min ?? '–'} / ${s.median ?? '–'} / ${s.max ?? '–'}`

export const size = (bytes: number): string => (bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`)

export function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n')
}
