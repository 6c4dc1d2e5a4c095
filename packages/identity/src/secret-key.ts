import { readFile } from 'node:fs/promises'
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import type { Ed25519PeerId, Ed25519PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { equals } from 'uint8arrays/equals'
import { decodeBase58, encodeBase58 } from './base58.js'
import { ed25519PublicKeyOf, generateEd25519Seed } from './ed25519-node.js'
import { InvalidSecretKeyError, KeypairFileError } from './errors.js'
import { redactSecrets } from './redact.js'

/** Length in bytes of a Solana secret key: a 32-byte Ed25519 seed followed by its public key. */
export const SECRET_KEY_LENGTH = 64

// ceil(64 * log(256) / log(58)) = 88: the longest base58 text of 64 bytes.
const MAX_BASE58_SECRET_KEY_LENGTH = 88

/**
 * A Solana secret key in any of the forms the ecosystem uses: base58 of the 64 bytes, the
 * solana-keygen JSON byte array (as a string or a `number[]`), raw bytes, or an object with a
 * `secretKey` (a @solana/web3.js `Keypair`).
 */
export type SecretKeyInput = string | Uint8Array | readonly number[] | { readonly secretKey: Uint8Array }

/**
 * A node identity derived from a Solana wallet. Its private key never appears in
 * `JSON.stringify`, `String()` or `util.inspect` output.
 */
export interface WalletIdentity {
  /** The libp2p Ed25519 private key, to pass as `privateKey` to `createLibp2p`. */
  readonly privateKey: Ed25519PrivateKey
  /** The libp2p PeerId, identical to go-libp2p's for the same key. */
  readonly peerId: Ed25519PeerId
  /** The wallet public key, base58. */
  readonly wallet: string
  /** The wallet public key, 32 bytes. */
  readonly walletBytes: Uint8Array
}

/**
 * Parses a Solana secret key and derives the libp2p identity from it. Throws
 * {@link InvalidSecretKeyError} (never echoing the key) when it is malformed, or when its second
 * half is not the public key of its first half.
 *
 * @example
 * const id = parseSecretKey(process.env.WALLET_KEY!)
 * id.peerId.toString() // '12D3KooW…'
 * id.wallet            // base58 wallet address
 */
export function parseSecretKey(input: SecretKeyInput): WalletIdentity {
  return identityFromSecretBytes(secretKeyBytes(input))
}

/**
 * Reads a solana-keygen keypair file (a JSON array of 64 numbers; base58 is accepted too) and
 * parses it. Throws {@link KeypairFileError} when the file cannot be read and
 * {@link InvalidSecretKeyError} (naming the path, never the key) when its content is not a key.
 *
 * @example
 * const id = await readKeypairFile(`${homedir()}/.config/solana/id.json`)
 */
export async function readKeypairFile(
  path: string,
  options: { signal?: AbortSignal } = {},
): Promise<WalletIdentity> {
  let text: string
  try {
    text = await readFile(path, { encoding: 'utf8', ...(options.signal ? { signal: options.signal } : {}) })
  } catch (cause) {
    // An abort is the caller's own decision: let it through as the AbortError it is.
    if (options.signal?.aborted === true) throw cause
    throw new KeypairFileError(path, { cause })
  }
  try {
    return parseSecretKey(text)
  } catch (err) {
    if (err instanceof InvalidSecretKeyError) {
      throw new InvalidSecretKeyError(
        `${err.shortMessage.replace(/^Invalid Solana secret key: /, '')} (in ${path})`,
      )
    }
    throw err
  }
}

function secretKeyBytes(input: SecretKeyInput): Uint8Array {
  if (typeof input === 'string') return decodeSecretKeyString(input)
  if (input instanceof Uint8Array) return checkLength(input)
  if (Array.isArray(input)) return bytesFromNumberArray(input)
  if (input !== null && typeof input === 'object' && 'secretKey' in input) {
    let secretKey: unknown
    try {
      secretKey = (input as { secretKey: unknown }).secretKey
    } catch {
      // A throwing getter's error is not ours to chain: it could describe the key.
      throw new InvalidSecretKeyError("reading the object's secretKey threw")
    }
    if (secretKey instanceof Uint8Array) return checkLength(secretKey)
    throw new InvalidSecretKeyError('the object has a secretKey that is not a Uint8Array')
  }
  throw new InvalidSecretKeyError(
    `expected a base58 string, a JSON byte array, a Uint8Array or an object with secretKey; got ${describeType(input)}`,
  )
}

function decodeSecretKeyString(text: string): Uint8Array {
  const trimmed = text.trim()
  if (trimmed.length === 0) throw new InvalidSecretKeyError('the string is empty')
  if (trimmed.startsWith('[')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(trimmed)
    } catch {
      // The JSON parser's message can quote the input; do not chain it.
      throw new InvalidSecretKeyError('the string starts with "[" but is not valid JSON')
    }
    if (!Array.isArray(parsed)) throw new InvalidSecretKeyError('the JSON is not an array of bytes')
    return bytesFromNumberArray(parsed)
  }
  // Base58 decoding is quadratic in the length; 64 bytes are at most 88 characters.
  if (trimmed.length > MAX_BASE58_SECRET_KEY_LENGTH) {
    throw new InvalidSecretKeyError(
      `expected ${SECRET_KEY_LENGTH} bytes, got a ${trimmed.length}-character string (too long for base58 of ${SECRET_KEY_LENGTH} bytes)`,
    )
  }
  let bytes: Uint8Array
  try {
    bytes = decodeBase58(trimmed)
  } catch {
    // multiformats' error names the offending character; do not chain it.
    throw new InvalidSecretKeyError('the string is neither base58 nor a JSON byte array')
  }
  return checkLength(bytes)
}

