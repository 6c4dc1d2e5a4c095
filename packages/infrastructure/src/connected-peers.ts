import type { Connection, Libp2p, PeerId } from '@libp2p/interface'

/**
 * The peers with an open connection, by PeerId string, each once. libp2p's `getPeers()` answers the
 * same but parses every PeerId back from its string (a base58 decode and a public key per peer per
 * call: ~150 µs at 40 peers here), which at 50 peers cost more than the rest of an idle node; a
 * connection's `remotePeer` keeps its string form. With `only`, the peers of the connections it
 * accepts.
 */
export function connectedPeers(
  libp2p: Pick<Libp2p, 'getConnections'>,
  only?: (connection: Connection) => boolean,
): Map<string, PeerId> {
  const peers = new Map<string, PeerId>()
  for (const connection of libp2p.getConnections()) {
    if (only === undefined || only(connection))
      peers.set(connection.remotePeer.toString(), connection.remotePeer)
  }
  return peers
}

const isOpen = (connection: Connection): boolean => connection.status === 'open'

/**
 * An open connection without relay limits: one that carries every protocol (GossipSub, the DHT)
 * and proves its peer is there. A limited (relayed) connection may close at its limit any time.
 */
export function isOpenUnlimited(connection: Pick<Connection, 'status' | 'limits'>): boolean {
  return connection.status === 'open' && connection.limits === undefined
}

/** The peers with an open connection, kept up to date from libp2p's connection events. */
export interface ConnectedPeersWatch {
  /**
   * The peers with an open connection, by PeerId string. The same map is returned until a
   * connection opens or closes, and a map once returned is never changed (a new one replaces it):
   * a caller may keep it across an `await`, and compare it with the last one it saw to learn
   * whether anything changed.
   */
  peers(): ReadonlyMap<string, PeerId>
  /** Stops following libp2p's events (`peers()` then keeps answering the last map). */
  stop(): void
}

/**
 * {@link connectedPeers} for readers that ask every second (latency-aware peering's tick, the
 * node's metrics): the map is rebuilt only on the first read after a `connection:open` or
 * `connection:close`, not on every read. An idle node's connections rarely change, and rebuilding
 * from `getConnections()` (an array of every connection, through libp2p's peer map) every second
 * was ~15% of an idle node's main thread at 12 peers (bench/README.md, "What an idle tick costs").
 * Connections that are closing when it is rebuilt are left out; one that starts closing afterwards
 * stays until its `connection:close`.
 */
export function watchConnectedPeers(
  libp2p: Pick<Libp2p, 'getConnections' | 'addEventListener' | 'removeEventListener'>,
): ConnectedPeersWatch {
  let changes = 0
  let builtAt = -1
  let peers = new Map<string, PeerId>()
  const changed = (): void => {
    changes++
  }
  libp2p.addEventListener('connection:open', changed)
  libp2p.addEventListener('connection:close', changed)
  return {
    peers() {
      if (builtAt === changes) return peers
      builtAt = changes
      peers = connectedPeers(libp2p, isOpen)
      return peers
    },
    stop() {
      libp2p.removeEventListener('connection:open', changed)
      libp2p.removeEventListener('connection:close', changed)
    },
  }
}
