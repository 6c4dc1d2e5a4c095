// CPU and wall time per QUIC round trip on one thread while other calls wait, with the binding the
// loader finds (NAPI_RS_NATIVE_LIBRARY_PATH picks a build). A server and a client in this process;
// `idle` streams each with a read pending (what every open stream of a node has), spread over
// connections of 50 streams; then 20,000 round trips of 64 bytes on one more stream.
// Usage (from packages/infrastructure, so the packages resolve):
//   NAPI_RS_NATIVE_LIBRARY_PATH=<.node> node ../../bench/results/quic-completions-2026-12-06.mjs <idle>
// Prints one JSON line.
import { createRequire, findPackageJSON } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

const from = pathToFileURL(join(process.cwd(), 'package.json'))
const packageDir = (name) => dirname(findPackageJSON(name, from))
const require = createRequire(from)
const napi = require(join(packageDir('@chainsafe/libp2p-quic'), 'dist/src/napi.js'))
const keys = require(join(packageDir('@libp2p/crypto'), 'dist/src/keys/index.js'))

const idle = Number(process.argv[2] ?? 0)
const ROUND_TRIPS = Number(process.env.ROUND_TRIPS ?? 20_000)
const STREAMS_PER_CONNECTION = 50

const config = async () =>
  new napi.QuinnConfig({
    privateKeyProto: keys.privateKeyToProtobuf(await keys.generateKeyPair('Ed25519')),
    handshakeTimeout: 5_000,
    maxIdleTimeout: 30_000,
    keepAliveInterval: 5_000,
    maxConcurrentStreamLimit: 256,
    maxStreamData: 10_000_000,
    maxConnectionData: 15_000_000,
    receiveBufferSize: 500_000,
    sendBufferSize: 500_000,
  })

const server = new napi.Server(await config(), '127.0.0.1', 0)
const client = new napi.Client(await config(), 0)
const connect = () => Promise.all([server.inboundConnection(), client.outboundConnection('127.0.0.1', server.port())])

// A stream both ends have seen (a stream reaches its peer with its first bytes), a read pending on each end.
const openPair = async (inbound, outbound) => {
  const accepting = inbound.inboundStream()
  const out = await outbound.outboundStream()
  await out.write(new Uint8Array([0]))
  const into = await accepting
  await into.read(1)
  return { out, into }
}

const connections = []
for (let opened = 0; opened < idle; ) {
  const pair = await connect()
  connections.push(pair)
  for (let s = 0; s < STREAMS_PER_CONNECTION && opened < idle; s += 2, opened += 2) {
    const { out, into } = await openPair(...pair)
    out.read(1).catch(() => {})
    into.read(1).catch(() => {})
  }
}

const [inbound, outbound] = await connect()
const { out, into } = await openPair(inbound, outbound)
const ping = new Uint8Array(64).fill(1)
const readFull = async (stream, n) => {
  let got = 0
  while (got < n) got += (await stream.read(1024))?.length ?? 0
}
// Warm-up, then the measured round trips: out -> into, into -> out.
for (let i = 0; i < 200; i++) {
  await out.write(ping)
  await readFull(into, 64)
  await into.write(ping)
  await readFull(out, 64)
}
const cpu0 = process.cpuUsage()
const t0 = performance.now()
for (let i = 0; i < ROUND_TRIPS; i++) {
  await out.write(ping)
  await readFull(into, 64)
  await into.write(ping)
  await readFull(out, 64)
}
const wallMs = performance.now() - t0
const cpu = process.cpuUsage(cpu0)
process.stdout.write(
  `${JSON.stringify({
    binding: process.env.NAPI_RS_NATIVE_LIBRARY_PATH ?? 'installed',
    idlePendingReads: idle,
    roundTrips: ROUND_TRIPS,
    // process.cpuUsage: every thread of the process (the JS thread and the QUIC runtime's).
    cpuUsPerRoundTrip: Math.round((cpu.user + cpu.system) / ROUND_TRIPS),
    wallUsPerRoundTrip: Math.round((wallMs * 1000) / ROUND_TRIPS),
  })}\n`,
)
process.exit(0)
