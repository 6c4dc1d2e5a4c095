import type { Logger } from '@depin/logger'
import type { RegistryCallCause, WalletRevokedDetail } from './gater-api.js'
import type { ParsedAnswer } from './registry-answer.js'
import { revokedWalletDetail } from './revoked.js'
import type { WalletSet } from './wallet-set.js'
import { createSliceClock } from './yield.js'

/** Wallets added to and removed from the set by one registry answer. */
export interface SetChange {
  added: number
  removed: number
}

/** What {@link applyRegistryAnswer} needs from the gater. */
export interface ApplyContext {
  cause: RegistryCallCause
  /** Aborts the diff between slices (the gater stopped, or the call timed out). */
  signal: AbortSignal
  logger: Logger
  /** Installs the new set; called once, after the diff and before the first revocation. */
  replace(next: WalletSet, change: SetChange): void
  /** Called for each wallet that left the registry. */
  onRevoked(detail: WalletRevokedDetail): void
}

/** Slots diffed between two checks of the slice clock. */
const DIFF_SLICE = 2048

/**
 * Replaces `previous` with the answer's set: diffs the two in slices (so a 100k-wallet registry never
 * blocks the event loop for long), installs the new set, logs the change, and announces every wallet
 * that left. Throws the signal's reason if it aborts during the diff (the old set is kept then).
 */
export async function applyRegistryAnswer(
  previous: WalletSet,
  parsed: ParsedAnswer,
  context: ApplyContext,
): Promise<SetChange> {
  const { cause, signal, logger } = context
  const next = parsed.wallets
  const removed: number[] = []
  const clock = createSliceClock()
  // The same set (an unchanged answer, see AnswerMemo) has nothing to diff.
  for (let slot = 0; next !== previous && slot < previous.size; slot += DIFF_SLICE) {
    previous.slotsMissingFrom(next, slot, slot + DIFF_SLICE, removed)
    if (clock.due()) {
      await clock.next()
      signal.throwIfAborted()
    }
  }
  const change: SetChange = { added: next.size - (previous.size - removed.length), removed: removed.length }
  context.replace(next, change)
  if (parsed.junk > 0) {
    logger.warn(
      'registry answer had entries that are not wallets; skipped them',
      'junk',
      parsed.junk,
      'error',
      parsed.firstJunkError,
    )
  }
  if (change.added > 0 || change.removed > 0) {
    const { added } = change
    logger.info(
      'authorized wallets updated',
      'cause',
      cause,
      'size',
      next.size,
      'added',
      added,
      'removed',
      removed.length,
    )
  } else {
    logger.debug('authorized wallets unchanged', 'cause', cause, 'size', next.size)
  }
  for (let i = 0; i < removed.length; i++) {
    const detail = revokedWalletDetail(previous.keyAt(removed[i] as number))
    logger.info('wallet left the registry', 'wallet', detail.wallet, 'peer', detail.peerId)
    context.onRevoked(detail)
    if ((i & 31) === 31 && clock.due()) await clock.next()
  }
  return change
}
