// Server with a given QUIC idle timeout; a child dials it and is SIGKILLed after K ms. With PROXY=1 the dial goes
// through a UDP proxy that forwards only the first K datagrams (default 1: the Initial), leaving the server a
// half-open handshake. Prints how long the server endpoint's abort() (listener close) took.
// node quic-half-open-stop-2026-12-05.mjs IDLE_MS KILL_AFTER_MS   (paths below are this checkout's pnpm store)
import { spawn } from 'node:child_process'
import { generateKeyPair, privateKeyToProtobuf } from '/work/main/node_modules/.pnpm/@libp2p+crypto@5.1.23_patch_hash=dc31d001abd26d0bfb52dd7514b65dd1b73bfdd930e1f41a1abed19bd299c108/node_modules/@libp2p/crypto/dist/src/keys/index.js'
import * as napi from '/work/main/node_modules/.pnpm/@chainsafe+libp2p-quic@2.1.1_patch_hash=62c70e6448344f428f186c79edec50b4faa01c630a3805e853c424e16012fc08/node_modules/@chainsafe/libp2p-quic/dist/src/napi.js'
const idle = Number(process.argv[2] ?? 30000)
if (process.argv[3] === 'child') {
  const key = await generateKeyPair('Ed25519')
  const cfg = new napi.QuinnConfig({ handshakeTimeout: 5000, maxIdleTimeout: idle, keepAliveInterval: idle / 2, maxConcurrentStreamLimit: 256, maxStreamData: 1e7, maxConnectionData: 1.5e7, receiveBufferSize: 5e5, sendBufferSize: 5e5, privateKeyProto: privateKeyToProtobuf(key) })
  const client = new napi.Client(cfg, 0)
  client.outboundConnection('127.0.0.1', Number(process.argv[4])).catch(() => {})
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), Number(process.argv[5] ?? 1))
} else {
  const key = await generateKeyPair('Ed25519')
  const cfg = new napi.QuinnConfig({ handshakeTimeout: 5000, maxIdleTimeout: idle, keepAliveInterval: idle / 2, maxConcurrentStreamLimit: 256, maxStreamData: 1e7, maxConnectionData: 1.5e7, receiveBufferSize: 5e5, sendBufferSize: 5e5, privateKeyProto: privateKeyToProtobuf(key) })
  const server = new napi.Server(cfg, '127.0.0.1', 0)
  const port = server.port()
  let accepted = 0
  ;(async () => { for (;;) { try { await server.inboundConnection(); accepted++ } catch { break } } })()
  const dgram = await import('node:dgram')
  const proxy = dgram.createSocket('udp4'); let forwarded = 0
  let clientPort; const K = Number(process.env.K ?? 1)
  proxy.on('message', (msg, rinfo) => { if (forwarded >= K) return; forwarded++; if (rinfo.port !== port) { clientPort = rinfo.port; proxy.send(msg, port, '127.0.0.1') } else proxy.send(msg, clientPort, '127.0.0.1') })
  await new Promise((r) => proxy.bind(0, '127.0.0.1', r))
  const child = spawn(process.execPath, [process.argv[1], String(idle), 'child', String(process.env.PROXY ? proxy.address().port : port), process.argv[3] ?? '1'], { stdio: 'inherit' })
  await new Promise((r) => child.on('exit', r))
  await new Promise((r) => setTimeout(r, 300))
  const t0 = performance.now()
  await server.abort()
  proxy.close(); console.log('forwarded', forwarded, 'idle', idle, 'killAfterMs', process.argv[3] ?? '1', 'accepted', accepted, 'abort took', Math.round(performance.now() - t0), 'ms')
}
