// `pnpm bench` (root) or `node dist/cli.js [--quick] [--only pubsub,gater,...] [--no-nats]`:
// runs the benchmarks, prints the tables, writes bench/results/<date>.json and .md. Never fails on
// a timing (exit code 0 unless the command line is wrong). Profile with `node --cpu-prof dist/cli.js`.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { nodeVersionProblem } from '@depin/test-utils/node-version'
import { CATCH_UP_SCENARIOS, type CatchUpScenario } from './catch-up-bench.js'
import { markdown } from './format.js'
import { FULL, QUICK, SECTIONS, type Section } from './profiles.js'
import { runBench } from './run.js'
import { scaleChartPng } from './scale-figures.js'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    only: { type: 'string' },
    'no-nats': { type: 'boolean' },
    out: { type: 'string' },
    'scale-sizes': { type: 'string' },
    'scale-nodes-per-thread': { type: 'string' },
    'scale-rate': { type: 'string' },
    'catchup-away-ms': { type: 'string' },
    'catchup-rate': { type: 'string' },
    'catchup-size': { type: 'string' },
    'catchup-scenarios': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (values.help) {
  process.stdout.write(
    `Usage: node dist/cli.js [--quick] [--only ${SECTIONS.join(',')}] [--no-nats] [--out DIR] [--scale-sizes 50,100,...]\n` +
      "       [--scale-nodes-per-thread T] (the testnet's --nodes-per-thread; 0 or absent: its default)\n" +
      '       [--scale-rate R] (events per second across the whole network while publishing; default 1)\n' +
      '       [--catchup-away-ms 60000] [--catchup-rate 100] [--catchup-size 1024]\n' +
      `       [--catchup-scenarios ${CATCH_UP_SCENARIOS.join(',')}]\n` +
      'Writes DIR/<date>.json and DIR/<date>.md (DIR defaults to <repo>/bench/results; --quick writes <date>-quick.*;\n' +
      '--only a,b writes a-b-<date>.*), and DIR/<name>-scale.png when the scale section ran.\n',
  )
  process.exit(0)
}
const tooOld = nodeVersionProblem(
  process.version,
  'the bench',
  "run it with `npx -y pnpm@12.21.0 bench`, or put the repository's node_modules/.bin (Node 24) first on PATH",
)
if (tooOld !== undefined) {
  process.stderr.write(`${tooOld}\n`)
  process.exit(2)
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
type NumberFlag =
  | 'scale-nodes-per-thread'
  | 'scale-rate'
  | 'catchup-away-ms'
  | 'catchup-rate'
  | 'catchup-size'
/** The number given for `--flag`, undefined when absent; a value `ok` refuses exits 2, naming the flag. */
function numberFlag(flag: NumberFlag, ok: (n: number) => boolean, expected: string): number | undefined {
  const text = values[flag]
  if (text === undefined) return undefined
  const n = Number(text)
  if (!ok(n)) {
    process.stderr.write(`--${flag}: ${expected} (got "${text}")\n`)
    process.exit(2)
  }
  return n
}
const integerIn = (min: number, max: number) => (n: number) => Number.isInteger(n) && n >= min && n <= max
const nodesPerThread = numberFlag('scale-nodes-per-thread', integerIn(0, 1000), 'an integer from 0 to 1000')
const networkRate = numberFlag(
  'scale-rate',
  (n) => Number.isFinite(n) && n > 0 && n <= 10_000,
  'events per second across the network, above 0 and up to 10000',
)
// The catch-up section's away time, rate (events/s) and payload size, e.g. for a short run.
const catchUpFlags = {
  awayMs: ['catchup-away-ms', 100, 3_600_000],
  rate: ['catchup-rate', 1, 10_000],
  sizeBytes: ['catchup-size', 1, 512 * 1024],
} as const
const catchUp = { ...chosen.catchUp }
for (const [field, [flag, min, max]] of Object.entries(catchUpFlags)) {
  const n = numberFlag(flag, integerIn(min, max), `an integer from ${min} to ${max}`)
  if (n !== undefined) catchUp[field as keyof typeof catchUpFlags] = n
}
const scenarios = values['catchup-scenarios']?.split(',').map((s) => s.trim())
if (scenarios !== undefined) {
  const wrong = scenarios.filter((s) => !(CATCH_UP_SCENARIOS as readonly string[]).includes(s))
  if (wrong.length > 0 || scenarios.length === 0) {
    process.stderr.write(
      `--catchup-scenarios: choose from ${CATCH_UP_SCENARIOS.join(', ')} (got "${values['catchup-scenarios']}")\n`,
    )
    process.exit(2)
  }
  catchUp.scenarios = scenarios as CatchUpScenario[]
}
const profile = {
  ...chosen,
  catchUp,
  scale: {
    ...chosen.scale,
    ...(scaleSizes === undefined ? {} : { sizes: scaleSizes }),
    ...(nodesPerThread === undefined ? {} : { nodesPerThread }),
    ...(networkRate === undefined ? {} : { networkRate }),
  },
}
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
// A catch-up run with other sizes (--catchup-*) does not replace the day's run at the issue's sizes.
const custom =
  scenarios !== undefined || Object.values(catchUpFlags).some(([flag]) => values[flag] !== undefined)
    ? '-custom'
    : ''
const base = join(dir, `${prefix}${results.date.slice(0, 10)}${chosen === QUICK ? '-quick' : ''}${custom}`)
writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`)
writeFileSync(`${base}.md`, md)
process.stdout.write(`wrote ${base}.json and ${base}.md\n`)
if (results.scale?.rows.some((row) => row.status === 'ran')) {
  writeFileSync(`${base}-scale.png`, scaleChartPng(results.scale))
  process.stdout.write(`wrote ${base}-scale.png\n`)
}
// Libp2p and QUIC leave timers/sockets that clear on their own; do not wait for them.
process.exit(0)
