import { waitFor } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { bootstrapEntryOf, createTestNetwork } from './helpers.js'

const net = createTestNetwork()
afterEach(() => net.stopAll())

function transportOf(addr: string): string {
  return addr.includes('/quic-v1') ? 'quic' : addr.includes('/tcp/') ? 'tcp' : addr
}

describe('transports', () => {
  it('connects over QUIC when both nodes offer it', async () => {
    const a = await net.start({ name: 'quic-a' })
    const b = await net.start({ name: 'quic-b', bootstrap: [bootstrapEntryOf(a.node)] })
    await b.node.waitUntilReady({ timeoutMs: 10_000 })
    const [connection] = b.node.libp2p.getConnections(a.node.peerId)
    expect(transportOf(connection?.remoteAddr.toString() ?? '')).toBe('quic')
    await waitFor(() => a.node.isReady(), { message: 'a ready' })
    await waitFor(() => b.node.metrics().bootstrapSuccesses === 1, { message: 'bootstrap success counted' })
    // The protocols of go-libp2p's dual DHT (both halves serve: server mode).
    expect(b.node.libp2p.getProtocols()).toEqual(
      expect.arrayContaining(['/ipfs/kad/1.0.0', '/ipfs/lan/kad/1.0.0']),
    )
    expect(b.node.metrics()).toMatchObject({
      ready: true,
      peers: 1,
      bootstrapFailures: 0,
      timeToFirstReadyMs: expect.any(Number),
    })
  })

  it('connects over TCP when QUIC is not offered', async () => {
    const a = await net.start({ name: 'tcp-a', init: { transports: { quic: false } } })
    const b = await net.start({ name: 'tcp-b', bootstrap: [bootstrapEntryOf(a.node)] })
    await b.node.waitUntilReady({ timeoutMs: 10_000 })
    const [connection] = b.node.libp2p.getConnections(a.node.peerId)
    expect(transportOf(connection?.remoteAddr.toString() ?? '')).toBe('tcp')
  })
})
