import { base58btc } from 'multiformats/bases/base58'

/** Base58 (Bitcoin alphabet, as Solana uses) without the multibase `z` prefix. */
export function encodeBase58(bytes: Uint8Array): string {
  return base58btc.baseEncode(bytes)
}

/** Decodes base58 (Bitcoin alphabet); throws on characters outside the alphabet. */
export function decodeBase58(text: string): Uint8Array {
  return base58btc.baseDecode(text)
}
