// Spawn → listening and → first peer of a lean node (tooling/bench/lean/vs-go-node.js, NODE_PROCESS_FLAGS and
// NODE_PROCESS_ENV), dialling a bootstrap node started just before it (0 ms) or 5 s before it, alternated, N pairs.
// Prints medians and each start as listening/first peer/module load/connect() ms. Build /work/main first.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { generateWallet } from '/work/main/packages/identity/dist/index.js'
const N = Number(process.env.N ?? 6)
const script = '/work/main/tooling/bench/lean/vs-go-node.js'
const flags = ['--max-semi-space-size=1', '--v8-pool-size=1']
const env = { ...process.env, MALLOC_ARENA_MAX: '2', TOKIO_WORKER_THREADS: '1', NODE_COMPILE_CACHE: '/tmp/depin-bench-compile-cache' }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
function start(w, auth, boot) {
  const t0 = performance.now()
  const args = [...flags, script, '--db', 'bench', '--authorized', auth, '--subscribe', 'bench']
  if (boot) args.push('--bootstrap-node', boot)
  const p = spawn(process.execPath, args, { env: { ...env, WALLET_PRIVATE_KEY: w.secretKeyBase58 }, stdio: ['pipe', 'pipe', 'inherit'] })
  const r = { p, t0 }
  r.started = new Promise((res) => createInterface({ input: p.stdout }).on('line', (l) => {
    try { const j = JSON.parse(l); if (j.type === 'start') { r.start = j; res(performance.now() - t0) } if (j.type === 'peer' && r.peer === undefined) r.peer = performance.now() - t0 } catch {}
  }))
  return r
}
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
const res = { 0: [], 5000: [] }
for (let i = 0; i < N; i++) for (const wait of [0, 5000]) {
  const ws = [generateWallet(), generateWallet()]
  const auth = ws.map((w) => w.wallet).join(',')
  const b = start(ws[0], auth)
  await b.started
  const port = b.start.addrs.map((a) => /\/udp\/(\d+)\/quic-v1/.exec(a)?.[1]).find(Boolean)
  await sleep(wait)
  const n = start(ws[1], auth, JSON.stringify({ publicKey: ws[0].wallet, ip: '127.0.0.1', quicPort: Number(port) }))
  const listening = await n.started
  for (let k = 0; k < 100 && n.peer === undefined; k++) await sleep(20)
  res[wait].push({ listening, peer: n.peer, load: n.start.loadMs, connect: n.start.connectMs })
  for (const x of [b, n]) { x.p.stdin.write('quit\n') }
  await sleep(600); b.p.kill(); n.p.kill()
}
for (const wait of [0, 5000]) {
  const r = res[wait]
  console.log(`bootstrap settled ${wait} ms: listening ${med(r.map((x) => x.listening)).toFixed(1)} first peer ${med(r.map((x) => x.peer)).toFixed(1)} load ${med(r.map((x) => x.load))} connect ${med(r.map((x) => x.connect))}`)
  console.log('   ', r.map((x) => `${x.listening.toFixed(0)}/${x.peer?.toFixed(0)}/${x.load}/${x.connect}`).join(' '))
}
