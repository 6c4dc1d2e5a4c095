import { generateWallet } from '@depin/test-utils'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import { describe, expect, test } from 'vitest'
import { connectedPeers, hasConnectedPeer } from '../src/connected-peers.js'

function peer(): PeerId {
  return generateWallet().identity.peerId
}

/** A host whose open connections go to `remotes` (a peer listed twice holds two connections). */
function host(remotes: PeerId[]): Pick<Libp2p, 'getConnections'> {
  const connections = remotes.map((remotePeer) => ({ remotePeer }) as unknown as Connection)
  return { getConnections: () => connections }
}

describe('connected peers, read from the open connections', () => {
  test('each connected peer once, as its PeerId string, whatever its number of connections', () => {
    const [a, b] = [peer(), peer()]
    expect(connectedPeers(host([a, b, a]))).toEqual([a.toString(), b.toString()])
    expect(hasConnectedPeer(host([a]))).toBe(true)
  })

  test('no connection: no peer', () => {
    expect(connectedPeers(host([]))).toEqual([])
    expect(hasConnectedPeer(host([]))).toBe(false)
  })
})
