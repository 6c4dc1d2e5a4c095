#!/usr/bin/env node
// `pnpm soak --minutes N`: runs the soak and writes bench/results/soak-<date>.csv and .png.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { runSoak, soakChartPng, soakCsv } from './soak.js'

const USAGE =
  'usage: pnpm soak [--minutes N] [--nodes N] [--out DIR]   (defaults: 10 minutes, 5 nodes, bench/results)'

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n <= 0) {
    console.error(`--${name} must be a positive whole number, got "${value}"\n${USAGE}`)
    process.exit(2)
  }
  return n
}

const { values } = parseArgs({
  options: {
    minutes: { type: 'string' },
    nodes: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (values.help === true) {
  console.log(USAGE)
  process.exit(0)
}
const minutes = positiveInt(values.minutes, 'minutes', 10)
const nodes = positiveInt(values.nodes, 'nodes', 5)
const outDir = resolve(values.out ?? join(process.cwd(), 'bench', 'results'))
if ((globalThis as { gc?: unknown }).gc === undefined) {
  console.warn('note: run node with --expose-gc so handles are counted after garbage collection')
}

const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')
const base = join(outDir, `soak-${stamp}`)
const controller = new AbortController()
process.once('SIGINT', () => controller.abort())

console.log(`soak: ${nodes} nodes for ${minutes} min; writing ${base}.csv and .png`)
const samples = await runSoak({
  minutes,
  nodes,
  signal: controller.signal,
  onSample: (s) =>
    console.log(
      `min ${s.minute.toFixed(2)}  rss ${s.rssMb} MB  heap ${s.heapUsedMb} MB  handles ${s.handles}  peers ${s.peers}  published ${s.published}  delivered ${s.delivered}`,
    ),
})
mkdirSync(outDir, { recursive: true })
writeFileSync(`${base}.csv`, soakCsv(samples))
writeFileSync(`${base}.png`, soakChartPng(samples, `depin pubsub soak, ${nodes} nodes, ${minutes} min`))
console.log(`wrote ${base}.csv and ${base}.png`)
process.exit(0)
