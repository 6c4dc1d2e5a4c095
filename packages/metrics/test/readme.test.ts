import { readFileSync, writeFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { METRIC_DEFINITIONS } from '../src/index.js'

const README = new URL('../README.md', import.meta.url)
const START = '<!-- metrics table: written by test/readme.test.ts from METRIC_DEFINITIONS -->'
const END = '<!-- end of metrics table -->'

function table(): string {
  const rows = METRIC_DEFINITIONS.map((d) => {
    const labels = d.labelNames.length === 0 ? '–' : d.labelNames.map((l) => `\`${l}\``).join(', ')
    return `| \`depin_${d.name}\` | ${d.type} | ${labels} | ${d.help.replaceAll('|', '\\|')} |`
  })
  return ['| metric | type | labels | what it counts |', '|---|---|---|---|', ...rows].join('\n')
}

// The README lists every metric the collector exposes, as declared: a new declaration shows up
// here. `UPDATE_README=1 vitest run test/readme.test.ts` rewrites the table.
test('the README metrics table is the declared metrics', () => {
  const readme = readFileSync(README, 'utf8')
  const start = readme.indexOf(START)
  const end = readme.indexOf(END)
  expect(start, 'README markers').toBeGreaterThan(-1)
  expect(end, 'README markers').toBeGreaterThan(start)
  const expected = `${START}\n${table()}\n${END}`
  const current = readme.slice(start, end + END.length)
  if (process.env.UPDATE_README === '1' && current !== expected) {
    writeFileSync(README, readme.replace(current, expected))
    return
  }
  expect(current).toBe(expected)
})
