import crypto from 'node:crypto'
import { generateKeyPair, publicKeyFromRaw } from '@libp2p/crypto/keys'
import { afterEach, expect, test, vi } from 'vitest'
import { ed25519Module } from './crypto-patch-module.js'

// patches/@libp2p__crypto@5.1.23.patch, where libsodium is off (or cannot load): Ed25519 sign/verify
// through OpenSSL reuse Node KeyObjects instead of building one from a JWK on every call (the
// largest cost of publishing and receiving events after the signature itself; see bench/README.md).
// Remove with the patch once upstream has it. The patch reads the switch when it first signs or
// verifies, which no test of this file has done yet (vitest runs each file in a fresh module graph).
process.env.LIBP2P_CRYPTO_SODIUM = 'off'

test('with LIBP2P_CRYPTO_SODIUM=off, OpenSSL signs and verifies', async () => {
  expect((await ed25519Module()).ed25519Backend()).toBe('openssl')
})

afterEach(() => {
  vi.restoreAllMocks()
})

test('Ed25519 signing builds its KeyObject once per key, and signatures stay valid', async () => {
  const key = await generateKeyPair('Ed25519')
  const createPrivateKey = vi.spyOn(crypto, 'createPrivateKey')
  const messages = Array.from({ length: 50 }, (_, i) => new TextEncoder().encode(`event ${i}`))
  const signatures = await Promise.all(messages.map((m) => key.sign(m)))
  expect(createPrivateKey).toHaveBeenCalledTimes(1)
  for (const [i, m] of messages.entries()) expect(await key.publicKey.verify(m, signatures[i]!)).toBe(true)
})

test('Ed25519 verification builds one KeyObject per public key, even from fresh copies of its bytes', async () => {
  const key = await generateKeyPair('Ed25519')
  const message = new TextEncoder().encode('hello')
  const signature = await key.sign(message)
  const createPublicKey = vi.spyOn(crypto, 'createPublicKey')
  // GossipSub rebuilds the signer's key from the message for every message it receives.
  for (let i = 0; i < 50; i++) {
    const copy = publicKeyFromRaw(key.publicKey.raw.slice())
    expect(await copy.verify(message, signature)).toBe(true)
  }
  expect(createPublicKey).toHaveBeenCalledTimes(1)
  // A cached key still rejects what it must.
  const tampered = signature.slice()
  tampered[0] = (tampered[0] ?? 0) ^ 1
  expect(await key.publicKey.verify(message, tampered)).toBe(false)
  expect(await key.publicKey.verify(new TextEncoder().encode('hellO'), signature)).toBe(false)
  const other = await generateKeyPair('Ed25519')
  expect(await other.publicKey.verify(message, signature)).toBe(false)
})