function bytesFromNumberArray(values: readonly unknown[]): Uint8Array {
  if (values.length !== SECRET_KEY_LENGTH) {
    throw new InvalidSecretKeyError(`expected ${SECRET_KEY_LENGTH} bytes, got an array of ${values.length}`)
  }
  const bytes = new Uint8Array(SECRET_KEY_LENGTH)
  for (let i = 0; i < values.length; i++) {
    const value = values[i]
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 255) {
      throw new InvalidSecretKeyError(`array element ${i} is not an integer from 0 to 255`)
    }
    bytes[i] = value
  }
  return bytes
}

function checkLength(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new InvalidSecretKeyError('expected a Uint8Array of 64 bytes')
  if (bytes.length !== SECRET_KEY_LENGTH) {
    throw new InvalidSecretKeyError(`expected ${SECRET_KEY_LENGTH} bytes, got ${bytes.length}`)
  }
  return bytes
}

function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

/**
 * Derives the identity from the 64 bytes of a Solana secret key (seed ‖ public key), checking that
 * the second half is the public key of the first. Throws {@link InvalidSecretKeyError}.
 */
export function identityFromSecretBytes(secret: Uint8Array): WalletIdentity {
  checkLength(secret)
  const seed = secret.subarray(0, 32)
  const claimedPublicKey = secret.subarray(32)
  // @libp2p/crypto's privateKeyFromRaw trusts the second half; check it ourselves (docs/toolchain.md).
  const derivedPublicKey = ed25519PublicKeyOf(seed)
  if (!equals(derivedPublicKey, claimedPublicKey)) {
    throw new InvalidSecretKeyError('its second half is not the public key of its first half')
  }
  const raw = new Uint8Array(SECRET_KEY_LENGTH)
  raw.set(seed, 0)
  raw.set(derivedPublicKey, 32)
  const privateKey = privateKeyFromRaw(raw)
  if (privateKey.type !== 'Ed25519') throw new InvalidSecretKeyError('not an Ed25519 key')
  return createWalletIdentity(privateKey, derivedPublicKey)
}

function createWalletIdentity(privateKey: Ed25519PrivateKey, walletBytes: Uint8Array): WalletIdentity {
  const peerId = peerIdFromPrivateKey(privateKey)
  const wallet = encodeBase58(walletBytes)
  const identity = {} as WalletIdentity
  Object.defineProperties(identity, {
    // Not enumerable: spreading or Object.keys() of the identity does not copy the key around.
    privateKey: { value: privateKey, enumerable: false },
    peerId: { value: peerId, enumerable: true },
    wallet: { value: wallet, enumerable: true },
    // A copy per read: the identity is frozen, and a caller mutating the bytes must not change it.
    walletBytes: { get: () => walletBytes.slice(), enumerable: true },
  })
  redactSecrets(identity, 'WalletIdentity', () => ({ wallet, peerId: peerId.toString() }))
  return Object.freeze(identity)
}

/** A freshly generated wallet keypair, for tests, tools and the testnet. */
export interface GeneratedWallet {
  /** The identity derived from the keypair. */
  readonly identity: WalletIdentity
  /** The wallet public key, base58. */
  readonly wallet: string
  /** The 64-byte Solana secret key (seed ‖ public key). Handle as a secret. */
  readonly secretKey: Uint8Array
  /** The secret key in base58, the form `connect({ walletPrivateKey })` takes. Handle as a secret. */
  readonly secretKeyBase58: string
}

/**
 * Generates a new Solana wallet keypair from the platform's CSPRNG.
 *
 * @example
 * const { wallet, secretKeyBase58 } = generateWallet()
 */
export function generateWallet(): GeneratedWallet {
  const { seed, publicKey } = generateEd25519Seed()
  const secretKey = new Uint8Array(SECRET_KEY_LENGTH)
  secretKey.set(seed, 0)
  secretKey.set(publicKey, 32)
  seed.fill(0)
  const identity = identityFromSecretBytes(secretKey)
  const generated = {} as GeneratedWallet
  Object.defineProperties(generated, {
    identity: { value: identity, enumerable: true },
    wallet: { value: identity.wallet, enumerable: true },
    secretKey: { get: () => secretKey.slice(), enumerable: false },
    secretKeyBase58: { get: () => encodeBase58(secretKey), enumerable: false },
  })
  redactSecrets(generated, 'GeneratedWallet', () => ({
    wallet: identity.wallet,
    peerId: identity.peerId.toString(),
  }))
  return Object.freeze(generated)
}
