// Spawns an idle network of 13 lean TS nodes (tooling/bench/lean/vs-go-node.js, or $NODE_SCRIPT) joined through
// the first, then prints every node's CPU (ms/s, all threads, from schedstat) every $STEP ms for $TOTAL ms,
// one line per step (seconds since all were connected, then one column per node).
// Usage (after a build): node bench/results/idle-13-nodes-series-2026-12-05.mjs; CC=<compile cache dir>
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
const t0 = Date.now()
let prev = procs.map((p) => Object.values(threads(p.pid)).reduce((x, y) => x + y, 0))
const STEP = Number(process.env.STEP ?? 5000), TOTAL = Number(process.env.TOTAL ?? 120000)
while (Date.now() - t0 < TOTAL) {
  await sleep(STEP)
  const now = procs.map((p) => Object.values(threads(p.pid)).reduce((x, y) => x + y, 0))
  const per = now.map((x, i) => ((x - prev[i]) * 1000) / STEP)
  prev = now
  console.log(String(Math.round((Date.now() - t0) / 1000)).padStart(4), per.map((x) => x.toFixed(1).padStart(5)).join(''))
}
for (const p of procs) p.stdin.write('quit\n')
await sleep(1000); for (const p of procs) p.kill()
