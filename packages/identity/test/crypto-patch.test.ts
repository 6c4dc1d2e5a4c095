import crypto from 'node:crypto'
import { generateKeyPair, publicKeyFromRaw } from '@libp2p/crypto/keys'
import { afterEach, expect, test, vi } from 'vitest'
import { ed25519Module, sodiumOfPatch } from './crypto-patch-module.js'

// patches/@libp2p__crypto@5.1.23.patch with libsodium (sodium-native, an optional dependency that
// this repository installs): it signs and verifies Ed25519 instead of OpenSSL (verifying 2.1x,
// signing 1.8x faster here; bench/README.md, "Ed25519 through libsodium"), and every verdict stays
// OpenSSL's (and Go's): what libsodium refuses, OpenSSL checks again. The OpenSSL path itself:
// crypto-patch-openssl.test.ts.

afterEach(() => {
  vi.restoreAllMocks()
})

const encode = (text: string): Uint8Array => new TextEncoder().encode(text)
const b64u = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')
/** Node's own verdict (OpenSSL), the reference the patch must match. */
function opensslVerify(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): boolean {
  const key = crypto.createPublicKey({
    format: 'jwk',
    key: { kty: 'OKP', crv: 'Ed25519', x: b64u(publicKey) },
  })
  return crypto.verify(null, message, key, signature)
}

test('libsodium signs and verifies where it loads', async () => {
  expect((await ed25519Module()).ed25519Backend()).toBe('libsodium')
})

test('signatures are the ones OpenSSL makes, and need no KeyObject', async () => {
  const key = await generateKeyPair('Ed25519')
  const createPrivateKey = vi.spyOn(crypto, 'createPrivateKey')
  const messages = Array.from({ length: 20 }, (_, i) => encode(`event ${i}`))
  const signatures = await Promise.all(messages.map((m) => key.sign(m)))
  expect(createPrivateKey).not.toHaveBeenCalled()
  vi.restoreAllMocks()
  const openssl = crypto.createPrivateKey({
    format: 'jwk',
    key: { kty: 'OKP', crv: 'Ed25519', d: b64u(key.raw.subarray(0, 32)), x: b64u(key.publicKey.raw) },
  })
  for (const [i, m] of messages.entries()) {
    expect(b64u(signatures[i] ?? new Uint8Array())).toBe(b64u(crypto.sign(null, m, openssl)))
    expect(opensslVerify(key.publicKey.raw, signatures[i] ?? new Uint8Array(), m)).toBe(true)
  }
})

test('libsodium verifies valid signatures; OpenSSL is asked only about the ones it refuses', async () => {
  const key = await generateKeyPair('Ed25519')
  const message = encode('hello')
  const signature = await key.sign(message)
  const sodium = sodiumOfPatch()
  const fast = vi.spyOn(sodium, 'crypto_sign_verify_detached')
  const slow = vi.spyOn(crypto, 'verify')
  // GossipSub rebuilds the signer's key from the message for every message it receives.
  for (let i = 0; i < 50; i++) {
    expect(await publicKeyFromRaw(key.publicKey.raw.slice()).verify(message, signature)).toBe(true)
  }
  expect(fast).toHaveBeenCalledTimes(50)
  expect(slow).not.toHaveBeenCalled()
  const tampered = signature.slice()
  tampered[0] = (tampered[0] ?? 0) ^ 1
  expect(await key.publicKey.verify(message, tampered)).toBe(false)
  expect(await key.publicKey.verify(encode('hellO'), signature)).toBe(false)
  expect(await (await generateKeyPair('Ed25519')).publicKey.verify(message, signature)).toBe(false)
  expect(slow).toHaveBeenCalledTimes(3)
})

test('verdicts are OpenSSL’s on small-order points, unreduced S and zeros', async () => {
  const { hashAndVerify } = await ed25519Module()
  const sodium = sodiumOfPatch()
  const key = await generateKeyPair('Ed25519')
  const message = encode('event')
  const valid = await key.sign(message)
  // The identity point as public key and as R, with S = 0: [S]B = R + [h]A holds for any message
  // without a cofactor; libsodium refuses small-order points.
  const identity = new Uint8Array(32)
  identity[0] = 1
  const smallOrder = { key: identity, sig: new Uint8Array([...identity, ...new Uint8Array(32)]) }
  // S = S + L (not reduced): refused by all.
  const L = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
  ]
  const unreduced = valid.slice()
  let carry = 0
  for (let i = 0; i < 32; i++) {
    const sum = (unreduced[32 + i] ?? 0) + (L[i] ?? 0) + carry
    unreduced[32 + i] = sum & 0xff
    carry = sum >> 8
  }
  const cases = [
    { name: 'small-order key and R', key: smallOrder.key, sig: smallOrder.sig },
    { name: 'unreduced S', key: key.publicKey.raw, sig: unreduced },
    { name: 'all zero', key: new Uint8Array(32), sig: new Uint8Array(64) },
    { name: 'valid', key: key.publicKey.raw, sig: valid },
  ]
  for (const c of cases) {
    expect(hashAndVerify(c.key, c.sig, message), c.name).toBe(opensslVerify(c.key, c.sig, message))
  }
  // libsodium refuses the small-order case; OpenSSL 3.5 does too (so the fallback cannot be seen
  // changing a verdict here, only keeping them equal).
  expect(sodium.crypto_sign_verify_detached(smallOrder.sig, message, smallOrder.key)).toBe(false)
})
