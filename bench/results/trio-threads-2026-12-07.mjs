// A TS trio of lean nodes (bootstrap, publisher, subscriber) on 127.0.0.1, QUIC; the publisher sends $COUNT (500) events
// of $SIZE (1024) bytes every $INTERVAL (10) ms; prints each node's CPU by thread over the publishing phase.
// $NODE_SCRIPT picks the build (default tooling/bench/lean/vs-go-node.js), $ALL_FLAGS go to every node, $PROF_FLAGS
// to the bootstrap node (e.g. "--cpu-prof --cpu-prof-dir=DIR"). Build /work/main first.
import { spawn } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { generateWallet } from '/work/main/packages/identity/dist/index.js'
const COUNT = Number(process.env.COUNT ?? 500), INTERVAL = Number(process.env.INTERVAL ?? 10), SIZE = Number(process.env.SIZE ?? 1024)
const script = process.env.NODE_SCRIPT ?? '/work/main/tooling/bench/lean/vs-go-node.js'
const prof = (process.env.PROF_FLAGS ?? '').split(' ').filter(Boolean)
const ws = [generateWallet(), generateWallet(), generateWallet()]
const auth = ws.map((w) => w.wallet).join(',')
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
function start(w, boot, i) {
  const args = ['--max-semi-space-size=1', '--v8-pool-size=1', ...(process.env.ALL_FLAGS ?? '').split(' ').filter(Boolean), ...(i === 0 ? prof : []), script, '--db', 'bench', '--authorized', auth, '--subscribe', 'bench']
  if (boot) args.push('--bootstrap-node', boot)
  const p = spawn(process.execPath, args, { env: { ...process.env, MALLOC_ARENA_MAX: '2', TOKIO_WORKER_THREADS: '1', WALLET_PRIVATE_KEY: w.secretKeyBase58, NODE_COMPILE_CACHE: '/tmp/depin-bench-compile-cache' }, stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = []
  createInterface({ input: p.stdout }).on('line', (l) => { try { lines.push(JSON.parse(l)) } catch {} })
  const next = async (f) => { for (let k = 0; k < 3000; k++) { const x = lines.find(f); if (x) return x; await sleep(10) } throw new Error('timeout') }
  return { p, lines, next }
}
function threads(pid) {
  const out = {}
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    const comm = readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim()
    const [ns] = readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')
    out[comm] = (out[comm] ?? 0) + Number(ns) / 1e6
  }
  return out
}
const b = start(ws[0], undefined, 0)
const s0 = await b.next((l) => l.type === 'start')
const port = s0.addrs.map((a) => /\/udp\/(\d+)\/quic-v1/.exec(a)?.[1]).find(Boolean)
const entry = JSON.stringify({ publicKey: ws[0].wallet, ip: '127.0.0.1', quicPort: Number(port) })
const pub = start(ws[1], entry, 1); await pub.next((l) => l.type === 'start')
const sub = start(ws[2], entry, 2); await sub.next((l) => l.type === 'start')
const nodes = { bootstrap: b, publisher: pub, subscriber: sub }
// warm up: until both receivers got something
for (let k = 0; k < 150; k++) {
  pub.p.stdin.write('load bench 1 0 64\n'); await sleep(200)
  b.lines.length = 0; sub.lines.length = 0
  b.p.stdin.write('stats bench\n'); sub.p.stdin.write('stats bench\n')
  const [x, y] = await Promise.all([b.next((l) => l.type === 'stats'), sub.next((l) => l.type === 'stats')])
  if (x.received > 0 && y.received > 0) break
}
await sleep(3000)
const t0 = Object.fromEntries(Object.entries(nodes).map(([k, n]) => [k, threads(n.p.pid)]))
pub.lines.length = 0
pub.p.stdin.write(`load bench ${COUNT} ${INTERVAL} ${SIZE}\n`)
await pub.next((l) => l.type === 'loaded')
await sleep(1000)
const t1 = Object.fromEntries(Object.entries(nodes).map(([k, n]) => [k, threads(n.p.pid)]))
for (const k of Object.keys(nodes)) {
  const d = Object.fromEntries(Object.keys(t1[k]).map((c) => [c, +(t1[k][c] - (t0[k][c] ?? 0)).toFixed(1)]).filter(([, v]) => v > 0.5))
  const total = Object.values(d).reduce((a, c) => a + c, 0)
  console.log(k.padEnd(10), 'total', total.toFixed(1), 'ms', JSON.stringify(d))
}
for (const n of Object.values(nodes)) n.p.stdin.write('quit\n')
await sleep(3000); for (const n of Object.values(nodes)) n.p.kill()
process.exit(0)
