import { createHash } from 'node:crypto'
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

/** Entries hashed between two checks of the slice clock. */
const DIGEST_SLICE = 4096

/**
 * A SHA-256 digest of `answer` if it is an array of strings, else undefined: two answers with the
 * same digest list the same strings in the same order. Each slice is hashed as its JSON (so entry
 * boundaries are unambiguous whatever a junk string holds), yielding between slices.
 */
export async function answerDigest(answer: unknown, signal: AbortSignal): Promise<string | undefined> {
  if (!Array.isArray(answer)) return undefined
  const hash = createHash('sha256')
  const clock = createSliceClock()
  for (let i = 0; i < answer.length; i += DIGEST_SLICE) {
    const slice: unknown[] = answer.slice(i, i + DIGEST_SLICE)
    for (const entry of slice) if (typeof entry !== 'string') return undefined
    hash.update(JSON.stringify(slice))
    if (clock.due()) {
      await clock.next()
      signal.throwIfAborted()
    }
  }
  return hash.digest('base64')
}

/**
 * The last answer parsed, by digest ({@link answerDigest}), so that an answer listing the same
 * wallets in the same order (a registry that did not change: nearly every refresh) is not decoded
 * again. Parsing costs a base58 decode per wallet on every refresh of every node, which grows with
 * the registry: at 1000 nodes of a 1000-wallet registry it was the largest single function of the
 * testnet's profile (4.6% of its CPU samples). Hashing reads each string once and keeps 32 bytes,
 * not the strings (an application may also edit its own array in place between refreshes).
 */
export class AnswerMemo {
  private digest: string | undefined
  private parsed: ParsedAnswer | undefined

  /** `answer` parsed ({@link parseRegistryAnswer}), or the last parse if it hashes the same. */
  async parse(answer: unknown, signal: AbortSignal): Promise<ParsedAnswer> {
    const digest = await answerDigest(answer, signal)
    const last = this.reuse(digest)
    if (last !== undefined) return last
    const parsed = await parseRegistryAnswer(answer, signal)
    this.remember(digest, parsed)
    return parsed
  }

  /** The parse of the answer with this digest if it is the one last remembered, else undefined. */
  reuse(digest: string | undefined): ParsedAnswer | undefined {
    return digest !== undefined && digest === this.digest ? this.parsed : undefined
  }

  /** Remembers `parsed` as the parse of the answer with this digest (none: forgets the last one). */
  remember(digest: string | undefined, parsed: ParsedAnswer): void {
    this.digest = digest
    this.parsed = digest === undefined ? undefined : parsed
  }
}
