import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import {
  DepinError,
  decodeBase58,
  InvalidPeerIdError,
  InvalidWalletError,
  peerIdToWallet,
  peerIdToWalletBytes,
  type WalletInput,
  walletToBase58,
  walletToBytes,
  walletToPeerId,
} from '../src/index.js'
import { VECTOR_PEER_ID, VECTOR_WALLET } from './vector.js'

const vectorBytes = decodeBase58(VECTOR_WALLET)

// A well-known RSA PeerId (an IPFS bootstrap node): its identifier is a hash, not the key.
const RSA_PEER_ID = 'QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN'

describe('walletToPeerId', () => {
  const inputs: Array<[string, WalletInput]> = [
    ['base58', VECTOR_WALLET],
    ['base58 with whitespace', ` ${VECTOR_WALLET}\n`],
    ['Uint8Array', Uint8Array.from(vectorBytes)],
    ['Buffer', Buffer.from(vectorBytes)],
    ['{ toBytes() }', { toBytes: () => Uint8Array.from(vectorBytes) }],
    ['{ toBase58() }', { toBase58: () => VECTOR_WALLET }],
  ]
  it.each(inputs)('maps a wallet given as %s to its PeerId', (_label, input) => {
    const peerId = walletToPeerId(input)
    expect(peerId.toString()).toBe(VECTOR_PEER_ID)
    expect(peerId.type).toBe('Ed25519')
    expect(walletToBase58(input)).toBe(VECTOR_WALLET)
    expect(walletToBytes(input)).toEqual(Uint8Array.from(vectorBytes))
  })

  it('keeps no reference to the caller bytes', () => {
    const bytes = Uint8Array.from(vectorBytes)
    const peerId = walletToPeerId(bytes)
    bytes.fill(0)
    expect(peerId.toString()).toBe(VECTOR_PEER_ID)
    expect(peerIdToWallet(peerId)).toBe(VECTOR_WALLET)
    const copy = walletToBytes(vectorBytes)
    expect(copy).not.toBe(vectorBytes)
    expect(Object.getPrototypeOf(walletToBytes(Buffer.from(vectorBytes)))).toBe(Uint8Array.prototype)
  })

  const bad: Array<[string, unknown, string]> = [
    ['an empty string', '', 'expected 32 bytes, got 0'],
    ['base58 of 31 bytes', 'abc', 'expected 32 bytes'],
    ['base58 of 33 bytes', `2${VECTOR_WALLET}`, 'expected 32 bytes'],
    ['a very long string', '2'.repeat(100_000), 'too long'],
    ['characters outside base58', '0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OI', 'not valid base58'],
    ['31 bytes', new Uint8Array(31), 'expected 32 bytes, got 31'],
    ['33 bytes', new Uint8Array(33), 'expected 32 bytes, got 33'],
    ['toBytes() returning a string', { toBytes: () => VECTOR_WALLET }, 'did not return a Uint8Array'],
    [
      'toBytes() that throws',
      {
        toBytes: () => {
          throw new Error('boom')
        },
      },
      'toBytes() threw',
    ],
    ['toBase58() returning a number', { toBase58: () => 42 }, 'did not return a string'],
    ['null', null, 'expected a base58 string'],
    ['undefined', undefined, 'expected a base58 string'],
    ['a number', 42, 'expected a base58 string'],
    ['an empty object', {}, 'expected a base58 string'],
    ['an array of numbers', Array.from(vectorBytes), 'expected a base58 string'],
  ]
  it.each(bad)('rejects %s with InvalidWalletError', (_label, input, reason) => {
    for (const convert of [walletToPeerId, walletToBytes, walletToBase58]) {
      let caught: unknown
      try {
        convert(input as WalletInput)
      } catch (err) {
        caught = err
      }
      expect(caught).toBeInstanceOf(InvalidWalletError)
      expect(caught).toBeInstanceOf(DepinError)
      expect(caught).toMatchObject({ code: 'INVALID_WALLET', name: 'InvalidWalletError' })
      expect((caught as Error).message).toContain(reason)
    }
  })
})

describe('peerIdToWallet', () => {
  it('reads the wallet out of an Ed25519 PeerId object or string', () => {
    expect(peerIdToWallet(VECTOR_PEER_ID)).toBe(VECTOR_WALLET)
    expect(peerIdToWallet(peerIdFromString(VECTOR_PEER_ID))).toBe(VECTOR_WALLET)
    expect(peerIdToWalletBytes(VECTOR_PEER_ID)).toEqual(Uint8Array.from(vectorBytes))
  })

  it('hands out a copy, not the PeerId own key bytes', () => {
    const peerId = peerIdFromString(VECTOR_PEER_ID)
    peerIdToWalletBytes(peerId).fill(0)
    expect(peerIdToWallet(peerId)).toBe(VECTOR_WALLET)
  })

  it('rejects an RSA PeerId with a clear error', () => {
    const err = (() => {
      try {
        return peerIdToWallet(RSA_PEER_ID)
      } catch (caught) {
        return caught
      }
    })()
    expect(err).toBeInstanceOf(InvalidPeerIdError)
    expect(err).toMatchObject({ code: 'INVALID_PEER_ID' })
    expect((err as Error).message).toContain('key type RSA')
    expect((err as Error).message).toContain('only Ed25519 PeerIds map to Solana wallets')
    expect((err as Error).message).toContain(RSA_PEER_ID)
  })

  it('rejects a secp256k1 PeerId (object and string) with a clear error', async () => {
    const peerId = peerIdFromPrivateKey(await generateKeyPair('secp256k1'))
    for (const input of [peerId, peerId.toString()]) {
      expect(() => peerIdToWallet(input)).toThrow(InvalidPeerIdError)
      expect(() => peerIdToWallet(input)).toThrow(
        'key type secp256k1; only Ed25519 PeerIds map to Solana wallets',
      )
    }
  })

  it.each([
    ['an empty string', ''],
    ['garbage', 'not-a-peer-id'],
    ['a wallet instead of a PeerId', VECTOR_WALLET],
    ['a truncated PeerId', VECTOR_PEER_ID.slice(0, -3)],
    ['null', null],
    ['undefined', undefined],
    ['an empty object', {}],
    ['a number', 7],
  ])('rejects %s with InvalidPeerIdError', (_label, input) => {
    expect(() => peerIdToWallet(input as PeerId | string)).toThrow(InvalidPeerIdError)
  })
})
