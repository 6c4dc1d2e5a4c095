// `pnpm bench` (root) or `node dist/cli.js [--quick] [--only pubsub,gater,...] [--no-nats]`:
// runs the benchmarks, prints the tables, writes bench/results/<date>.json and .md. Never fails on
// a timing (exit code 0 unless the command line is wrong). Profile with `node --cpu-prof dist/cli.js`.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { markdown } from './format.js'
import { FULL, QUICK, SECTIONS, type Section } from './profiles.js'
import { runBench } from './run.js'
import { scaleChartPng } from './scale-bench.js'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    only: { type: 'string' },
    'no-nats': { type: 'boolean' },
    out: { type: 'string' },
    'scale-sizes': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (values.help) {
  process.stdout.write(
    `Usage: node dist/cli.js [--quick] [--only ${SECTIONS.join(',')}] [--no-nats] [--out DIR] [--scale-sizes 50,100,...]\n` +
      'Writes DIR/<date>.json and DIR/<date>.md (DIR defaults to <repo>/bench/results; --quick writes <date>-quick.*;\n' +
      '--only a,b writes a-b-<date>.*), and DIR/<name>-scale.png when the scale section ran.\n',
  )
  process.exit(0)
}
const sections = (values.only?.split(',').map((s) => s.trim()) ?? [...SECTIONS]) as Section[]
const unknown = sections.filter((s) => !(SECTIONS as readonly string[]).includes(s))
if (unknown.length > 0) {
  process.stderr.write(
    `--only: unknown benchmark(s) ${unknown.join(', ')}; choose from ${SECTIONS.join(', ')}\n`,
  )
  process.exit(2)
}
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const chosen = values.quick ? QUICK : FULL
const scaleSizes = values['scale-sizes']?.split(',').map((n) => Number(n.trim()))
if (scaleSizes !== undefined && !scaleSizes.every((n) => Number.isInteger(n) && n >= 2 && n <= 5000)) {
  process.stderr.write(
    `--scale-sizes: node counts from 2 to 5000, comma-separated (got "${values['scale-sizes']}")\n`,
  )
  process.exit(2)
}
const profile =
  scaleSizes === undefined ? chosen : { ...chosen, scale: { ...chosen.scale, sizes: scaleSizes } }
const started = Date.now()
const log = (line: string): void => {
  process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`)
}
const results = await runBench({
  profile,
  repoRoot,
  sections,
  nats: values['no-nats'] !== true,
  command: `npx -y pnpm@12.21.0 bench${process.argv.length > 2 ? ` (tooling/bench: node dist/cli.js ${process.argv.slice(2).join(' ')})` : ''}`,
  log,
})
const md = markdown(results)
process.stdout.write(`\n${md}\n`)
const dir = values.out ?? join(repoRoot, 'bench', 'results')
mkdirSync(dir, { recursive: true })
// A run of some sections only is named after them, so that it does not replace the day's full run.
const prefix = values.only === undefined ? '' : `${sections.join('-')}-`
const base = join(dir, `${prefix}${results.date.slice(0, 10)}${chosen === QUICK ? '-quick' : ''}`)
writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`)
writeFileSync(`${base}.md`, md)
process.stdout.write(`wrote ${base}.json and ${base}.md\n`)
if (results.scale?.rows.some((row) => row.status === 'ran')) {
  writeFileSync(`${base}-scale.png`, scaleChartPng(results.scale))
  process.stdout.write(`wrote ${base}-scale.png\n`)
}
// Libp2p and QUIC leave timers/sockets that clear on their own; do not wait for them.
process.exit(0)
