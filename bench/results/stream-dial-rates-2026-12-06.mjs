// Usage: node bench/results/stream-dial-rates-2026-12-06.mjs /tmp/streams NODES FROM_MS_AGO [TO_MS_AGO]: per-node rates of
// each counter of stream-dial-counters-2026-12-06.py between two moments before the newest sample.
// node streams-rate.mjs DIR NODES FROM_MS_AGO TO_MS_AGO (relative to the newest sample)
import { readdirSync, readFileSync } from 'node:fs'
const [dir, nodes, fromAgo, toAgo] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5] ?? 0)]
const files = readdirSync(dir).map((f) => readFileSync(`${dir}/${f}`, 'utf8').trim().split('\n').map((l) => JSON.parse(l)))
const newest = Math.max(...files.map((rows) => rows.at(-1).t))
const at = (rows, t) => rows.filter((r) => r.t <= t).at(-1)?.counts ?? {}
const total = {}
for (const rows of files) {
  const a = at(rows, newest - fromAgo), b = at(rows, newest - toAgo)
  for (const k of Object.keys(b)) total[k] = (total[k] ?? 0) + b[k] - (a[k] ?? 0)
}
const secs = (fromAgo - toAgo) / 1000
const rows = Object.entries(total).sort((x, y) => y[1] - x[1])
let sum = 0
for (const [k, v] of rows) { sum += v; console.log(`${(v / nodes / secs).toFixed(3).padStart(8)} /s/node  ${String(v).padStart(8)}  ${k}`) }
console.log(`${(sum / nodes / secs).toFixed(3).padStart(8)} /s/node  ${String(sum).padStart(8)}  total over ${secs} s`)
