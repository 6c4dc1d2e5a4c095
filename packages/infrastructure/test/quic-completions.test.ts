import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'

// vendor/libp2p-quic-linux-x64-gnu: @chainsafe/libp2p-quic's native binding built with
// upstream/quic-one-completion-channel/fix.patch. napi-rs settled each async call (a read, a write,
// an accept, `closed()`) through a threadsafe function of its own, a libuv async handle that every
// wake-up of the loop walks: with many streams, or many nodes on a thread, that walk was the largest
// single cost of an idle network (bench/README.md, "QUIC completions through one channel"). Now the
// calls of a thread settle through one. Each case runs the binding in a child process (the async
// hook and the event loop's life are the process's). DEPIN_TEST_QUIC_BINDING=<file.node> runs them
// on another build (the published one fails the first and the last case), through napi-rs's
// NAPI_RS_NATIVE_LIBRARY_PATH in the child only: vitest's own napi-rs modules read it too.

const run = promisify(execFile)
const cwd = fileURLToPath(new URL('..', import.meta.url))
const binding = process.env.DEPIN_TEST_QUIC_BINDING

const child = async (script: string): Promise<Record<string, unknown>> => {
  const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd,
    timeout: 30_000,
    env: binding === undefined ? process.env : { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: binding },
  })
  expect(stderr).toBe('')
  return JSON.parse(stdout) as Record<string, unknown>
}

// A config for the raw binding, with `napi` (its module) and `keys` (@libp2p/crypto's) in scope.
const CONFIG = `
const config = async () => new napi.QuinnConfig({
  privateKeyProto: keys.privateKeyToProtobuf(await keys.generateKeyPair('Ed25519')),
  handshakeTimeout: 5_000, maxIdleTimeout: 10_000, keepAliveInterval: 5_000,
  maxConcurrentStreamLimit: 256, maxStreamData: 10_000_000, maxConnectionData: 15_000_000,
  receiveBufferSize: 500_000, sendBufferSize: 500_000,
})
`

// A server and a client on loopback, one connection between them.
const SETUP = `
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
const require = createRequire(import.meta.url)
const napiPath = fileURLToPath(import.meta.resolve('@chainsafe/libp2p-quic')).replace(/index\\.js$/, 'napi.js')
const keysPath = fileURLToPath(import.meta.resolve('@libp2p/crypto/keys'))
const napi = require(napiPath)
const keys = require(keysPath)
${CONFIG}
const server = new napi.Server(await config(), '127.0.0.1', 0)
const client = new napi.Client(await config(), 0)
const [inbound, outbound] = await Promise.all([
  server.inboundConnection(),
  client.outboundConnection('127.0.0.1', server.port()),
])
`

test('the calls of a thread settle through one threadsafe function, not one each', async () => {
  const result = await child(`
import { createHook } from 'node:async_hooks'
// napi-rs names each call's resource "napi_resolve_deferred" (with a trailing NUL).
const created = { perCall: 0, shared: 0 }
createHook({
  init: (_id, type) => {
    if (type.startsWith('napi_resolve_deferred')) created.perCall++
    if (type === 'libp2p-quic completions') created.shared++
  },
}).enable()
${SETUP}
const accepting = inbound.inboundStream()
const out = await outbound.outboundStream()
// A stream reaches its peer with its first bytes.
await out.write(new Uint8Array([0]))
const into = await accepting
await into.read(1)
let echoed = 0
for (let i = 1; i <= 200; i++) {
  await out.write(new Uint8Array(64).fill(i))
  let got = 0
  while (got < 64) got += (await into.read(1024))?.length ?? 0
  echoed++
}
inbound.abort(); outbound.abort(); client.abort(); await server.abort()
process.stdout.write(JSON.stringify({ echoed, ...created }))
process.exit(0)
`)
  // Unpatched, each of the 200 writes and 200+ reads (and the accepts) created its own.
  expect(result).toEqual({ echoed: 200, perCall: 0, shared: 1 })
})

test('a pending call keeps the event loop alive, as each call did with its own', async () => {
  // Nothing else holds the loop: the write comes from an unreferenced timer, which fires only if
  // the pending accept keeps the process running until then.
  const result = await child(`
${SETUP}
const accepting = inbound.inboundStream()
setTimeout(async () => {
  const out = await outbound.outboundStream()
  await out.write(new Uint8Array([1, 2, 3]))
}, 300).unref()
const into = await accepting
const bytes = await into.read(16)
process.stdout.write(JSON.stringify({ read: [...bytes] }))
process.exit(0)
`)
  expect(result).toEqual({ read: [1, 2, 3] })
})

test('a worker thread stopped while data arrives for its calls leaves the process and the binding working', async () => {
  // The worker's calls complete after its environment is gone: they must be dropped, not settled
  // into freed memory. Five workers in a row, each stopped mid-stream; then the main thread still
  // talks QUIC. (The published binary aborts the whole process here: "failed to delete napi ref",
  // a panic while settling a stopped worker's read.)
  const result = await child(`
import { Worker } from 'node:worker_threads'
${SETUP}
const flood = async (stream) => {
  const chunk = new Uint8Array(512).fill(9)
  try { for (let i = 0; i < 2_000; i++) await stream.write(chunk) } catch {}
}
// A worker (a CommonJS script) dials the server, starts a stream and reads it until stopped.
const workerScript = \`
const { parentPort, workerData } = require('node:worker_threads')
const napi = require(workerData.napiPath)
const keys = require(workerData.keysPath)
${CONFIG}
;(async () => {
  const client = new napi.Client(await config(), 0)
  const connection = await client.outboundConnection('127.0.0.1', workerData.port)
  const stream = await connection.outboundStream()
  await stream.write(new Uint8Array([1]))
  await stream.read(512)
  parentPort.postMessage('reading')
  for (;;) await stream.read(512)
})()
\`
let stopped = 0
for (let round = 0; round < 5; round++) {
  const worker = new Worker(workerScript, {
    eval: true,
    // Not this process's --input-type=module: the script is CommonJS.
    execArgv: [],
    workerData: { napiPath, keysPath, port: server.port() },
  })
  const connection = await server.inboundConnection()
  const stream = await connection.inboundStream()
  await stream.read(16)
  const flooding = flood(stream)
  await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject) })
  await worker.terminate()
  stopped++
  connection.abort()
  await flooding
}
const accepting = inbound.inboundStream()
const out = await outbound.outboundStream()
await out.write(new Uint8Array([7, 7]))
const into = await accepting
const after = await into.read(16)
process.stdout.write(JSON.stringify({ stopped, after: [...after] }))
process.exit(0)
`)
  expect(result).toEqual({ stopped: 5, after: [7, 7] })
})
