import { isSmallOrderPoint } from '@depin/identity'

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const DIGITS = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DIGITS[ALPHABET.charCodeAt(i)] = i

const WALLET_BYTES = 32
// Little-endian accumulator; one spare byte to detect overflow.
const scratch = new Uint8Array(WALLET_BYTES + 1)

/**
 * Decodes a base58 wallet string into `out` (32 bytes) without allocating, so a 100k-wallet registry
 * answer creates no garbage per entry. Returns false for anything that is not exactly 32 bytes of
 * base58, and for a small-order point (`isSmallOrderPoint`), which is never a wallet; the caller then
 * asks `walletToBytes`, the reference, for the error. Leading and trailing whitespace are ignored, as
 * `walletToBytes` does.
 *
 * The project's one base58 codec is multiformats' base58btc (`encodeBase58`/`decodeBase58` in
 * @depin/identity); this decoder is its fast path for registry answers, kept because it measurably
 * matters: with `walletToBytes` per string instead, packages/gater's bench at 100k wallets took
 * 673 ms instead of 354 ms for the first load and 482 instead of 214 ms per refresh (medians of 3
 * runs each, interleaved, 2 busy cores), and 1M junk strings cost ~13 µs each (thrown errors)
 * instead of ~1.4 µs: 13 s, over the 10 s default `registryTimeoutMs`.
 */
export function decodeBase58WalletInto(text: string, out: Uint8Array): boolean {
  let start = 0
  let end = text.length
  while (start < end && text.charCodeAt(start) <= 32) start++
  while (end > start && text.charCodeAt(end - 1) <= 32) end--
  if (end - start > 64 || end === start) return false
  let zeros = 0
  while (start + zeros < end && text.charCodeAt(start + zeros) === 49 /* '1' */) zeros++
  scratch.fill(0)
  let length = 0
  for (let i = start + zeros; i < end; i++) {
    const code = text.charCodeAt(i)
    let carry = code < 128 ? (DIGITS[code] as number) : -1
    if (carry < 0) return false
    let j = 0
    for (; j < length || carry !== 0; j++) {
      if (j > WALLET_BYTES) return false
      carry += 58 * (scratch[j] as number)
      scratch[j] = carry & 0xff
      carry >>= 8
    }
    length = j
  }
  if (zeros + length !== WALLET_BYTES) return false
  out.fill(0, 0, zeros)
  for (let i = 0; i < length; i++) out[zeros + i] = scratch[length - 1 - i] as number
  return !isSmallOrderPoint(out)
}
