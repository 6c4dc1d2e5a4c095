// Where an event's time goes in @depin/pubsub, steady rate, 3 nodes: publish() call → GossipSub
// 'message' at the subscriber (network, GossipSub, our topic validator) → our handler (delivery
// queue). node dist/diagnose-latency.js [tcp|quic] [events] [rate] [bytes]
import { acquireNode } from '@depin/infrastructure'
import { connect, type Database } from '@depin/pubsub'
import { generateWallets } from '@depin/test-utils'
import { percentile } from '@depin/test-utils/stats'
import { multiaddr } from '@multiformats/multiaddr'
import { sleep } from './stats.js'

const [transport = 'tcp', countArg = '300', rateArg = '100', sizeArg = '1024'] = process.argv.slice(2)
const count = Number(countArg)
const rate = Number(rateArg)
const ws = generateWallets(3)
const authorized = ws.map((w) => w.wallet)
const dbs: Database[] = []
for (const w of ws) {
  dbs.push(
    await connect({
      walletPrivateKey: w.secretKeyBase58,
      databaseName: 'diag',
      getAuthorizedWallets: async () => authorized,
      getBootstrapNodes: async () => [],
      listenHost: '127.0.0.1',
      listenPorts: { quic: 0, tcp: 0 },
      node: { transports: { quic: transport === 'quic', tcp: transport === 'tcp' } },
    }),
  )
}
const leases = await Promise.all(
  ws.map((w) => acquireNode({ identity: w.identity, getBootstrapNodes: async () => [] })),
)
for (let i = 0; i < 3; i++)
  for (let j = i + 1; j < 3; j++)
    await leases[i]?.node.libp2p.dial((dbs[j] as Database).multiaddrs().map((a) => multiaddr(a)))
const sentAt = new Float64Array(count)
const gossipAt = new Float64Array(count)
const handlerAt = new Float64Array(count)
const decoder = new TextDecoder()
leases[1]?.node.libp2p.services.pubsub.addEventListener('message', (evt) => {
  if (evt.detail.topic !== 'diag_t') return
  const s = (JSON.parse(decoder.decode(evt.detail.data)) as { message: { s: number } }).message.s
  gossipAt[s] = performance.now()
})
await (dbs[1] as Database).subscribe<{ s: number }>('t', (e) => {
  handlerAt[e.message.s] = performance.now()
})
await (dbs[2] as Database).subscribe('t', () => {})
await (dbs[0] as Database).subscribe('t', () => {})
await (dbs[0] as Database).waitForTopicPeers('t', { min: 2, timeoutMs: 30_000 })
const padding = 'x'.repeat(Number(sizeArg))
const start = performance.now()
for (let s = 0; s < count; s++) {
  const wait = start + (s * 1000) / rate - performance.now()
  if (wait > 1) await sleep(wait)
  sentAt[s] = performance.now()
  await (dbs[0] as Database).publish('t', { s, p: padding })
}
await sleep(2_000)
const wire: number[] = []
const delivery: number[] = []
for (let s = 10; s < count; s++) {
  if (gossipAt[s] === 0 || handlerAt[s] === 0) continue
  wire.push((gossipAt[s] as number) - (sentAt[s] as number))
  delivery.push((handlerAt[s] as number) - (gossipAt[s] as number))
}
const f = (v: number[]) => `p50 ${percentile(v, 50).toFixed(2)} p99 ${percentile(v, 99).toFixed(2)} ms`
process.stdout.write(
  `samples ${wire.length}\npublish() → gossipsub 'message' at subscriber: ${f(wire)}\ngossipsub 'message' → our handler: ${f(delivery)}\n`,
)
await Promise.all(leases.map((l) => l.release()))
await Promise.all(dbs.map((d) => d.disconnect()))
process.exit(0)
