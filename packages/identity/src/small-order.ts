import { fromString } from 'uint8arrays/from-string'

/**
 * The encodings, sign bit cleared, of the eight small-order points of edwards25519, canonical or
 * not: y = 0 (order 4), 1 (the identity), the two y of order 8, p - 1 (order 2), and p, p + 1 (0 and
 * 1 again). libsodium's `ge25519_has_small_order` checks the same list.
 */
const SMALL_ORDER_Y: readonly Uint8Array[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((hex) => fromString(hex, 'base16'))

/**
 * Whether 32 bytes encode a small-order edwards25519 point (with either sign bit). No one holds the
 * secret key of such a "wallet", and Ed25519 verifiers disagree on signatures under it
 * (libp2p/specs#593): Go's crypto/ed25519, which go-libp2p uses, accepts a signature that anyone can
 * make under the identity point, while libsodium and OpenSSL 3.5 refuse it. So it is never a wallet.
 */
export function isSmallOrderPoint(bytes: Uint8Array): boolean {
  if (bytes.length !== 32) return false
  for (const y of SMALL_ORDER_Y) {
    let same = ((bytes[31] as number) & 0x7f) === y[31]
    for (let i = 0; i < 31 && same; i++) same = bytes[i] === y[i]
    if (same) return true
  }
  return false
}
