import { Keypair, PublicKey } from '@solana/web3.js'
import { describe, expect, it } from 'vitest'
import {
  bootstrapNodeToMultiaddrs,
  parseSecretKey,
  peerIdToWallet,
  walletToBase58,
  walletToBytes,
  walletToPeerId,
} from '../src/index.js'
import { VECTOR_PEER_ID, VECTOR_SEED, VECTOR_WALLET } from './vector.js'

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

/** Base58 written out here, so the PeerId below does not rely on this package's own encoder. */
function base58ByHand(bytes: Uint8Array): string {
  let value = 0n
  for (const byte of bytes) value = value * 256n + BigInt(byte)
  let text = ''
  while (value > 0n) {
    text = BASE58_ALPHABET.charAt(Number(value % 58n)) + text
    value /= 58n
  }
  for (const byte of bytes) {
    if (byte !== 0) break
    text = `1${text}`
  }
  return text
}

/**
 * The libp2p PeerId of an Ed25519 public key, built from the spec (peer-ids.md): the identity
 * multihash (0x00, length 36) of the protobuf PublicKey { Type: Ed25519 (0x08 0x01), Data (0x12 0x20) }.
 */
function peerIdByHand(publicKey: Uint8Array): string {
  return base58ByHand(Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...publicKey]))
}

const RANDOM_KEYS = 1000

describe('agreement with @solana/web3.js 1.99', () => {
  it('the hand-built PeerId of the fixed vector matches the hard-coded vector', () => {
    const keypair = Keypair.fromSeed(VECTOR_SEED)
    expect(keypair.publicKey.toBase58()).toBe(VECTOR_WALLET)
    expect(peerIdByHand(keypair.publicKey.toBytes())).toBe(VECTOR_PEER_ID)
  })

  it(`derives the same wallet and a round-tripping PeerId for ${RANDOM_KEYS} random keys`, () => {
    const started = performance.now()
    let checked = 0
    for (let i = 0; i < RANDOM_KEYS; i++) {
      const keypair = Keypair.generate()
      const wallet = keypair.publicKey.toBase58()
      // Alternate the input forms so every one of them meets random keys.
      const input =
        i % 4 === 0
          ? keypair
          : i % 4 === 1
            ? keypair.secretKey
            : i % 4 === 2
              ? base58ByHand(keypair.secretKey)
              : JSON.stringify(Array.from(keypair.secretKey))
      const identity = parseSecretKey(input)
      const peerId = identity.peerId.toString()
      if (identity.wallet !== wallet) throw new Error(`key #${i}: wallet differs from web3.js`)
      if (peerId !== peerIdByHand(keypair.publicKey.toBytes())) {
        throw new Error(`key #${i}: PeerId differs from the spec's construction`)
      }
      if (peerIdToWallet(identity.peerId) !== wallet || peerIdToWallet(peerId) !== wallet) {
        throw new Error(`key #${i}: PeerId -> wallet does not give the wallet back`)
      }
      if (!walletToPeerId(peerIdToWallet(peerId)).equals(identity.peerId)) {
        throw new Error(`key #${i}: PeerId -> wallet -> PeerId does not round-trip`)
      }
      if (walletToPeerId(keypair.publicKey).toString() !== peerId) {
        throw new Error(`key #${i}: web3.js PublicKey -> PeerId differs`)
      }
      checked++
    }
    const elapsedMs = performance.now() - started
    expect(checked).toBe(RANDOM_KEYS)
    // A log line, not an assertion: timings do not fail tests.
    console.info(`[identity] ${checked} random web3.js keys checked in ${elapsedMs.toFixed(0)} ms`)
  })

  it('accepts web3.js PublicKey objects wherever a wallet is taken', () => {
    const publicKey = new PublicKey(VECTOR_WALLET)
    expect(walletToPeerId(publicKey).toString()).toBe(VECTOR_PEER_ID)
    expect(walletToBase58(publicKey)).toBe(VECTOR_WALLET)
    expect(walletToBytes(publicKey)).toEqual(publicKey.toBytes().slice())
    const [quic] = bootstrapNodeToMultiaddrs({ publicKey, ip: '203.0.113.7', quicPort: 4001 })
    expect(quic?.toString()).toBe(`/ip4/203.0.113.7/udp/4001/quic-v1/p2p/${VECTOR_PEER_ID}`)
  })

  it('accepts a web3.js Keypair as a secret key', () => {
    const keypair = Keypair.fromSeed(VECTOR_SEED)
    const identity = parseSecretKey(keypair)
    expect(identity.wallet).toBe(keypair.publicKey.toBase58())
    expect(new PublicKey(identity.walletBytes).equals(keypair.publicKey)).toBe(true)
  })
})
