import { waitFor } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { bootstrapEntryOf, createTestNetwork } from './helpers.js'

const net = createTestNetwork()
afterEach(() => net.stopAll())

describe('connection limits', () => {
  it('at the high watermark, trims to the low one and keeps the bootstrap peer', async () => {
    const boot = await net.start({ name: 'limits-boot' })
    const hub = await net.start({
      name: 'limits-hub',
      bootstrap: [bootstrapEntryOf(boot.node)],
      init: { connectionLimits: { low: 1, high: 3, gracePeriodMs: 0 } },
    })
    await hub.node.waitUntilReady({ timeoutMs: 10_000 })
    // Another database and DHT clients: they do not dial each other (or the hub) on their own.
    const others = []
    for (let i = 0; i < 2; i++) {
      others.push(
        await net.start({
          name: `limits-peer${i}`,
          database: 'elsewhere',
          init: { dht: { clientMode: true } },
        }),
      )
    }
    const hubAddr = hub.node.libp2p.getMultiaddrs()[0]
    if (hubAddr === undefined) throw new Error('no address')
    for (const other of others) await other.node.libp2p.dial(hubAddr).catch(() => {})

    await waitFor(() => hub.logger.lines.some((l) => l.includes('trimming connections')), {
      message: 'the hub to trim',
    })
    await waitFor(() => hub.node.libp2p.getConnections().length <= 1, {
      message: 'down to the low watermark',
    })
    expect(hub.node.libp2p.getConnections(boot.node.peerId).length).toBeGreaterThan(0)
    expect(hub.node.isReady()).toBe(true)
  })
})
