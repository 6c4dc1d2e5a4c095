import { randomBytes } from 'node:crypto'
import { encodeBase58, walletToBytes } from '@depin/identity'
import { generateWallet } from '@depin/test-utils'
import { expect, test } from 'vitest'
import { decodeBase58WalletInto } from '../src/base58-wallet.js'

function reference(text: string): Uint8Array | undefined {
  try {
    return walletToBytes(text)
  } catch {
    return undefined
  }
}

function fast(text: string): Uint8Array | undefined {
  const out = new Uint8Array(32).fill(0xaa)
  return decodeBase58WalletInto(text, out) ? out : undefined
}

test('the allocation-free decoder agrees with walletToBytes', () => {
  const inputs: string[] = [
    generateWallet().wallet,
    ` ${generateWallet().wallet}\n`,
    encodeBase58(new Uint8Array(32)), // all zeros, 32 '1's: a small-order point, refused by both
    encodeBase58(Uint8Array.from([1, ...new Uint8Array(31)])), // the identity point: refused by both
    generateWallet().wallet,
    encodeBase58(new Uint8Array(32).fill(255)),
    encodeBase58(Uint8Array.from([0, 0, 5, ...randomBytes(29)])),
    encodeBase58(new Uint8Array(31).fill(7)),
    encodeBase58(new Uint8Array(33).fill(7)),
    encodeBase58(Uint8Array.from([0, ...randomBytes(32)])),
    '',
    '   ',
    '0OIl',
    'é'.repeat(44),
    `${generateWallet().wallet}0`,
    '1'.repeat(33),
    'z'.repeat(64),
    'z'.repeat(100),
  ]
  for (let i = 0; i < 500; i++) inputs.push(encodeBase58(randomBytes(32)))
  for (let i = 0; i < 200; i++) inputs.push(encodeBase58(randomBytes(28 + (i % 8))))
  for (let i = 0; i < 200; i++) {
    const w = encodeBase58(randomBytes(32))
    const at = i % w.length
    inputs.push(w.slice(0, at) + '1z0'[i % 3] + w.slice(at + 1))
  }
  for (const input of inputs) {
    const expected = reference(input)
    const got = fast(input)
    // The fast path may decline (the caller falls back to walletToBytes) but must never disagree.
    if (got !== undefined) expect(got, input).toEqual(expected)
    if (expected !== undefined && input.trim() === input) expect(got, input).toEqual(expected)
  }
})
