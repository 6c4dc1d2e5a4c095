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
    try {
      // The allocation-free decoder handles the common case; walletToBytes is the reference for the rest.
      if (typeof entry === 'string' && decodeBase58WalletInto(entry, key)) wallets.add(key)
      else wallets.add(walletToBytes(entry as WalletInput))
    } catch (err) {
      junk++
      firstJunkError ??= err
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
