import { generateWallet } from '@depin/test-utils'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import { describe, expect, test } from 'vitest'
import { connectedPeers, watchConnectedPeers } from '../src/connected-peers.js'

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

/** A host whose connections tests open and close, dispatching libp2p's connection events. */
function eventedHost() {
  const connections: Connection[] = []
  const target = new EventTarget()
  let reads = 0
  const libp2p = Object.assign(target, {
    getConnections: () => {
      reads++
      return [...connections]
    },
  }) as unknown as Pick<Libp2p, 'getConnections' | 'addEventListener' | 'removeEventListener'>
  const emit = (type: string, connection: Connection) =>
    target.dispatchEvent(new CustomEvent(type, { detail: connection }))
  return {
    libp2p,
    reads: () => reads,
    open(remotePeer: PeerId): Connection {
      const connection = { remotePeer, status: 'open' } as unknown as Connection
      connections.push(connection)
      emit('connection:open', connection)
      return connection
    },
    close(connection: Connection): void {
      connections.splice(connections.indexOf(connection), 1)
      ;(connection as { status: string }).status = 'closed'
      emit('connection:close', connection)
    },
  }
}

describe('connected peers, watched from connection events', () => {
  test('the same map until a connection opens or closes; an earlier map is never changed', () => {
    const host = eventedHost()
    const [a, b] = [peer(), peer()]
    const toA = host.open(a)
    const watch = watchConnectedPeers(host.libp2p)
    const first = watch.peers()
    expect([...first.keys()]).toEqual([a.toString()])
    expect(watch.peers()).toBe(first)
    expect(host.reads()).toBe(1)

    host.open(b)
    const second = watch.peers()
    expect(second).not.toBe(first)
    expect([...second.keys()]).toEqual([a.toString(), b.toString()])
    expect([...first.keys()]).toEqual([a.toString()])

    host.close(toA)
    expect([...watch.peers().keys()]).toEqual([b.toString()])
    expect(host.reads()).toBe(3)
    watch.stop()
  })

  test('leaves out a connection that is closing when the map is rebuilt', () => {
    const host = eventedHost()
    const [a, b] = [peer(), peer()]
    const toA = host.open(a)
    ;(toA as { status: string }).status = 'closing'
    host.open(b)
    const watch = watchConnectedPeers(host.libp2p)
    expect([...watch.peers().keys()]).toEqual([b.toString()])
    watch.stop()
  })

  test('after stop, keeps answering the last map and reads no connection again', () => {
    const host = eventedHost()
    host.open(peer())
    const watch = watchConnectedPeers(host.libp2p)
    const last = watch.peers()
    watch.stop()
    host.open(peer())
    expect(watch.peers()).toBe(last)
    expect(host.reads()).toBe(1)
  })
})
