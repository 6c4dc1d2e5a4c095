// One @depin/pubsub node in its own process for the vs-go benchmark: the TypeScript counterpart of
// `tooling/interop-go --as-shipped --print-events=false`, speaking the same JSON lines on stdout
// and the same commands on stdin, so the bench drives Go and TS nodes alike.
//
//   WALLET_PRIVATE_KEY=<base58> node dist/vs-go-node.js --db bench --authorized a,b,c \
//     [--bootstrap-node '{"publicKey","ip","quicPort"}'] [--subscribe bench]
//
// stdout: {"type":"start","peerId","wallet","addrs"} once listening, {"type":"peer","event":
// "connected","peer"} per new peer, {"type":"loaded"}, {"type":"stats"}, {"type":"memory"}. stdin:
// `load <topic> <count> <intervalMs> <size>`, `stats <topic>`, `stats-reset`, `memory`, `quit`.
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { getHeapSpaceStatistics } from 'node:v8'
import { parseSecretKey } from '@depin/identity'
import { acquireNode } from '@depin/infrastructure'
import { type BootstrapNode, connect } from '@depin/pubsub'

// performance.now() counts from the process start: this is how long Node took to boot and to load
// (and evaluate) every module before the first line of this one ran.
const loadedAtMs = performance.now()

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    'listen-host': { type: 'string', default: '127.0.0.1' },
    authorized: { type: 'string', multiple: true, default: [] },
    'bootstrap-node': { type: 'string', multiple: true, default: [] },
    subscribe: { type: 'string', multiple: true, default: [] },
  },
})

const line = (value: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(value)}\n`)
}
const nowUs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000)

const secret = process.env.WALLET_PRIVATE_KEY
if (secret === undefined || values.db === undefined) {
  process.stderr.write('vs-go-node: WALLET_PRIVATE_KEY and --db are required\n')
  process.exit(2)
}
const authorized = values.authorized.flatMap((a) => a.split(',')).filter((a) => a !== '')
const bootstrap = values['bootstrap-node'].map((json) => JSON.parse(json) as BootstrapNode)

const db = await connect({
  walletPrivateKey: secret,
  databaseName: values.db,
  getAuthorizedWallets: async () => authorized,
  getBootstrapNodes: async () => bootstrap,
  listenHost: values['listen-host'],
  listenPorts: { quic: 0, tcp: 0 },
})
const listeningAtMs = performance.now()
line({
  type: 'start',
  peerId: db.peerId,
  wallet: db.wallet,
  addrs: db.multiaddrs(),
  db: values.db,
  // Process start to modules loaded, and connect() until listening.
  loadMs: Math.round(loadedAtMs),
  connectMs: Math.round(listeningAtMs - loadedAtMs),
})

// The node of this wallet, for its connection events (the same object `connect()` runs on).
const lease = await acquireNode({ identity: parseSecretKey(secret), getBootstrapNodes: async () => [] })
lease.node.libp2p.addEventListener('peer:connect', (event) => {
  line({ type: 'peer', event: 'connected', peer: event.detail.toString() })
})

const received = new Map<string, number>()
/** Events caught up from a peer's history (missed live, e.g. a warm-up event before the mesh formed): not timed. */
const replayed = new Map<string, number>()
const latUs = new Map<string, number[]>()
for (const topic of values.subscribe) {
  await db.subscribe<{ sentUs?: number }>(topic, (event) => {
    const sent = event.message?.sentUs
    if (typeof sent !== 'number') return
    if (event.replayed === true) {
      replayed.set(topic, (replayed.get(topic) ?? 0) + 1)
      return
    }
    received.set(topic, (received.get(topic) ?? 0) + 1)
    let list = latUs.get(topic)
    if (list === undefined) {
      list = []
      latUs.set(topic, list)
    }
    list.push(nowUs() - sent)
  })
}

async function load(topic: string, count: number, intervalMs: number, size: number): Promise<void> {
  const pad = 'x'.repeat(size)
  const start = performance.now()
  let errors = 0
  for (let i = 0; i < count; i++) {
    const wait = start + i * intervalMs - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    try {
      await db.publish(topic, { seq: i, sentUs: nowUs(), pad })
    } catch {
      errors++
    }
  }
  line({ type: 'loaded', topic, count, errors, ms: Math.round(performance.now() - start) })
}

const input = createInterface({ input: process.stdin })
for await (const text of input) {
  const [command, ...args] = text.trim().split(/\s+/)
  if (command === 'quit') break
  if (command === 'load' && args.length === 4) {
    const [topic, count, intervalMs, size] = args as [string, string, string, string]
    void load(topic, Number(count), Number(intervalMs), Number(size))
  } else if (command === 'stats' && args.length === 1) {
    const topic = args[0] as string
    line({
      type: 'stats',
      topic,
      received: received.get(topic) ?? 0,
      replayed: replayed.get(topic) ?? 0,
      latUs: latUs.get(topic) ?? [],
    })
  } else if (command === 'memory') {
    // Where the resident memory is (for the bench's memory analysis), in MB.
    const mb = (n: number): number => Math.round((n / 1024 / 1024) * 10) / 10
    const usage = process.memoryUsage()
    line({
      type: 'memory',
      rss: mb(usage.rss),
      heapTotal: mb(usage.heapTotal),
      heapUsed: mb(usage.heapUsed),
      external: mb(usage.external),
      arrayBuffers: mb(usage.arrayBuffers),
      spaces: Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, mb(s.space_size)])),
    })
  } else if (command === 'stats-reset') {
    received.clear()
    replayed.clear()
    latUs.clear()
    line({ type: 'stats-reset' })
  } else if (command !== undefined && command !== '') {
    line({ type: 'error', context: 'command', error: `unknown command ${JSON.stringify(text.trim())}` })
  }
}
await lease.release()
await db.disconnect()
process.exit(0)
