import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runGaterBench } from './gater-bench.js'

// Prints a table and writes JSON to <repo>/bench/results/gater-<date>.json. Never fails on a timing.
const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = resolve(here, '../../../..')
const result = await runGaterBench({ wallets: Number(process.env.GATER_BENCH_WALLETS ?? 100_000) })
const aims: Record<string, string> = {
  hitNsPerOp: '< 1000',
  refreshMaxBlockMs: '< 20',
  initialLoadMaxBlockMs: '< 20',
}
console.table(
  Object.entries(result).map(([metric, value]) => ({
    metric,
    value: typeof value === 'number' ? Number(value.toFixed(1)) : value,
    aim: aims[metric] ?? '',
  })),
)
const dir = join(repoRoot, 'bench', 'results')
mkdirSync(dir, { recursive: true })
const file = join(dir, `gater-${new Date().toISOString().slice(0, 10)}.json`)
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2)}\n`)
console.info(`wrote ${file}`)
