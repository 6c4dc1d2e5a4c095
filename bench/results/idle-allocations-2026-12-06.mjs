// What an idle node allocates: N nodes in this process (one bootstrap node, the rest joined through it,
// all on one topic, production timings, QUIC on 127.0.0.1), left to settle, then V8's sampling heap
// profiler over a quiet window with the objects that minor and major GCs collected included (so it
// shows the allocation rate, not what stays alive). Prints bytes allocated per second per node by
// function and by package, and the process's CPU per node over the window.
// Usage (after a build, from the repository root):
//   node bench/results/idle-allocations-2026-12-06.mjs [nodes=20] [settleS=90] [windowS=60]
import { Session } from 'node:inspector/promises'
import { connect, NODE_PROCESS_FLAGS } from '../../packages/pubsub/dist/index.js'
import { generateWallet } from '../../packages/identity/dist/index.js'
import { noopLogger } from '../../packages/logger/dist/index.js'

const [nodes = 20, settleS = 90, windowS = 60] = process.argv.slice(2).map(Number)
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
    listenHost: '127.0.0.1',
    listenPorts: { quic: 0, tcp: 0 },
    logger: noopLogger,
  })
  await db.subscribe('idle', () => {})
  if (i === 0) {
    const quic = db.multiaddrs().find((a) => a.includes('/quic-v1'))
    bootstrap = [{ publicKey: w.wallet, ip: '127.0.0.1', quicPort: Number(quic.split('/')[4]) }]
  }
  dbs.push(db)
}
console.log(`${nodes} nodes up; settling ${settleS} s (flags of a lean node: ${NODE_PROCESS_FLAGS.join(' ')})`)
await new Promise((resolve) => setTimeout(resolve, settleS * 1000))
const peers = dbs.map((db) => db.peers().length).sort((a, b) => a - b)
console.log(`peers per node min/median/max ${peers[0]}/${peers[peers.length >> 1]}/${peers[peers.length - 1]}`)

const session = new Session()
session.connect()
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 4096,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
})
const cpu0 = process.cpuUsage()
await new Promise((resolve) => setTimeout(resolve, windowS * 1000))
const cpu = process.cpuUsage(cpu0)
const { profile } = await session.post('HeapProfiler.stopSampling')
session.disconnect()

const byFn = new Map()
const byPkg = new Map()
let total = 0
// A built-in (Map.set, an iterator's next) has no URL: its bytes go to the nearest JS caller.
const walk = (node, caller) => {
  const { functionName, url, lineNumber } = node.callFrame
  const file = url.replace(/^.*node_modules\//, '').replace(/^.*\/(packages|apps)\//, '')
  const pkgMatch = file.match(/^(@[^/]+\/[^/]+|[^/]+)/)
  const here =
    url === ''
      ? caller
      : {
          key: `${functionName || '<anon>'} ${file}:${lineNumber + 1}`,
          pkg: url.includes('/packages/') ? `@depin/${file.split('/')[0]}` : (pkgMatch?.[1] ?? file),
        }
  const size = node.selfSize
  if (size > 0) {
    byFn.set(here.key, (byFn.get(here.key) ?? 0) + size)
    byPkg.set(here.pkg, (byPkg.get(here.pkg) ?? 0) + size)
    total += size
  }
  for (const child of node.children) walk(child, here)
}
walk(profile.head, { key: '(no JS caller)', pkg: '(no JS caller)' })
const perNodeS = (bytes) => `${(bytes / windowS / nodes / 1024).toFixed(1)} KiB/s/node`
console.log(`window ${windowS} s: CPU ${((cpu.user + cpu.system) / 1000 / windowS / nodes).toFixed(2)} ms/s per node (whole process), allocated ${perNodeS(total)}`)
console.log('-- by package')
for (const [k, v] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${perNodeS(v).padStart(18)}  ${((100 * v) / total).toFixed(1)}%  ${k}`)
console.log('-- by function')
for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${perNodeS(v).padStart(18)}  ${((100 * v) / total).toFixed(1)}%  ${k}`)
await Promise.all(dbs.map((db) => db.disconnect()))
