import { randomBytes } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js'
import { expect, test } from 'vitest'
import {
  encodeBase58,
  generateWallet,
  InvalidWalletError,
  isSmallOrderPoint,
  walletToBytes,
  walletToPeerId,
} from '../src/index.js'

const P = 2n ** 255n - 19n
const SIGN = 2n ** 255n
const Point = ed25519.Point

/** What Go's decoder makes of 32 bytes (non-canonical y and "-0" accepted), or undefined. */
function decodeLoose(bytes: Uint8Array): InstanceType<typeof Point> | undefined {
  try {
    return Point.fromBytes(bytes, true)
  } catch {
    return undefined
  }
}

/** Every encoding that decodes to one of the eight small-order points: y or y + p, either sign. */
function smallOrderEncodings(): Uint8Array[] {
  const order8 = Point.fromBytes(
    Uint8Array.from(Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex')),
  )
  const ys = new Set<bigint>()
  for (let i = 0n; i < 8n; i++) ys.add(bytesToNumberLE(order8.multiplyUnsafe(i).toBytes()) % SIGN)
  const out: Uint8Array[] = []
  for (const y of ys) {
    for (const value of [y, y + P]) {
      if (value >= SIGN) continue
      for (const sign of [0n, SIGN]) out.push(numberToBytesLE(value | sign, 32))
    }
  }
  return out
}

test('every encoding of the eight small-order points is one, and refused as a wallet naming it', () => {
  const encodings = smallOrderEncodings()
  // y ∈ {0, 1, p - 1, two of order 8} and the non-canonical p, p + 1; each with either sign bit.
  expect(encodings).toHaveLength(14)
  for (const bytes of encodings) {
    expect(decodeLoose(bytes)?.isSmallOrder(), encodeBase58(bytes)).toBe(true)
    expect(isSmallOrderPoint(bytes), encodeBase58(bytes)).toBe(true)
    expect(() => walletToBytes(encodeBase58(bytes))).toThrow(
      new RegExp(`${encodeBase58(bytes)} is a small-order point, not a wallet`),
    )
    expect(() => walletToPeerId(bytes)).toThrow(InvalidWalletError)
  }
})

test('isSmallOrderPoint agrees with decoding and multiplying by the cofactor', () => {
  const inputs: Uint8Array[] = []
  // Every non-canonical y (p ≤ y < 2^255), either sign, where Go's lenient decoding differs most.
  for (let y = P; y < SIGN; y++) for (const sign of [0n, SIGN]) inputs.push(numberToBytesLE(y | sign, 32))
  // Points of mixed order (a prime-order point plus a small-order one): someone may hold their key,
  // and Go, OpenSSL and libsodium agree on their signatures, so they stay wallets.
  const order8 = Point.fromBytes(smallOrderEncodings()[4] ?? new Uint8Array(32), true)
  for (let i = 0; i < 8; i++)
    inputs.push(
      Point.BASE.multiply(BigInt(i + 1))
        .add(order8)
        .toBytes(),
    )
  for (let i = 0; i < 300; i++) inputs.push(Uint8Array.from(randomBytes(32)))
  for (let i = 0; i < 100; i++) inputs.push(walletToBytes(generateWallet().wallet))
  for (const bytes of inputs) {
    expect(isSmallOrderPoint(bytes), encodeBase58(bytes)).toBe(decodeLoose(bytes)?.isSmallOrder() ?? false)
  }
  // Not 32 bytes: not a point at all.
  expect(isSmallOrderPoint(new Uint8Array(31))).toBe(false)
  expect(isSmallOrderPoint(new Uint8Array(33))).toBe(false)
})

test('real wallets are unaffected', () => {
  for (let i = 0; i < 50; i++) {
    const { wallet, identity } = generateWallet()
    expect(walletToPeerId(wallet).equals(identity.peerId)).toBe(true)
  }
})
