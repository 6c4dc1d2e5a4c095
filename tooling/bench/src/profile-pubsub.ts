// One system alone, for a CPU profile of where its time goes (the suite interleaves systems in one
// process, so its profiles mix them):
//   node --cpu-prof --cpu-prof-dir=prof dist/profile-pubsub.js ours|raw [tcp|quic] [nodes] [events] [bytes] [burst|steady] [rate]
import { createOursNetwork, createRawNetwork } from './networks.js'
import { type Mode, measureRun } from './pubsub-bench.js'
import type { BenchTransport } from './raw-node.js'

const [
  system = 'ours',
  transport = 'tcp',
  nodes = '3',
  count = '2000',
  size = '1024',
  mode = 'burst',
  rate = '100',
] = process.argv.slice(2)
const create = system === 'raw' ? createRawNetwork : createOursNetwork
const net = await create(Number(nodes), transport as BenchTransport, Number(size))
await measureRun(net, { mode: 'burst', count: 50, rate: 1, size: Number(size) })
const figures = []
for (let i = 0; i < 3; i++)
  figures.push(
    await measureRun(net, {
      mode: mode as Mode,
      count: Number(count),
      rate: Number(rate),
      size: Number(size),
    }),
  )
await net.stop()
process.stdout.write(`${JSON.stringify({ system, transport, nodes, count, size, figures })}\n`)
process.exit(0)
