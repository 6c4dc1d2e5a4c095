import type { GossipSubInternals } from '@depin/infrastructure'
import type { GossipSub } from '@libp2p/gossipsub'
import { TopicPeersTimeoutError } from './errors.js'

const TOPIC_PEERS_POLL_MS = 25

/**
 * Subscribers of a GossipSub topic we can send to right now. A peer's subscription can arrive (on
 * its stream to us) before our own GossipSub stream to it is open, and until then a publish skips
 * it; so a subscriber counts only once that stream exists (when GossipSub does not expose its
 * streams, the adapter logs it and every subscriber counts).
 */
export function reachableSubscribers(pubsub: GossipSub, internals: GossipSubInternals, full: string): number {
  return pubsub.getSubscribers(full).filter((peer) => internals.hasOutboundStream(peer.toString()) !== false)
    .length
}

/** What {@link waitForReachableSubscribers} waits on. */
export interface WaitForSubscribersInit {
  pubsub: GossipSub
  internals: GossipSubInternals
  /** The application topic (for the timeout error). */
  topic: string
  /** Its GossipSub topic string. */
  gossipTopic: string
  min: number
  timeoutMs: number
  signal: AbortSignal | undefined
  /** Aborts when the messaging stops. */
  stopSignal: AbortSignal
  /** The rejection when it stops. */
  stopped: () => Error
}

/**
 * Resolves with the number of reachable subscribers once it reaches `min`; rejects with
 * {@link TopicPeersTimeoutError} after `timeoutMs`, with the signal's reason when it aborts, and
 * with `stopped()` when the messaging stops.
 */
export function waitForReachableSubscribers(init: WaitForSubscribersInit): Promise<number> {
  const { pubsub, internals, signal, stopSignal, min, timeoutMs } = init
  const count = (): number => reachableSubscribers(pubsub, internals, init.gossipTopic)
  const found = count()
  if (found >= min) return Promise.resolve(found)
  signal?.throwIfAborted()
  return new Promise<number>((resolve, reject) => {
    const check = (): void => {
      const n = count()
      if (n >= min) finish(() => resolve(n))
    }
    const onAbort = (): void => finish(() => reject(signal?.reason))
    const onStop = (): void => finish(() => reject(init.stopped()))
    const timer = setTimeout(
      () => finish(() => reject(new TopicPeersTimeoutError(init.topic, min, count(), timeoutMs))),
      timeoutMs,
    )
    // Our stream to a new subscriber opens without any event: re-check briefly until the deadline.
    const poll = setInterval(check, TOPIC_PEERS_POLL_MS)
    const finish = (settle: () => void): void => {
      clearTimeout(timer)
      clearInterval(poll)
      pubsub.removeEventListener('subscription-change', check)
      signal?.removeEventListener('abort', onAbort)
      stopSignal.removeEventListener('abort', onStop)
      settle()
    }
    pubsub.addEventListener('subscription-change', check)
    signal?.addEventListener('abort', onAbort, { once: true })
    stopSignal.addEventListener('abort', onStop, { once: true })
  })
}
