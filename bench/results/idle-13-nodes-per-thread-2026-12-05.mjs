// Spawns an idle network of 13 lean TS nodes (tooling/bench/lean/vs-go-node.js, or $NODE_SCRIPT) joined through
// the first, waits $SETTLE ms, and prints the first (bootstrap) node's CPU per thread over $WINDOW ms from
// /proc/<pid>/task/*/schedstat, and the median node's. $EXTRA_FLAGS go to the bootstrap node only (e.g. --cpu-prof),
// $HOLD ms of waiting before the window leaves time to attach perf. Build /work/main first.
// With $TOTAL (ms) it prints instead every node's CPU (ms/s, all threads) every $STEP ms (10 s) for $TOTAL ms
// from the moment the bootstrap node had its peers: one line per step, one column per node (no settling).
import { spawn } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { generateWallet } from '/work/main/packages/identity/dist/index.js'
const N = Number(process.env.PEERS ?? 12) + 1
const SETTLE = Number(process.env.SETTLE ?? 20000), WINDOW = Number(process.env.WINDOW ?? 30000)
const script = process.env.NODE_SCRIPT ?? '/work/main/tooling/bench/lean/vs-go-node.js'
const extra = (process.env.EXTRA_FLAGS ?? '').split(' ').filter(Boolean)
const wallets = Array.from({ length: N }, () => generateWallet())
const auth = wallets.map((w) => w.wallet).join(',')
const procs = []
function start(w, boot, i) {
  const args = ['--max-semi-space-size=1', '--v8-pool-size=1', ...(i === 0 ? extra : []), script, '--db', 'bench', '--authorized', auth, '--subscribe', 'bench']
  if (boot) args.push('--bootstrap-node', boot)
  const p = spawn(process.execPath, args, { env: { ...process.env, MALLOC_ARENA_MAX: '2', WALLET_PRIVATE_KEY: w.secretKeyBase58, NODE_COMPILE_CACHE: process.env.CC ?? '/tmp/depin-bench-compile-cache' }, stdio: ['pipe', 'pipe', 'inherit'] })
  procs.push(p)
  const lines = []
  createInterface({ input: p.stdout }).on('line', (l) => { try { lines.push(JSON.parse(l)) } catch {} })
  return new Promise((res) => { const t = setInterval(() => { const s = lines.find((l) => l.type === 'start'); if (s) { clearInterval(t); res({ p, s, lines }) } }, 20) })
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
function threads(pid) {
  const out = {}
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    const comm = readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim()
    const ns = Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0])
    out[`${comm}#${t}`] = ns / 1e6
  }
  return out
}
const boot = await start(wallets[0], undefined, 0)
const port = boot.s.addrs.map((a) => /\/udp\/(\d+)\/quic-v1/.exec(a)?.[1]).find(Boolean)
const entry = JSON.stringify({ publicKey: wallets[0].wallet, ip: '127.0.0.1', quicPort: Number(port) })
const rest = []
for (let i = 1; i < N; i++) rest.push(await start(wallets[i], entry, i))
const conn = () => new Set(boot.lines.filter((l) => l.type === 'peer').map((l) => l.peer)).size
for (let i = 0; i < 300 && conn() < N - 1; i++) await sleep(100)
console.log('boot pid', boot.p.pid, 'peers', conn())
const cpuOf = (p) => Object.values(threads(p.pid)).reduce((x, y) => x + y, 0)
if (process.env.TOTAL) {
  const t0 = Date.now(), STEP = Number(process.env.STEP ?? 10000), TOTAL = Number(process.env.TOTAL)
  let prev = procs.map(cpuOf)
  while (Date.now() - t0 < TOTAL) {
    await sleep(STEP)
    const now = procs.map(cpuOf)
    console.log(String(Math.round((Date.now() - t0) / 1000)).padStart(4), now.map((x, i) => (((x - prev[i]) * 1000) / STEP).toFixed(1).padStart(5)).join(''))
    prev = now
  }
  for (const p of procs) p.stdin.write('quit\n')
  await sleep(1000); for (const p of procs) p.kill()
  process.exit(0)
}
await sleep(SETTLE)
const a = threads(boot.p.pid); const all0 = procs.map((p) => Object.values(threads(p.pid)).reduce((x, y) => x + y, 0))
if (process.env.HOLD) { console.log('holding', process.env.HOLD); await sleep(Number(process.env.HOLD)) }
await sleep(WINDOW)
const b = threads(boot.p.pid); const all1 = procs.map((p) => Object.values(threads(p.pid)).reduce((x, y) => x + y, 0))
let tot = 0
for (const k of Object.keys(b)) { const d = (b[k] - (a[k] ?? 0)) * 1000 / WINDOW; tot += d; if (d > 0.01) console.log(k.padEnd(24), d.toFixed(3), 'ms/s') }
const per = all1.map((x, i) => (x - all0[i]) * 1000 / WINDOW).sort((x, y) => x - y)
console.log('bootstrap total', tot.toFixed(3), 'ms/s; node median', per[Math.floor(per.length / 2)].toFixed(3), 'peers', conn())
for (const p of procs) p.stdin.write('quit\n')
await sleep(1000); for (const p of procs) p.kill()
process.exit(0)
