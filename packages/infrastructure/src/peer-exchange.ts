import type { Logger } from '@depin/logger'
import type { RPC } from '@libp2p/gossipsub/message'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { connectedPeers } from './connected-peers.js'

type PxRecord = RPC.PeerInfo

/** An offered record whose peer id parsed, with that id. */
interface Offered {
  record: PxRecord
  peer: PeerId
}

/** One PRUNE's peer exchange: GossipSub's `pxConnect`, which dials each peer offered. */
export type PeerExchangeDial = (offered: PxRecord[]) => Promise<void>

export interface PeerExchangeLimitInit {
  libp2p: Pick<Libp2p, 'getConnections' | 'peerStore'>
  /** `connectionLimits.low`: peer exchange dials only while the node has fewer peers than this. */
  low: number
  /** Told how many offered peers were not dialed because the node had enough (a metric). */
  onSkipped?: (skipped: number) => void
  /** Told how many offered peers were not dialed because no address of theirs is known (a metric). */
  onUnaddressed?: (unaddressed: number) => void
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
 *
 * An offered peer that comes without a signed peer record (its offerer had none: identify had not
 * completed with it) and whose addresses this node does not know is not dialed either: libp2p dials
 * a bare peer id by walking the DHT to find its addresses (kad-dht `findPeer`), a walk that opened
 * ~13 connections to reach one optional peer. At 500 nodes on 2 cores those walks made about a
 * quarter of the dials while the network sat idle (bench/README.md, "Where the idle network's
 * connections come from"). go-libp2p-pubsub on a basic host does not look such a peer up either.
 *
 * Wire behaviour is unchanged: this node still sends peer exchange in its own PRUNEs (`doPX`).
 */
export function limitPeerExchange(dial: PeerExchangeDial, init: PeerExchangeLimitInit): PeerExchangeDial {
  let inFlight = 0
  const roomAfter = (connected: Map<string, unknown>): number =>
    Math.max(0, init.low - connected.size - inFlight)
  /** The offered peers a dial can reach without a DHT walk: a signed record, or an address known. */
  const reachable = async (fresh: Offered[]): Promise<Offered[]> => {
    const known = await Promise.all(
      fresh.map(
        ({ record, peer }) => record.signedPeerRecord !== undefined || hasAddresses(init.libp2p, peer),
      ),
    )
    const unaddressed = known.filter((ok) => !ok).length
    if (unaddressed > 0) {
      init.onUnaddressed?.(unaddressed)
      init.logger.debug(
        'peer exchange: not dialing offered peers with no known address',
        'peers',
        unaddressed,
      )
    }
    return fresh.filter((_, i) => known[i] === true)
  }
  return async (offered) => {
    const before = connectedPeers(init.libp2p)
    const fresh = offered.flatMap((record) => {
      const peer = offeredPeer(record)
      return peer === undefined || before.has(peer.toString()) ? [] : [{ record, peer }]
    })
    // A node with no room dials nothing: no lookups. Otherwise the lookups may take a moment, so the
    // peers and the room are counted again after them.
    const full = roomAfter(before) === 0
    const candidates = full ? fresh : await reachable(fresh)
    const connected = full ? before : connectedPeers(init.libp2p)
    const unknown = candidates
      .filter(({ peer }) => !connected.has(peer.toString()))
      .map(({ record }) => record)
    const room = roomAfter(connected)
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

/** The offered peer's id; undefined when the record's peer id is missing or malformed. */
function offeredPeer(record: PxRecord): PeerId | undefined {
  if (record.peerID === undefined) return undefined
  try {
    return peerIdFromMultihash(Digest.decode(record.peerID))
  } catch {
    return undefined
  }
}

/** Whether the peer store holds an address of `peer` (a dial of it would not walk the DHT). */
async function hasAddresses(libp2p: Pick<Libp2p, 'peerStore'>, peer: PeerId): Promise<boolean> {
  try {
    return (await libp2p.peerStore.get(peer)).addresses.length > 0
  } catch {
    return false // NotFoundError: never heard of (any other error: not dialed either)
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
