import type { Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { raceSignal } from 'race-signal'
import { equals } from 'uint8arrays/equals'
import { decodeEvent, type EventDecodeFailure, type PubSubEvent } from './event.js'

/**
 * Why a received message was rejected: it is malformed, oversized, unsigned, its `from_peer` is
 * not its signer, or its signer is not authorized by this database's registry. Rejected
 * messages are not delivered nor forwarded; their signed author is held to account (see the
 * messaging README), not the peer that forwarded them.
 */
export type RejectReason =
  | EventDecodeFailure
  | 'too-large'
  | 'unsigned'
  | 'from-peer-mismatch'
  | 'unauthorized'

/**
 * Why a received message was dropped without penalising anyone: the registry could not say
 * whether its signer is authorized, or its signer is suspended (it sent too many invalid events).
 */
export type IgnoreReason = 'authorization-unavailable' | 'author-suspended'

/** Every ignore reason, for metrics. */
export const IGNORE_REASONS: readonly IgnoreReason[] = Object.freeze([
  'authorization-unavailable',
  'author-suspended',
])

/** Every reject reason, for metrics. */
export const REJECT_REASONS: readonly RejectReason[] = Object.freeze([
  'not-json',
  'not-object',
  'missing-id',
  'invalid-from-peer',
  'invalid-timestamp',
  'too-large',
  'unsigned',
  'from-peer-mismatch',
  'unauthorized',
])

/** Answers whether a PeerId's wallet is authorized in this database (a RegistryGater's `isAuthorized`). */
export type Authorizer = (peerId: PeerId, options: { signal: AbortSignal }) => boolean | Promise<boolean>

/** The verdict of {@link validateEventMessage}. */
export type ValidationOutcome =
  | { result: 'accept'; event: PubSubEvent }
  | { result: 'reject'; reason: RejectReason }
  | { result: 'ignore'; reason: IgnoreReason }

/** What {@link validateEventMessage} checks against. */
export interface EventValidationOptions {
  /** Largest accepted `data`, in bytes. */
  maxMessageBytes: number
  /** The database's authorization check for the signer. */
  isAuthorized: Authorizer
  /**
   * Optional synchronous fast path (a RegistryGater's `isAuthorizedCached`): when it says yes,
   * `isAuthorized` is not called, sparing a promise and a timer per message.
   */
  isAuthorizedCached?: (peerId: PeerId) => boolean
  /** How long the authorization check may take before the message is ignored. */
  authorizationTimeoutMs: number
  /** Aborts a pending authorization check (on stop). */
  signal?: AbortSignal
}

/**
 * Decides whether a GossipSub message on one of our topics is a valid event: small enough,
 * signed, well-formed JSON with an id, its `from_peer` equal to the signed sender, and that
 * sender authorized by this database. The cheap checks run first; the registry is asked last.
 *
 * @example
 * const outcome = await validateEventMessage(msg, { maxMessageBytes: 1 << 20, isAuthorized, authorizationTimeoutMs: 2000 })
 * if (outcome.result === 'reject') metrics.rejected[outcome.reason]++
 */
export async function validateEventMessage(
  message: Message,
  options: EventValidationOptions,
): Promise<ValidationOutcome> {
  if (message.data.byteLength > options.maxMessageBytes) return { result: 'reject', reason: 'too-large' }
  // StrictSign already refuses unsigned messages before validators run; this keeps the check local.
  if (message.type !== 'signed') return { result: 'reject', reason: 'unsigned' }
  const decoded = decodeEvent(message.data)
  if (!decoded.ok) return { result: 'reject', reason: decoded.reason }
  const signer = message.from
  if (!isSigner(decoded.event.fromPeerId, signer)) return { result: 'reject', reason: 'from-peer-mismatch' }

  if (options.isAuthorizedCached?.(signer) === true) return { result: 'accept', event: decoded.event }
  const authorized = await checkAuthorization(signer, options)
  if (authorized === undefined) return { result: 'ignore', reason: 'authorization-unavailable' }
  if (!authorized) return { result: 'reject', reason: 'unauthorized' }
  return { result: 'accept', event: decoded.event }
}

/**
 * Whether this database's registry admits `signer`: the synchronous cache first, then the
 * authorizer bounded by `authorizationTimeoutMs`; undefined when the registry could not say (down,
 * slow, or the check was aborted).
 */
export async function checkAuthorization(
  signer: PeerId,
  options: Pick<
    EventValidationOptions,
    'isAuthorized' | 'isAuthorizedCached' | 'authorizationTimeoutMs' | 'signal'
  >,
): Promise<boolean | undefined> {
  if (options.isAuthorizedCached?.(signer) === true) return true
  const timeout = AbortSignal.timeout(options.authorizationTimeoutMs)
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal])
  try {
    const answer = options.isAuthorized(signer, { signal })
    // A synchronous answer (the cache) is taken as it is, without extra ticks: strikes of one
    // author's events are then counted in their arrival order.
    if (typeof answer === 'boolean') return answer
    // Raced: an authorizer that ignores its signal must still not hold the validator past the timeout.
    return await raceSignal(answer, signal)
  } catch {
    // A registry that is down or slow is not the sender's fault.
    return undefined
  }
}

/** Valid `from_peer` strings seen lately and their PeerIds' multihash bytes (cleared when full). */
const claimedSigners = new Map<string, Uint8Array>()
const CLAIMED_SIGNERS_LIMIT = 4_096

/**
 * Whether `fromPeerId` names `signer`. GossipSub builds a new PeerId for every message, so
 * `signer.toString()` (base58) cost ~4 µs per message; the event's string is decoded once and
 * compared as bytes instead. Only the canonical (base58) form is accepted, as before: a CID-encoded
 * PeerId of the signer does not match. Only strings that decode are remembered, so junk cannot
 * evict them faster than valid traffic.
 */
function isSigner(fromPeerId: string, signer: PeerId): boolean {
  let claimed = claimedSigners.get(fromPeerId)
  if (claimed === undefined) {
    try {
      const claimedId = peerIdFromString(fromPeerId)
      if (claimedId.toString() !== fromPeerId) return false
      claimed = claimedId.toMultihash().bytes
    } catch {
      return false
    }
    if (claimedSigners.size >= CLAIMED_SIGNERS_LIMIT) claimedSigners.clear()
    claimedSigners.set(fromPeerId, claimed)
  }
  return equals(claimed, signer.toMultihash().bytes)
}
