// Where an idle node's CPU goes when it has many peers: N nodes in this process (one bootstrap node, the
// rest joined through it, all on one topic, production timings, QUIC on 127.0.0.1), left to settle, then
// V8's CPU profiler (one sample per $INTERVAL µs, 500; PROFILE=0: none) over a quiet window. Prints the process's
// CPU per node over the window by thread, the GC pauses, and the main thread's self and inclusive time per node by
// function and self time by package. The in-process profiler (inspector Session) takes far fewer samples than the
// main thread's CPU implies (163 in 90 s for 1.4 s of CPU at 1 ms) and GC dominates them: read its shares with care.
// Usage (after a build, from the repository root):
//   node bench/results/idle-cpu-profile-2026-12-07.mjs [nodes=40] [settleS=90] [windowS=60]
import { threadCpuMs } from './proc-threads.mjs'
import { Session } from 'node:inspector/promises'
import { constants, PerformanceObserver } from 'node:perf_hooks'
import { connect, NODE_PROCESS_FLAGS } from '../../packages/pubsub/dist/index.js'
import { generateWallet } from '../../packages/identity/dist/index.js'
import { noopLogger } from '../../packages/logger/dist/index.js'

const [nodes = 40, settleS = 90, windowS = 60] = process.argv.slice(2).map(Number)
const wallets = Array.from({ length: nodes }, () => generateWallet())
const authorized = wallets.map((w) => w.wallet)
let bootstrap = []
const dbs = []
for (const [i, w] of wallets.entries()) {
  const db = await connect({
    walletPrivateKey: w.secretKeyBase58,
    databaseName: 'alloc',
    getAuthorizedWallets: async () => authorized,
    getBootstrapNodes: async () => bootstrap,
    // LOOPBACKS=1: each node on its own loopback address (127.1.0.x), as in the testnet.
    listenHost: process.env.LOOPBACKS === '1' ? `127.1.${Math.floor(i / 250)}.${1 + (i % 250)}` : '127.0.0.1',
    listenPorts: { quic: 0, tcp: 0 },
    logger: noopLogger,
    // QUIC_ONLY=1: no TCP transport, as the testnet's --transport quic.
    ...(process.env.QUIC_ONLY === '1' ? { node: { transports: { quic: true, tcp: false } } } : {}),
    // METRICS=1: each node serves /metrics and /healthz, as the testnet's nodes do (on port METRICS_PORT + i if set).
    ...(process.env.METRICS === '1' ? { metricsServer: { port: process.env.METRICS_PORT ? Number(process.env.METRICS_PORT) + i : 0, host: '127.0.0.1', processMetrics: false } } : {}),
  })
  await db.subscribe('idle', () => {})
  if (i === 0) {
    const quic = db.multiaddrs().find((a) => a.includes('/quic-v1'))
    bootstrap = [{ publicKey: w.wallet, ip: process.env.LOOPBACKS === '1' ? '127.1.0.1' : '127.0.0.1', quicPort: Number(quic.split('/')[4]) }]
  }
  dbs.push(db)
}
console.log(`${nodes} nodes up; settling ${settleS} s (flags of a lean node: ${NODE_PROCESS_FLAGS.join(' ')})`)
await new Promise((resolve) => setTimeout(resolve, settleS * 1000))
const peers = dbs.map((db) => db.peers().length).sort((a, b) => a - b)
console.log(`peers per node min/median/max ${peers[0]}/${peers[peers.length >> 1]}/${peers[peers.length - 1]}`)

