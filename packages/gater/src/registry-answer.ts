import { type WalletInput, walletToBytes } from '@depin/identity'
import { decodeBase58WalletInto } from './base58-wallet.js'
import { RegistryCallError } from './errors.js'
import { WalletSet } from './wallet-set.js'
import { createSliceClock } from './yield.js'

/** A registry answer turned into a set of wallet keys. */
export interface ParsedAnswer {
  wallets: WalletSet
  /** Entries that were not a wallet (skipped). */
  junk: number
  /** The first junk entry's error, for the log line. */
  firstJunkError: unknown
}

/**
 * Adds `entry` if it is a wallet. Strings go through the allocation-free decoder, which accepts
 * exactly what `walletToBytes` accepts for strings (a test checks they agree), so junk strings cost
 * no exception: a registry answering 1M junk entries is parsed in well under its timeout.
 */
function addWallet(wallets: WalletSet, entry: unknown, key: Uint8Array): boolean {
  if (typeof entry === 'string') {
    if (!decodeBase58WalletInto(entry, key)) return false
    wallets.add(key)
    return true
  }
  if (entry === null || typeof entry !== 'object') return false
  try {
    wallets.add(walletToBytes(entry as WalletInput))
    return true
  } catch {
    return false
  }
}

/** Why `entry` is not a wallet, for the one log line (computed for the first junk entry only). */
function junkReason(entry: unknown): unknown {
  try {
    walletToBytes(entry as WalletInput)
  } catch (err) {
    return err
  }
  return new Error('not a 32-byte base58 wallet')
}

/**
 * Validates a `getAuthorizedWallets` answer and builds the new authorized set, giving the event loop
 * a turn every few ms so 100k wallets never block it. Throws {@link RegistryCallError} when the
 * answer is not an iterable of entries, or when it has entries and none is a wallet (a broken
 * registry must not revoke everyone); otherwise junk entries are skipped and counted.
 */
export async function parseRegistryAnswer(answer: unknown, signal: AbortSignal): Promise<ParsedAnswer> {
  if (
    answer === null ||
    typeof answer !== 'object' ||
    typeof (answer as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function'
  ) {
    throw new RegistryCallError(
      'invalid-answer',
      `expected an iterable of wallets, got ${answer === null ? 'null' : typeof answer}`,
    )
  }
  const wallets = new WalletSet(Array.isArray(answer) ? answer.length : undefined)
  const key = new Uint8Array(32)
  const clock = createSliceClock()
  let junk = 0
  let firstJunkError: unknown
  let seen = 0
  for (const entry of answer as Iterable<unknown>) {
    seen++
    if (!addWallet(wallets, entry, key)) {
      junk++
      firstJunkError ??= junkReason(entry)
    }
    if ((seen & 63) === 0 && clock.due()) {
      await clock.next()
      signal.throwIfAborted()
    }
  }
  if (seen > 0 && wallets.size === 0) {
    throw new RegistryCallError('invalid-answer', `none of its ${seen} entries is a wallet`, {
      cause: firstJunkError,
    })
  }
  return { wallets, junk, firstJunkError }
}

/**
 * The last answer parsed, so that an answer listing the same wallets in the same order (a registry
 * that did not change: nearly every refresh) is not decoded again. Parsing costs a base58 decode per
 * wallet on every refresh of every node, which grows with the registry: at 1000 nodes of a 1000-wallet
 * registry it was the largest single function of the testnet's profile (4.6% of its CPU samples). Only
 * arrays of strings are remembered (a copy of the array: the application may reuse its own); the
 * comparison reads each string once, with no decoding and no allocation.
 */
export class AnswerMemo {
  private entries: readonly string[] | undefined
  private parsed: ParsedAnswer | undefined

  /** The parse of `answer` if it lists the same strings as the answer last remembered, else undefined. */
  reuse(answer: unknown): ParsedAnswer | undefined {
    const entries = this.entries
    if (entries === undefined || !Array.isArray(answer) || answer.length !== entries.length) return undefined
    for (let i = 0; i < entries.length; i++) if (answer[i] !== entries[i]) return undefined
    return this.parsed
  }

  /** Remembers `parsed` as the parse of `answer` (forgets the last one if `answer` is not all strings). */
  remember(answer: unknown, parsed: ParsedAnswer): void {
    const strings = Array.isArray(answer) && answer.every((entry) => typeof entry === 'string')
    this.entries = strings ? (answer.slice() as string[]) : undefined
    this.parsed = strings ? parsed : undefined
  }
}
