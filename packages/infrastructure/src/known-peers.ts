import type { Logger } from '@depin/logger'
import type { Connection, Libp2p } from '@libp2p/interface'
import { timeoutSignal } from './abort.js'

/** Former peers the bootstrap retry loop dials per attempt, at most. */
export const KNOWN_PEERS_PER_ATTEMPT = 4

export interface KnownPeerDialerInit {
  libp2p: Pick<Libp2p, 'dial' | 'getPeers' | 'peerStore'>
  /** Resolves true once a new connection is usable, false if the remote closes it first (a refusal). */
  whenUsable(connection: Connection, signal: AbortSignal): Promise<boolean>
  dialTimeoutMs: number
  /** Most peers dialed. */
  max: number
  logger: Logger
}

/**
 * Dials up to `max` peers the peer store has addresses for and that are not connected, picked at
 * random: a node that lost every peer still knows where its former peers were, which matters when
 * no bootstrap node answers (all down, or none listed) and discovery needs a peer to work. Each dial
 * goes through the gater and waits for a usable connection, `dialTimeoutMs` each, all at once.
 * Resolves to how many are usable; never throws except on abort.
 */
export async function dialKnownPeers(init: KnownPeerDialerInit, signal: AbortSignal): Promise<number> {
  const { libp2p } = init
  const connected = new Set(libp2p.getPeers().map(String))
  let known: Awaited<ReturnType<typeof libp2p.peerStore.all>>
  try {
    known = await libp2p.peerStore.all({
      filters: [(peer) => peer.addresses.length > 0 && !connected.has(peer.id.toString())],
    })
  } catch (err) {
    signal.throwIfAborted()
    init.logger.debug('could not read the peer store for former peers', 'error', err)
    return 0
  }
  // A partial Fisher-Yates shuffle: each attempt tries other peers than the last one.
  for (let i = 0; i < Math.min(init.max, known.length); i++) {
    const j = i + Math.floor(Math.random() * (known.length - i))
    ;[known[i], known[j]] = [known[j] as (typeof known)[number], known[i] as (typeof known)[number]]
  }
  const picked = known.slice(0, init.max)
  const results = await Promise.all(
    picked.map(async (peer) => {
      const attempt = timeoutSignal(
        signal,
        init.dialTimeoutMs,
        () => new Error(`dial timed out after ${init.dialTimeoutMs} ms`),
      )
      try {
        const connection = await libp2p.dial(peer.id, { signal: attempt.signal })
        return await init.whenUsable(connection, attempt.signal)
      } catch (err) {
        init.logger.debug('could not reconnect to a former peer', 'peer', peer.id.toString(), 'error', err)
        return false
      } finally {
        attempt.clear()
      }
    }),
  )
  signal.throwIfAborted()
  return results.filter(Boolean).length
}
