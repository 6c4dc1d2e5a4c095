import { generateWallet } from '@depin/test-utils'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import { describe, expect, test } from 'vitest'
import { connectedPeers } from '../src/connected-peers.js'

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
    const peers = connectedPeers(host([a, b, a]))
    expect([...peers.keys()]).toEqual([a.toString(), b.toString()])
    expect([...peers.values()]).toEqual([a, b])
    expect(connectedPeers(host([a])).size).toBe(1)
  })

  test('no connection: no peer', () => {
    expect(connectedPeers(host([])).size).toBe(0)
  })
})
