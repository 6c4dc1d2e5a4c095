import type { Logger } from '@depin/logger'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import { peerIdString } from './decisions.js'

/** The part of a libp2p node that `attach()` uses: any js-libp2p 3 `Libp2p` fits. */
export type AttachableNode = Pick<Libp2p, 'getConnections'>

// A revoked peer gets this long to close gracefully before its connection is aborted.
const CLOSE_TIMEOUT_MS = 2_000

/** Why connections are swept: a registry refresh revoked their peer, or a database left the node. */
export type SweepCause = 'revoked' | 'database-left'

/**
 * Closes every open connection of `node` whose remote peer `isAdmitted` no longer admits, and
 * returns how many it closed. Called after each successful registry refresh (a revocation, logged
 * at info) and when a database leaves a shared node (its peers that no other database admits;
 * expected, logged at debug).
 */
export function closeRevokedConnections(
  node: AttachableNode,
  isAdmitted: (peerId: PeerId) => boolean,
  logger: Logger,
  cause: SweepCause = 'revoked',
): number {
  let closed = 0
  for (const connection of node.getConnections()) {
    if (connection.status !== 'open' || isAdmitted(connection.remotePeer)) continue
    closed++
    const peer = peerIdString(connection.remotePeer)
    if (cause === 'revoked')
      logger.info('closing connection of a peer no longer in the registry', 'peer', peer)
    else logger.debug('closing connection of a peer no remaining database admits', 'peer', peer)
    closeConnection(connection)
  }
  return closed
}

/** Closes every open connection of `node` to `peerId` (a suspended peer); returns how many. */
export function closePeerConnections(node: AttachableNode, peerId: PeerId, logger: Logger): number {
  let closed = 0
  for (const connection of node.getConnections(peerId)) {
    if (connection.status !== 'open') continue
    closed++
    logger.info('closing connection of a suspended peer', 'peer', peerIdString(peerId))
    closeConnection(connection)
  }
  return closed
}

function closeConnection(connection: Connection): void {
  connection.close({ signal: AbortSignal.timeout(CLOSE_TIMEOUT_MS) }).catch((err: unknown) => {
    connection.abort(err instanceof Error ? err : new Error('closing a revoked peer failed'))
  })
}
