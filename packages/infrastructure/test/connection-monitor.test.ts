import { waitFor } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { bootstrapEntryOf, createTestNetwork } from './helpers.js'

const net = createTestNetwork()
afterEach(() => net.stopAll())

describe('connectionMonitor', () => {
  it('pings each connection every pingIntervalMs; 0 turns the pings off', async () => {
    const hub = await net.start({ name: 'mon-hub' })
    const bootstrap = [bootstrapEntryOf(hub.node)]
    const pinged = await net.start({
      name: 'mon-on',
      bootstrap,
      init: { connectionMonitor: { pingIntervalMs: 200 } },
    })
    const silent = await net.start({
      name: 'mon-off',
      bootstrap,
      init: { connectionMonitor: { pingIntervalMs: 0 } },
    })
    await waitFor(() => pinged.node.isReady() && silent.node.isReady(), {
      message: 'both connected to the hub',
    })
    const rtt = (n: typeof pinged): Array<number | undefined> =>
      n.node.libp2p.getConnections(hub.node.peerId).map((c) => c.rtt)
    // A measured round trip is what the monitor's ping leaves on the connection.
    await waitFor(() => rtt(pinged).some((r) => r !== undefined), {
      timeoutMs: 10_000,
      message: 'the monitored connection was pinged',
    })
    // Three more pings of the monitored connection (each overwrites the -1 we leave): the other was never pinged.
    for (let tick = 0; tick < 3; tick++) {
      for (const c of pinged.node.libp2p.getConnections(hub.node.peerId)) c.rtt = -1
      await waitFor(() => rtt(pinged).some((r) => r !== undefined && r >= 0), {
        timeoutMs: 5_000,
        message: `ping ${tick + 2} of the monitored connection`,
      })
    }
    expect(rtt(silent).every((r) => r === undefined)).toBe(true)
  })
})
