// Encoders for libp2p's `%b` (base58btc), `%t` (base32) and `%m` (base64) log formatters, without
// the multibase prefix, matching multiformats' `baseEncode` output. Kept here so the package has no
// runtime dependency.

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** base58btc (Bitcoin alphabet), leading zero bytes as `1`. */
export function encodeBase58btc(bytes: Uint8Array): string {
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  // Repeated division by 58 over a little-endian digit array.
  const digits: number[] = []
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i] ?? 0
    for (let j = 0; j < digits.length; j++) {
      carry += (digits[j] ?? 0) << 8
      digits[j] = carry % 58
      carry = (carry / 58) | 0
    }
    while (carry > 0) {
      digits.push(carry % 58)
      carry = (carry / 58) | 0
    }
  }
  let out = '1'.repeat(zeros)
  for (let i = digits.length - 1; i >= 0; i--) out += BASE58_ALPHABET[digits[i] ?? 0]
  return out
}

/** RFC 4648 base32, lower case, no padding. */
export function encodeBase32(bytes: Uint8Array): string {
  return encodeBits(bytes, BASE32_ALPHABET, 5)
}

/** RFC 4648 base64, standard alphabet, no padding. */
export function encodeBase64(bytes: Uint8Array): string {
  return encodeBits(bytes, BASE64_ALPHABET, 6)
}

function encodeBits(bytes: Uint8Array, alphabet: string, bitsPerChar: number): string {
  const mask = (1 << bitsPerChar) - 1
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff
    bits += 8
    while (bits >= bitsPerChar) {
      bits -= bitsPerChar
      out += alphabet[(buffer >> bits) & mask]
    }
  }
  if (bits > 0) out += alphabet[(buffer << (bitsPerChar - bits)) & mask]
  return out
}
