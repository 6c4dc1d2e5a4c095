import { createHash, randomBytes } from 'node:crypto'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { GossipSub } from '@libp2p/gossipsub'
import { RPC } from '@libp2p/gossipsub/message'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js'

/**
 * StrictSign GossipSub messages whose signatures Ed25519 verifiers disagree on (libp2p/specs#593):
 * Go's crypto/ed25519 (go-libp2p, go1.26) checks only the cofactorless equation [S]B = R + [k]A and
 * accepts them; libsodium and OpenSSL 3.5 (Node 24) also refuse a small-order public key or R. A Go
 * peer therefore forwards these messages in good faith, and a TS peer refuses them.
 */

/** A GossipSub message as it goes on the wire. */
export interface WireMessage {
  from: Uint8Array
  data: Uint8Array
  seqno: Uint8Array
  topic: string
  signature: Uint8Array
}

const SIGN_PREFIX = new TextEncoder().encode('libp2p-pubsub:')
const L = ed25519.Point.Fn.ORDER

/** The identity point's encoding: the small-order "wallet" under which anyone can sign. */
export const IDENTITY_POINT: Uint8Array = Uint8Array.from([1, ...new Uint8Array(31)])

/** The PeerId (as a multihash's bytes, GossipSub's `from`) of a raw Ed25519 public key. */
function fromOf(publicKey: Uint8Array): Uint8Array {
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey)).toMultihash().bytes
}

/** The bytes GossipSub signs: the prefix and the message without signature or key. */
function signedBytes(msg: Omit<WireMessage, 'signature'>): Uint8Array {
  const encoded = RPC.Message.encode({ from: msg.from, data: msg.data, seqno: msg.seqno, topic: msg.topic })
  const out = new Uint8Array(SIGN_PREFIX.length + encoded.length)
  out.set(SIGN_PREFIX)
  out.set(encoded, SIGN_PREFIX.length)
  return out
}

/** k = SHA-512(R ‖ A ‖ M) mod L, as RFC 8032 and every verifier compute it. */
function challenge(r: Uint8Array, publicKey: Uint8Array, message: Uint8Array): bigint {
  return bytesToNumberLE(createHash('sha512').update(r).update(publicKey).update(message).digest()) % L
}

function unsigned(publicKey: Uint8Array, topic: string, data: Uint8Array): Omit<WireMessage, 'signature'> {
  return { from: fromOf(publicKey), data, seqno: Uint8Array.from(randomBytes(8)), topic }
}

/**
 * A message "by" the identity point: R = [s]B and S = s for a random s, so [S]B = R + [k]A holds
 * whatever the message (A is the identity). Anyone can make one.
 */
export function smallOrderKeyMessage(topic: string, data: Uint8Array): WireMessage {
  const msg = unsigned(IDENTITY_POINT, topic, data)
  const s = bytesToNumberLE(randomBytes(64)) % L
  const signature = new Uint8Array(64)
  signature.set(ed25519.Point.BASE.multiply(s).toBytes())
  signature.set(numberToBytesLE(s, 32), 32)
  return { ...msg, signature }
}

/**
 * A message by the owner of `secretKey` (a 64-byte Solana secret key) signed with the identity point
 * as R and S = k·a: [S]B = [k]A = R + [k]A. Only the key's owner can make one, and it gives the key
 * away (a = S / k), so it is never what an honest signer produces.
 */
export function identityRMessage(secretKey: Uint8Array, topic: string, data: Uint8Array): WireMessage {
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(secretKey.subarray(0, 32))
  const msg = unsigned(pointBytes, topic, data)
  const s = (challenge(IDENTITY_POINT, pointBytes, signedBytes(msg)) * scalar) % L
  const signature = new Uint8Array(64)
  signature.set(IDENTITY_POINT)
  signature.set(numberToBytesLE(s, 32), 32)
  return { ...msg, signature }
}

/** A message by the owner of `secretKey` whose signature no verifier accepts (its R is changed). */
export function badSignatureMessage(secretKey: Uint8Array, topic: string, data: Uint8Array): WireMessage {
  const { pointBytes } = ed25519.utils.getExtendedPublicKey(secretKey.subarray(0, 32))
  const msg = unsigned(pointBytes, topic, data)
  const signature = ed25519.sign(signedBytes(msg), secretKey.subarray(0, 32))
  signature[0] = (signature[0] as number) ^ 1
  return { ...msg, signature }
}

/**
 * Sends `messages` as they are to the peer `to` on `pubsub`'s open GossipSub stream to it (nothing
 * signed or validated on the way out). False when there is no stream to that peer yet.
 */
export function sendWireMessages(pubsub: GossipSub, to: string, messages: WireMessage[]): boolean {
  // GossipSub's sendRpc is not in its public interface type.
  const send = (pubsub as unknown as { sendRpc(id: string, rpc: RPC): boolean }).sendRpc.bind(pubsub)
  return send(to, { subscriptions: [], messages })
}

/**
 * Records what `pubsub` makes of each message it validates from now on: 'valid', or the reason it
 * refused it ('small_order_signature', 'invalid_signature', 'duplicate', ...), in arrival order.
 */
export function recordVerdicts(pubsub: GossipSub): string[] {
  // GossipSub's validation step is not in its public interface type.
  const internal = pubsub as unknown as {
    validateReceivedMessage(...args: unknown[]): Promise<{ code: string; error?: string }>
  }
  const validate = internal.validateReceivedMessage.bind(pubsub)
  const verdicts: string[] = []
  internal.validateReceivedMessage = async (...args) => {
    const result = await validate(...args)
    verdicts.push(result.code === 'valid' ? 'valid' : (result.error ?? result.code))
    return result
  }
  return verdicts
}

/**
 * Resolves after `pubsub` has run `count` more heartbeats (bounded by `timeoutMs`): GossipSub caches
 * a peer's score for one heartbeat interval, so a penalty shows in the score, and in graylisting,
 * only after the next one.
 */
export function heartbeats(pubsub: GossipSub, count: number, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0
    const onBeat = (): void => {
      if (++seen < count) return
      done()
      resolve()
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`heartbeats: ${seen} of ${count} in ${timeoutMs} ms`))
    }, timeoutMs)
    const done = (): void => {
      clearTimeout(timer)
      pubsub.removeEventListener('gossipsub:heartbeat', onBeat)
    }
    pubsub.addEventListener('gossipsub:heartbeat', onBeat)
  })
}
