import { waitFor } from '@depin/test-utils'
import { afterEach, expect, it } from 'vitest'
import { RTT_NEAR_TAG, RTT_PREFERRED_TAG } from '../src/latency-peering.js'
import { bootstrapEntryOf, createTestNetwork } from './helpers.js'

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
      return m.measuredPeers === 1 && m.pings >= 2 ? m : undefined
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
  expect(b.node.metrics().peering).toMatchObject({ latencyAware: false, pings: 0, measuredPeers: 0 })
  const peer = await b.node.libp2p.peerStore.get(a.node.peerId)
  expect(peer.tags.has(RTT_PREFERRED_TAG)).toBe(false)
})
