import { waitFor } from '@depin/test-utils'
import type { Message } from '@libp2p/gossipsub'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { bootstrapEntryOf, createTestNetwork } from './helpers.js'

const net = createTestNetwork()
afterEach(() => net.stopAll())

describe('circuit relay v2', () => {
  it('reaches a node with no direct listen address through a relay, and GossipSub crosses it', async () => {
    const relay = await net.start({ name: 'relay' })
    const bootstrap = [bootstrapEntryOf(relay.node)]
    const hidden = await net.start({
      name: 'hidden',
      bootstrap,
      // Reachable only through a reservation on a relay: no direct listener at all.
      init: { listenAddresses: ['/p2p-circuit'] },
    })
    const dialer = await net.start({ name: 'dialer', bootstrap })

    const circuit = await waitFor(
      () => hidden.node.libp2p.getMultiaddrs().find((addr) => addr.toString().includes('/p2p-circuit/')),
      { timeoutMs: 15_000, message: 'a relay reservation' },
    )
    expect(hidden.node.libp2p.getMultiaddrs().every((addr) => addr.toString().includes('/p2p-circuit'))).toBe(
      true,
    )

    const connection = await dialer.node.libp2p.dial(multiaddr(circuit.toString()))
    expect(connection.remoteAddr.toString()).toContain('/p2p-circuit')
    // Relayed without limits: relay v2's defaults (2 min, 128 KiB) would starve GossipSub.
    expect(connection.limits).toBeUndefined()

    const topic = 'test-db_relayed'
    const received: Message[] = []
    hidden.node.libp2p.services.pubsub.addEventListener('message', (event) => {
      if (event.detail.topic === topic) received.push(event.detail)
    })
    hidden.node.libp2p.services.pubsub.subscribe(topic)
    dialer.node.libp2p.services.pubsub.subscribe(topic)
    await waitFor(
      () =>
        dialer.node.libp2p.services.pubsub.getSubscribers(topic).some((p) => p.equals(hidden.node.peerId)),
      { timeoutMs: 10_000, message: 'the hidden node subscribed, seen over the relayed connection' },
    )
    await dialer.node.libp2p.services.pubsub.publish(topic, new TextEncoder().encode('through the relay'))
    await waitFor(() => received.length > 0, { timeoutMs: 10_000, message: 'the message' })
    expect(new TextDecoder().decode(received[0]?.data)).toBe('through the relay')
    // The only path between the two is the relayed connection.
    for (const conn of dialer.node.libp2p.getConnections(hidden.node.peerId)) {
      expect(conn.remoteAddr.toString()).toContain('/p2p-circuit')
    }
  })
})
