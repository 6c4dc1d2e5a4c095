// Ed25519 verification alone, three implementations on one machine, interleaved rounds: Node's
// crypto (OpenSSL; a KeyObject reused, as our @libp2p/crypto patch does), libsodium through
// sodium-native (not a dependency of this repo: install it anywhere and pass the package's path),
// and @noble/curves (what @libp2p/crypto uses in browsers). A 1100-byte message, about a GossipSub
// message carrying a 1 KiB event.
// Usage: node ed25519-verify-2026-12-07.mjs [path/to/node_modules/sodium-native] [rounds]
import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(fileURLToPath(new URL('../../packages/identity/package.json', import.meta.url)))
const sodiumPath = process.argv[2]
const rounds = Number(process.argv[3] ?? 5)
const sodium = sodiumPath ? require(sodiumPath) : undefined
const { ed25519 } = await import(require.resolve('@noble/curves/ed25519.js'))

const seed = crypto.randomBytes(32)
const pk = ed25519.getPublicKey(seed)
const msg = crypto.randomBytes(1100)
const sig = ed25519.sign(msg, seed)
const keyObject = crypto.createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(pk).toString('base64url') } })

const time = (n, verify) => {
  const t = process.hrtime.bigint()
  for (let i = 0; i < n; i++) if (!verify()) throw new Error('a valid signature failed to verify')
  return Number(process.hrtime.bigint() - t) / n / 1000
}
const rows = []
for (let r = 0; r < rounds; r++) {
  const row = { openssl: time(10_000, () => crypto.verify(null, msg, keyObject, sig)) }
  if (sodium) row.libsodium = time(10_000, () => sodium.crypto_sign_verify_detached(Buffer.from(sig), msg, Buffer.from(pk)))
  row.noble = time(500, () => ed25519.verify(sig, msg, pk))
  rows.push(row)
  console.log(Object.entries(row).map(([k, v]) => `${k} ${v.toFixed(1)} µs`).join('  '))
}
const median = (k) => rows.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(rows.length / 2)]
console.log(JSON.stringify({ node: process.version, openssl: process.versions.openssl, medianUs: Object.fromEntries(Object.keys(rows[0]).map((k) => [k, median(k)])) }))