const session = new Session()
session.connect()
await session.post('Profiler.enable')
await session.post('Profiler.setSamplingInterval', { interval: Number(process.env.INTERVAL ?? 500) })
if (process.env.PROFILE !== '0') await session.post('Profiler.start')
const gcKinds = { [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb' }
const gc = {}
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = gcKinds[e.detail?.kind] ?? String(e.detail?.kind)
    gc[kind] ??= { count: 0, ms: 0 }
    gc[kind].count++
    gc[kind].ms += e.duration
  }
})
gcObserver.observe({ entryTypes: ['gc'] })
const threads0 = threadCpuMs()
const cpu0 = process.cpuUsage()
await new Promise((resolve) => setTimeout(resolve, windowS * 1000))
const cpu = process.cpuUsage(cpu0)
const threads1 = threadCpuMs()
gcObserver.disconnect()
const { profile } = process.env.PROFILE !== '0' ? await session.post('Profiler.stop') : { profile: { nodes: [{ id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: 0 }, hitCount: 0, children: [] }] } }
session.disconnect()

const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const name = (n) => {
  const { functionName, url, lineNumber } = n.callFrame
  const file = url.replace(/^.*node_modules\//, '').replace(/^.*\/(packages|apps)\//, '')
  return { key: `${functionName || '<anon>'} ${file}:${lineNumber + 1}`, pkg: url === '' ? functionName : url.includes('/packages/') ? `@depin/${file.split('/')[0]}` : (file.match(/^(@[^/]+\/[^/]+|[^/]+)/)?.[1] ?? file) }
}
const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id))
const hits = profile.nodes.reduce((a, n) => a + (idle.has(n.id) ? 0 : n.hitCount), 0)
// CPU ms each non-idle sample stands for: the main thread's CPU over the window (the profile samples only it).
const msPerHit = ((threads1.MainThread ?? 0) - (threads0.MainThread ?? 0)) / Math.max(1, hits)
const perNode = (h) => `${((h * msPerHit) / windowS / nodes).toFixed(3)} ms/s`
const self = new Map()
const incl = new Map()
const pkgs = new Map()
const walk = (n, stack) => {
  if (idle.has(n.id)) return 0
  const { key, pkg } = name(n)
  self.set(key, (self.get(key) ?? 0) + n.hitCount)
  pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + n.hitCount)
  let sum = n.hitCount
  const first = !stack.has(key)
  stack.add(key)
  for (const c of n.children ?? []) sum += walk(byId.get(c), stack)
  if (first) {
    stack.delete(key)
    incl.set(key, (incl.get(key) ?? 0) + sum)
  }
  return sum
}
walk(byId.get(profile.nodes[0].id), new Set())
const peers2 = dbs.map((db) => db.peers().length).sort((a, b) => a - b)
console.log(`window ${windowS} s: CPU ${((cpu.user + cpu.system) / 1000 / windowS / nodes).toFixed(3)} ms/s per node (whole process), ${hits} samples; peers per node ${peers2[0]}/${peers2[peers2.length >> 1]}/${peers2[peers2.length - 1]}`)
console.log(`-- by thread: ${Object.keys(threads1).map((k) => `${k} ${((threads1[k] - (threads0[k] ?? 0)) / windowS / nodes).toFixed(3)}`).join(', ')} ms/s per node`)
console.log(`-- GC pauses on the main thread: ${Object.entries(gc).map(([k, v]) => `${k} ${v.count}× ${((v.ms) / windowS / nodes).toFixed(3)} ms/s per node (${(v.ms / v.count).toFixed(1)} ms each)`).join(', ')}`)
const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n)
console.log('-- self time by package')
for (const [k, v] of top(pkgs, 15)) console.log(`  ${perNode(v).padStart(12)}  ${((100 * v) / hits).toFixed(1)}%  ${k}`)
console.log('-- self time by function')
for (const [k, v] of top(self, 30)) console.log(`  ${perNode(v).padStart(12)}  ${((100 * v) / hits).toFixed(1)}%  ${k}`)
console.log('-- inclusive time by function')
for (const [k, v] of top(incl, 40)) console.log(`  ${perNode(v).padStart(12)}  ${((100 * v) / hits).toFixed(1)}%  ${k}`)
await Promise.all(dbs.map((db) => db.disconnect()))
