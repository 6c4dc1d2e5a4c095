import type { Connection, Libp2p, PeerId } from '@libp2p/interface'

/**
 * The peers with an open connection, by PeerId string, each once. libp2p's `getPeers()` answers the
 * same but parses every PeerId back from its string (a base58 decode and a public key per peer per
 * call: ~150 µs at 40 peers here), which at 50 peers cost more than the rest of an idle node; a
 * connection's `remotePeer` keeps its string form.
 */
export function connectedPeers(libp2p: Pick<Libp2p, 'getConnections'>): Map<string, PeerId> {
  const peers = new Map<string, PeerId>()
  for (const connection of libp2p.getConnections())
    peers.set(connection.remotePeer.toString(), connection.remotePeer)
  return peers
}

/**
 * An open connection without relay limits: one that carries every protocol (GossipSub, the DHT)
 * and proves its peer is there. A limited (relayed) connection may close at its limit any time.
 */
export function isOpenUnlimited(connection: Pick<Connection, 'status' | 'limits'>): boolean {
  return connection.status === 'open' && connection.limits === undefined
}
