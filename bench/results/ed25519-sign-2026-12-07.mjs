// Ed25519 signing alone, Node's crypto (OpenSSL, a KeyObject reused as our @libp2p/crypto patch did before
// libsodium) against libsodium through sodium-native, 1100-byte message, 3 interleaved rounds of 5000.
// Usage: node ed25519-sign-2026-12-07.mjs [path/to/node_modules/sodium-native]
import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
const require = createRequire(fileURLToPath(new URL('../../tooling/bench/package.json', import.meta.url)))
const sodium = require(process.argv[2] ?? 'sodium-native')
const pk = Buffer.alloc(32), sk = Buffer.alloc(64)
sodium.crypto_sign_keypair(pk, sk)
const msg = crypto.randomBytes(1100)
const ko = crypto.createPrivateKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', d: sk.subarray(0, 32).toString('base64url'), x: pk.toString('base64url') } })
const time = (n, f) => { const t = process.hrtime.bigint(); for (let i = 0; i < n; i++) f(); return Number(process.hrtime.bigint() - t) / n / 1000 }
for (let r = 0; r < 3; r++) {
  const a = time(5000, () => crypto.sign(null, msg, ko))
  const out = new Uint8Array(64)
  const b = time(5000, () => sodium.crypto_sign_detached(out, msg, sk))
  console.log('sign openssl', a.toFixed(1), 'µs  libsodium', b.toFixed(1), 'µs')
}
const s1 = crypto.sign(null, msg, ko), s2 = new Uint8Array(64)
sodium.crypto_sign_detached(s2, msg, sk)
console.log('the same signature:', Buffer.from(s2).equals(s1))
