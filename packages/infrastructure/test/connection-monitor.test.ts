import { waitFor } from '@depin/test-utils'
import type { Stream } from '@libp2p/interface'
import { afterEach, describe, expect, it } from 'vitest'
import { PING_PROTOCOL } from '../src/ping.js'
import { bootstrapEntryOf, createTestNetwork } from './helpers.js'

const net = createTestNetwork()
afterEach(() => net.stopAll())

const TCP_ONLY = { quic: false, tcp: true }
const QUIC_ONLY = { quic: true, tcp: false }

describe('connectionMonitor', () => {
  it('pings TCP connections every pingIntervalMs (QUIC ones carry their own RTT); 0 turns the pings off', async () => {
    const hub = await net.start({ name: 'mon-hub' })
    const bootstrap = [bootstrapEntryOf(hub.node)]
    const monitor = { pingIntervalMs: 200 }
    const tcp = await net.start({
      name: 'mon-tcp',
      bootstrap,
      init: { transports: TCP_ONLY, connectionMonitor: monitor },
    })
    const quic = await net.start({
      name: 'mon-quic',
      bootstrap,
      init: { transports: QUIC_ONLY, connectionMonitor: monitor },
    })
    const off = await net.start({
      name: 'mon-off',
      bootstrap,
      init: { transports: TCP_ONLY, connectionMonitor: { pingIntervalMs: 0 } },
    })
    await waitFor(() => tcp.node.isReady() && quic.node.isReady() && off.node.isReady(), {
      message: 'all three connected to the hub',
    })
    const rtt = (n: typeof tcp): Array<number | undefined> =>
      n.node.libp2p.getConnections(hub.node.peerId).map((c) => c.rtt)
    // A measured round trip is what a ping leaves on the connection.
    await waitFor(() => rtt(tcp).some((r) => r !== undefined), {
      timeoutMs: 10_000,
      message: 'the TCP connection was pinged',
    })
    // Four more pings of the TCP connection (each overwrites the -1 we leave) while the others wait.
    for (let tick = 0; tick < 4; tick++) {
      for (const c of tcp.node.libp2p.getConnections(hub.node.peerId)) c.rtt = -1
      await waitFor(() => rtt(tcp).some((r) => r !== undefined && r >= 0), {
        timeoutMs: 5_000,
        message: `ping ${tick + 2} of the TCP connection`,
      })
    }
    // Not pinged by the monitor (connection-monitor-unit.test.ts): a QUIC connection's RTT is
    // QUIC's own estimate, which a value set on the connection does not hide.
    for (const c of quic.node.libp2p.getConnections(hub.node.peerId)) c.rtt = -1
    expect(rtt(quic).length).toBeGreaterThan(0)
    expect(rtt(quic).every((r) => typeof r === 'number' && r >= 0)).toBe(true)
    expect(rtt(off).every((r) => r === undefined)).toBe(true)
    expect(tcp.node.metrics().deadConnectionsClosed).toBe(0)
  })

  it('closes a TCP connection whose peer stops answering pings, after maxFailures in a row', async () => {
    const hub = await net.start({ name: 'mon-stall-hub', init: { connectionMonitor: { pingIntervalMs: 0 } } })
    const watcher = await net.start({
      name: 'mon-watcher',
      bootstrap: [bootstrapEntryOf(hub.node)],
      init: {
        transports: TCP_ONLY,
        connectionMonitor: { pingIntervalMs: 200, pingTimeoutMs: 300, maxFailures: 3 },
      },
    })
    await waitFor(() => watcher.node.isReady(), { message: 'connected' })
    const [connection] = watcher.node.libp2p.getConnections(hub.node.peerId)
    await waitFor(() => connection?.rtt !== undefined, { message: 'the connection answered a ping' })
    expect(connection?.status).toBe('open')

    // The hub's process stalls for pings (its socket stays open, as for a peer that vanished
    // without a FIN or RST): its ping handler now reads and never answers.
    const stalled: Stream[] = []
    await hub.node.libp2p.unhandle(PING_PROTOCOL)
    await hub.node.libp2p.handle(PING_PROTOCOL, (stream: Stream) => {
      stalled.push(stream)
    })
    await waitFor(() => connection?.status !== 'open', {
      timeoutMs: 15_000,
      message: 'the silent connection was closed',
    })
    expect(watcher.node.metrics().deadConnectionsClosed).toBe(1)
    expect(stalled.length).toBeGreaterThanOrEqual(3)
    expect(
      watcher.logger.lines.some((l) => l.includes('closing connection: peer stopped answering pings')),
    ).toBe(true)
    for (const stream of stalled) stream.abort(new Error('test over'))
  })
})
