import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { Ed25519PeerId, PeerId } from '@libp2p/interface'
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { decodeBase58, encodeBase58 } from './base58.js'
import { InvalidPeerIdError, InvalidWalletError } from './errors.js'
import { isSmallOrderPoint } from './small-order.js'

/** Length in bytes of an Ed25519 public key, which is a Solana wallet address. */
export const WALLET_PUBLIC_KEY_LENGTH = 32

/**
 * A wallet public key as the Solana ecosystem passes it around: a base58 string, raw bytes, or an
 * object with `toBytes()` / `toBase58()` (@solana/web3.js `PublicKey`, @solana/kit address helpers).
 */
export type WalletInput = string | Uint8Array | { toBytes(): Uint8Array } | { toBase58(): string }

// ceil(32 * log(256) / log(58)) = 44: the longest base58 text of 32 bytes.
const MAX_BASE58_WALLET_LENGTH = 44

/**
 * Returns the 32 bytes of a wallet public key (a copy: never the caller's array).
 * Throws {@link InvalidWalletError}, also for a small-order point ({@link isSmallOrderPoint}).
 */
export function walletToBytes(wallet: WalletInput): Uint8Array {
  let bytes: unknown
  if (typeof wallet === 'string') {
    bytes = base58WalletBytes(wallet)
  } else if (wallet instanceof Uint8Array) {
    bytes = wallet
  } else if (
    wallet !== null &&
    typeof wallet === 'object' &&
    'toBytes' in wallet &&
    typeof wallet.toBytes === 'function'
  ) {
    try {
      bytes = wallet.toBytes()
    } catch (cause) {
      throw new InvalidWalletError('its toBytes() threw', { cause })
    }
  } else if (
    wallet !== null &&
    typeof wallet === 'object' &&
    'toBase58' in wallet &&
    typeof wallet.toBase58 === 'function'
  ) {
    let text: unknown
    try {
      text = wallet.toBase58()
    } catch (cause) {
      throw new InvalidWalletError('its toBase58() threw', { cause })
    }
    if (typeof text !== 'string') throw new InvalidWalletError('its toBase58() did not return a string')
    bytes = base58WalletBytes(text)
  } else {
    throw new InvalidWalletError(
      'expected a base58 string, Uint8Array, or an object with toBytes()/toBase58()',
    )
  }
  if (!(bytes instanceof Uint8Array)) throw new InvalidWalletError('toBytes() did not return a Uint8Array')
  if (bytes.length !== WALLET_PUBLIC_KEY_LENGTH) {
    throw new InvalidWalletError(`expected ${WALLET_PUBLIC_KEY_LENGTH} bytes, got ${bytes.length}`)
  }
  if (isSmallOrderPoint(bytes)) {
    throw new InvalidWalletError(
      `${encodeBase58(bytes)} is a small-order point, not a wallet: no one holds its key, and Go nodes accept signatures under it that anyone can make`,
    )
  }
  // A plain Uint8Array copy: a Buffer or a caller's array must not end up inside a PeerId.
  return Uint8Array.from(bytes)
}

function base58WalletBytes(text: string): Uint8Array {
  const trimmed = text.trim()
  // Base58 decoding is quadratic in the length; reject what cannot be 32 bytes before decoding.
  if (trimmed.length > MAX_BASE58_WALLET_LENGTH) {
    throw new InvalidWalletError(
      `expected ${WALLET_PUBLIC_KEY_LENGTH} bytes, got a ${trimmed.length}-character string (too long for base58 of ${WALLET_PUBLIC_KEY_LENGTH} bytes)`,
    )
  }
  try {
    return decodeBase58(trimmed)
  } catch (cause) {
    throw new InvalidWalletError('not valid base58', { cause })
  }
}

/** Normalises any {@link WalletInput} to its canonical base58 string. */
export function walletToBase58(wallet: WalletInput): string {
  return encodeBase58(walletToBytes(wallet))
}

/**
 * The libp2p PeerId (`12D3KooW…`) of a wallet, identical to go-libp2p's for the same key.
 *
 * @example
 * walletToPeerId('9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin').toString() // '12D3KooW…'
 */
export function walletToPeerId(wallet: WalletInput): Ed25519PeerId {
  const key = publicKeyFromRaw(walletToBytes(wallet))
  if (key.type !== 'Ed25519') throw new InvalidWalletError('not an Ed25519 public key')
  return peerIdFromPublicKey(key)
}

/**
 * The wallet (base58) inside an Ed25519 PeerId, read without any network call.
 * Throws {@link InvalidPeerIdError} for unparseable or non-Ed25519 PeerIds.
 */
export function peerIdToWallet(peerId: PeerId | string): string {
  return encodeBase58(peerIdToWalletBytes(peerId))
}

/** Like {@link peerIdToWallet} but returns the 32 raw bytes. */
export function peerIdToWalletBytes(peerId: PeerId | string): Uint8Array {
  let id: PeerId
  if (typeof peerId === 'string') {
    try {
      id = peerIdFromString(peerId)
    } catch (cause) {
      throw new InvalidPeerIdError('not a parseable PeerId string', { cause })
    }
  } else if (peerId !== null && typeof peerId === 'object' && typeof peerId.type === 'string') {
    id = peerId
  } else {
    throw new InvalidPeerIdError('expected a PeerId or a PeerId string')
  }
  if (id.type !== 'Ed25519' || id.publicKey === undefined) {
    throw new InvalidPeerIdError(
      `PeerId ${id.toString()} has key type ${id.type}; only Ed25519 PeerIds map to Solana wallets`,
    )
  }
  return Uint8Array.from(id.publicKey.raw)
}
