import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'

// patches/@chainsafe__libp2p-noise@17.0.0.patch: Noise compiled and instantiated its WebAssembly
// ChaCha20-Poly1305 and SHA-256 when imported, ~5.7 MB of resident memory in a node that never runs
// a Noise session (QUIC only; bench/README.md, "WebAssembly at import"), and an import error where
// WebAssembly is off. Now they are compiled on first use, node:crypto serving until then. Each case
// runs in a child process: in this one, some other import may have loaded the module already.

const run = promisify(execFile)
const cwd = fileURLToPath(new URL('..', import.meta.url))

const child = async (flags: string[], script: string): Promise<Record<string, unknown>> => {
  const { stdout, stderr } = await run(process.execPath, [...flags, '--input-type=module', '-e', script], {
    cwd,
    timeout: 30_000,
  })
  expect(stderr).toBe('')
  return JSON.parse(stdout) as Record<string, unknown>
}

// A small frame (under 1200 bytes: the WebAssembly implementation's share), its key and nonce.
const FRAME = `
const k = new Uint8Array(32).fill(7), nonce = new Uint8Array(12).fill(1), ad = new Uint8Array(0)
const frame = new Uint8Array(100).fill(42)
const bytes = (b) => Buffer.from(b.subarray())
`

test('importing Noise compiles no WebAssembly; the first small frame starts it, and both implementations agree', async () => {
  const result = await child(
    [],
    `
let instances = 0
WebAssembly.Instance = new Proxy(WebAssembly.Instance, {
  construct: (target, args) => { instances++; return Reflect.construct(target, args) },
})
const { noise } = await import('@chainsafe/libp2p-noise')
const { defaultCrypto, asCrypto, nodeCrypto, loadAsCrypto } = await import('@chainsafe/libp2p-noise/crypto')
noise()
const atImport = instances
${FRAME}
const before = bytes(defaultCrypto.chaCha20Poly1305Encrypt(frame, nonce, ad, k))
await loadAsCrypto()
const after = bytes(defaultCrypto.chaCha20Poly1305Encrypt(frame, nonce, ad, k))
process.stdout.write(JSON.stringify({
  atImport,
  afterFirstUse: instances,
  sameCiphertext: before.equals(after),
  opensTheEarlierOne: bytes(defaultCrypto.chaCha20Poly1305Decrypt(before, nonce, ad, k)).equals(frame),
  sameDigest: bytes(asCrypto.hashSHA256(frame)).equals(bytes(nodeCrypto.hashSHA256(frame))),
}))
`,
  )
  expect(result).toEqual({
    atImport: 0,
    // ChaCha20 and ChaCha20-Poly1305's instances, and SHA-256's.
    afterFirstUse: 3,
    sameCiphertext: true,
    opensTheEarlierOne: true,
    sameDigest: true,
  })
})

test('without WebAssembly (node --jitless) Noise imports and seals and opens frames through node:crypto', async () => {
  // Unpatched, the import itself throws: "WebAssembly is not defined".
  const result = await child(
    ['--jitless'],
    `
const { defaultCrypto, loadAsCrypto } = await import('@chainsafe/libp2p-noise/crypto')
${FRAME}
const first = bytes(defaultCrypto.chaCha20Poly1305Encrypt(frame, nonce, ad, k))
const load = await loadAsCrypto().then(() => 'loaded', (err) => err.name)
const second = bytes(defaultCrypto.chaCha20Poly1305Encrypt(frame, nonce, ad, k))
process.stdout.write(JSON.stringify({
  webAssembly: typeof WebAssembly,
  load,
  sameCiphertext: first.equals(second),
  opens: bytes(defaultCrypto.chaCha20Poly1305Decrypt(second, nonce, ad, k)).equals(frame),
}))
`,
  )
  expect(result).toEqual({
    webAssembly: 'undefined',
    load: 'ReferenceError',
    sameCiphertext: true,
    opens: true,
  })
})
