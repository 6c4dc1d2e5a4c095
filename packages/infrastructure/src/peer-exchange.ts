import type { Logger } from '@depin/logger'
import type { RPC } from '@libp2p/gossipsub/message'
import type { Libp2p } from '@libp2p/interface'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { connectedPeers } from './connected-peers.js'

type PxRecord = RPC.PeerInfo

/** One PRUNE's peer exchange: GossipSub's `pxConnect`, which dials each peer offered. */
export type PeerExchangeDial = (offered: PxRecord[]) => Promise<void>

export interface PeerExchangeLimitInit {
  libp2p: Pick<Libp2p, 'getConnections'>
  /** `connectionLimits.low`: peer exchange dials only while the node has fewer peers than this. */
  low: number
  /** Told how many offered peers were not dialed because the node had enough (a metric). */
  onSkipped?: (skipped: number) => void
  logger: Logger
}

/**
 * Peer exchange dials only what the node lacks: up to `low` connected peers, not every peer a PRUNE
 * offers (GossipSub's `pxConnect` dials up to `prunePeers`, 16, of them, whatever the node holds).
 *
 * A PRUNE with peer exchange says "my mesh for this topic is full; here are others in it". A node
 * still looking for peers (a newcomer pruned by the bootstrap node) needs them; a node that already
 * holds `low` connections grafts among the topic peers it has at its next heartbeat, and each offered
 * peer it dialed anyway would be a connection opened (QUIC, identify, GossipSub and DHT set-up on
 * both ends) only for the trimmer to close it. In a 250-node testnet (production timings, QUIC) peer
 * exchange was half of all connections opened during the start: 3,273 of 6,583, ~13 per node,
 * while the median node held 30-36 peers (bench/README.md, "Where the start's connections come
 * from").
 *
 * Offered peers already connected are left out before counting (GossipSub skips its own peers
 * too). Dials in flight count as peers, so PRUNEs arriving together do not each fill the same gap.
 * Wire behaviour is unchanged: this node still sends peer exchange in its own PRUNEs (`doPX`).
 */
export function limitPeerExchange(dial: PeerExchangeDial, init: PeerExchangeLimitInit): PeerExchangeDial {
  let inFlight = 0
  return async (offered) => {
    const connected = connectedPeers(init.libp2p)
    const unknown = offered.filter((record) => {
      const id = offeredPeer(record)
      return id !== undefined && !connected.has(id)
    })
    const room = Math.max(0, init.low - connected.size - inFlight)
    const chosen = shuffled(unknown).slice(0, room)
    const skipped = unknown.length - chosen.length
    if (skipped > 0) {
      init.onSkipped?.(skipped)
      init.logger.debug(
        'peer exchange: not dialing offered peers, the node has enough',
        'offered',
        offered.length,
        'dialing',
        chosen.length,
        'peers',
        connected.size,
        'low',
        init.low,
      )
    }
    if (chosen.length === 0) return
    inFlight += chosen.length
    try {
      await dial(chosen)
    } finally {
      inFlight -= chosen.length
    }
  }
}

/** The offered peer's id as a string; undefined when the record's peer id is missing or malformed. */
function offeredPeer(record: PxRecord): string | undefined {
  if (record.peerID === undefined) return undefined
  try {
    return peerIdFromMultihash(Digest.decode(record.peerID)).toString()
  } catch {
    return undefined
  }
}

/** A shuffled copy (Fisher-Yates): which offered peers get the room is not the offerer's order. */
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j] as T, copy[i] as T]
  }
  return copy
}
