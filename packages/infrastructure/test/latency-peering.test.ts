import { waitFor } from '@depin/test-utils'
import { afterEach, expect, it } from 'vitest'
import { RTT_NEAR_TAG, RTT_PREFERRED_TAG } from '../src/latency-peering.js'
import { transportRtt } from '../src/ping.js'
import { bootstrapEntryOf, createTestNetwork, rttSamplesOf } from './helpers.js'

const net = createTestNetwork()
afterEach(() => net.stopAll())

it('measures each peer over its connection, tags near peers and reports it in metrics()', async () => {
  const peering = { latencyAware: true, pingIntervalMs: 500 }
  const a = await net.start({ name: 'a', init: { peering } })
  const b = await net.start({ name: 'b', bootstrap: [bootstrapEntryOf(a.node)], init: { peering } })
  await b.node.waitUntilReady({ timeoutMs: 10_000 })
  const metrics = await waitFor(
    () => {
      const m = b.node.metrics().peering
      return m.measuredPeers === 1 && rttSamplesOf(m) >= 2 ? m : undefined
    },
    { timeoutMs: 10_000, message: "b's RTT to a measured" },
  )
  // Loopback: one band, near; nothing is far, so nothing is kept for a far band.
  expect(metrics).toMatchObject({
    latencyAware: true,
    nearBand: 0,
    nearPeers: 1,
    farPeersKept: 0,
    farBandsConnected: 0,
  })
  expect(metrics.rttMedianMs).toBeGreaterThanOrEqual(0)
  expect(metrics.rttMedianMs).toBeLessThan(10)
  const tags = await waitFor(
    async () => {
      const peer = await b.node.libp2p.peerStore.get(a.node.peerId)
      return peer.tags.has(RTT_PREFERRED_TAG) ? peer.tags : undefined
    },
    { timeoutMs: 5_000, message: 'a tagged as a preferred (near) peer of b' },
  )
  expect(tags.get(RTT_NEAR_TAG)?.value).toBe(100)
})

it('does nothing of the kind when off', async () => {
  const off = { peering: { latencyAware: false } }
  const a = await net.start({ name: 'a', init: off })
  const b = await net.start({ name: 'b', bootstrap: [bootstrapEntryOf(a.node)], init: off })
  await b.node.waitUntilReady({ timeoutMs: 10_000 })
  expect(b.node.metrics().peering).toMatchObject({
    latencyAware: false,
    pings: 0,
    transportRttReads: 0,
    measuredPeers: 0,
  })
  const peer = await b.node.libp2p.peerStore.get(a.node.peerId)
  expect(peer.tags.has(RTT_PREFERRED_TAG)).toBe(false)
})

it("reads a QUIC peer's RTT from the connection itself, with no ping stream; pings a TCP peer", async () => {
  const peering = { latencyAware: true, pingIntervalMs: 500 }
  const quicOnly = { transports: { quic: true, tcp: false }, peering }
  const tcpOnly = { transports: { quic: false, tcp: true }, peering }
  const a = await net.start({ name: 'a', init: { peering } })
  const q = await net.start({ name: 'q', bootstrap: [bootstrapEntryOf(a.node)], init: quicOnly })
  const t = await net.start({ name: 't', bootstrap: [bootstrapEntryOf(a.node)], init: tcpOnly })
  await Promise.all([
    q.node.waitUntilReady({ timeoutMs: 10_000 }),
    t.node.waitUntilReady({ timeoutMs: 10_000 }),
  ])

  /** A's RTT measured three times by `node`, counted in `counter`: the node's peering metrics then. */
  const measuredThrice = (node: typeof q, counter: 'pings' | 'transportRttReads') =>
    waitFor(
      () => {
        const m = node.node.metrics().peering
        return m.measuredPeers >= 1 && m[counter] >= 3 ? m : undefined
      },
      { timeoutMs: 10_000, message: `${node.name}'s RTT to a taken three times (${counter})` },
    )

  const overQuic = await measuredThrice(q, 'transportRttReads')
  expect(overQuic.pings).toBe(0)
  expect(overQuic.rttMedianMs).toBeGreaterThanOrEqual(0)
  expect(overQuic.rttMedianMs).toBeLessThan(10)
  const quicConnection = q.node.libp2p.getConnections(a.node.libp2p.peerId)[0]
  expect(quicConnection?.remoteAddr.toString()).toContain('/quic-v1')
  // The patched libp2p Connection answers with the transport's estimate; a value set by a
  // monitor does not hide it.
  expect(quicConnection === undefined ? undefined : transportRtt(quicConnection)).toBeGreaterThanOrEqual(0)
  if (quicConnection !== undefined) quicConnection.rtt = 12_345
  expect(quicConnection?.rtt).toBeLessThan(10)

  const overTcp = await measuredThrice(t, 'pings')
  expect(overTcp.transportRttReads).toBe(0)
  expect(overTcp.pingFailures).toBe(0)
  const tcpConnection = t.node.libp2p.getConnections(a.node.libp2p.peerId)[0]
  expect(tcpConnection?.remoteAddr.toString()).toContain('/tcp/')
  expect(tcpConnection === undefined ? 'none' : transportRtt(tcpConnection)).toBeUndefined()
})
