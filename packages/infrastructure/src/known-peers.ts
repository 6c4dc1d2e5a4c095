import { type BootstrapDialerInit, dialUsable } from './bootstrap.js'
import { connectedPeers } from './connected-peers.js'

/** Former peers the bootstrap retry loop dials per attempt, at most. */
export const KNOWN_PEERS_PER_ATTEMPT = 4

/**
 * Dials up to `max` peers the peer store has addresses for and that are not connected, picked at
 * random: a node that lost every peer still knows where its former peers were, which matters when
 * no bootstrap node answers (all down, or none listed) and discovery needs a peer to work. Each dial
 * goes through the gater and waits for a usable connection, `dialTimeoutMs` each, all at once.
 * Resolves to how many are usable; never throws except on abort.
 */
export async function dialKnownPeers(
  init: Pick<BootstrapDialerInit, 'libp2p' | 'whenUsable' | 'dialTimeoutMs' | 'logger'>,
  max: number,
  signal: AbortSignal,
): Promise<number> {
  const { libp2p, logger } = init
  const connected = connectedPeers(libp2p)
  let known: Awaited<ReturnType<typeof libp2p.peerStore.all>>
  try {
    known = await libp2p.peerStore.all({
      filters: [(peer) => peer.addresses.length > 0 && !connected.has(peer.id.toString())],
    })
  } catch (err) {
    signal.throwIfAborted()
    logger.debug('could not read the peer store for former peers', 'error', err)
    return 0
  }
  // A partial Fisher-Yates shuffle: each attempt tries other peers than the last one.
  for (let i = 0; i < Math.min(max, known.length); i++) {
    const j = i + Math.floor(Math.random() * (known.length - i))
    ;[known[i], known[j]] = [known[j] as (typeof known)[number], known[i] as (typeof known)[number]]
  }
  const results = await Promise.all(
    known.slice(0, max).map(async (peer) => {
      try {
        await dialUsable(init, peer.id, signal)
        return true
      } catch (err) {
        logger.debug('could not reconnect to a former peer', 'peer', peer.id.toString(), 'error', err)
        return false
      }
    }),
  )
  signal.throwIfAborted()
  return results.filter(Boolean).length
}
