// An idle network of W worker threads of K nodes each in this one process (the testnet's layout without the
// testnet): worker 0's first node is the bootstrap node of all; every node on its own loopback address, one topic,
// production timings, QUIC. After $SETTLE s, prints this process's CPU per node by thread name over $WINDOW s.
// Usage (after a build, from the repository root, with the lean flags and environment):
//   MALLOC_ARENA_MAX=2 TOKIO_WORKER_THREADS=1 node --max-semi-space-size=1 --v8-pool-size=1 \
//     bench/results/idle-workers-2026-12-07.mjs [workers=4] [perWorker=25] [settleS=120] [windowS=60]
import { threadCpuMs } from './proc-threads.mjs'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'

if (isMainThread) {
  const [workers = 4, perWorker = 25, settleS = 120, windowS = 60] = process.argv.slice(2).map(Number)
  const { generateWallet } = await import('../../packages/identity/dist/index.js')
  const wallets = Array.from({ length: workers * perWorker }, () => generateWallet())
  const authorized = wallets.map((w) => w.wallet)
  let bootstrap = []
  const peers = []
  const started = []
  for (let i = 0; i < workers; i++) {
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { secrets: wallets.slice(i * perWorker, (i + 1) * perWorker).map((w) => w.secretKeyBase58), first: i * perWorker, authorized, bootstrap },
    })
    const up = await new Promise((resolve) => worker.once('message', resolve))
    if (i === 0) bootstrap = [{ publicKey: wallets[0].wallet, ip: '127.1.0.1', quicPort: up.quicPort }]
    worker.on('message', (m) => { if (m.type === 'peers') peers.push(...m.peers) })
    worker.unref()
    started.push(worker)
  }
  console.log(`${workers * perWorker} nodes up in ${workers} workers; settling ${settleS} s`)
  await new Promise((resolve) => setTimeout(resolve, settleS * 1000))
  const t0 = threadCpuMs()
  await new Promise((resolve) => setTimeout(resolve, windowS * 1000))
  const t1 = threadCpuMs()
  const n = workers * perWorker
  const per = Object.fromEntries(Object.keys(t1).map((k) => [k, +((t1[k] - (t0[k] ?? 0)) / windowS / n).toFixed(3)]).filter(([, v]) => v > 0.001))
  const total = Object.values(per).reduce((a, b) => a + b, 0)
  for (const worker of started) worker.postMessage('peers')
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const sorted = peers.sort((a, b) => a - b)
  console.log(`window ${windowS} s: ${total.toFixed(3)} ms/s per node`, JSON.stringify(per), `peers per node ${sorted[0]}/${sorted[sorted.length >> 1]}/${sorted[sorted.length - 1]}`)
  process.exit(0)
} else {
  const { connect } = await import('../../packages/pubsub/dist/index.js')
  const { noopLogger } = await import('../../packages/logger/dist/index.js')
  const { secrets, first, authorized } = workerData
  let bootstrap = workerData.bootstrap
  const dbs = []
  for (const [j, secret] of secrets.entries()) {
    const i = first + j
    const db = await connect({
      walletPrivateKey: secret,
      databaseName: 'idle',
      getAuthorizedWallets: async () => authorized,
      getBootstrapNodes: async () => bootstrap,
      listenHost: `127.1.${Math.floor(i / 250)}.${1 + (i % 250)}`,
      listenPorts: { quic: 0, tcp: 0 },
      node: { transports: { quic: true, tcp: false } },
      logger: noopLogger,
    })
    await db.subscribe('idle', () => {})
    if (i === 0) {
      const quic = db.multiaddrs().find((a) => a.includes('/quic-v1'))
      bootstrap = [{ publicKey: db.wallet, ip: '127.1.0.1', quicPort: Number(quic.split('/')[4]) }]
      parentPort.postMessage({ quicPort: Number(quic.split('/')[4]) })
    }
    dbs.push(db)
  }
  if (first !== 0) parentPort.postMessage({ up: true })
  parentPort.on('message', () => parentPort.postMessage({ type: 'peers', peers: dbs.map((d) => d.peers().length) }))
}
