import { waitFor } from '@depin/test-utils'
import type { PeerId, PeerInfo } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { afterEach, expect, it } from 'vitest'
import { DHT_REFRESH_INTERVAL_MS } from '../src/libp2p-options.js'
import { bootstrapEntryOf, createTestNetwork } from './helpers.js'

// patches/@libp2p__kad-dht@16.4.5.patch adds `addCloserPeersToRoutingTable`, which our nodes turn
// off (src/libp2p-options.ts): upstream queues every peer named in any DHT response for a routing
// table update, which pings it first, dialling it when we are not connected (at 250 nodes, most of
// a started network's dials). go-libp2p-kad-dht adds connected peers and query responders only.
const net = createTestNetwork()
afterEach(() => net.stopAll())

/** What the test reads of kad-dht's implementation: its network's events and the routing table's update queue. */
interface KadInternals {
  network: { safeDispatchEvent(type: 'peer', init: { detail: PeerInfo }): boolean }
  routingTable: { routingTableUpdateQueue: { find(peerId: PeerId): unknown } }
  onPeerConnect(peer: PeerInfo): Promise<void>
}

it('a peer named in a DHT response is not pinged into the routing table; a connected one is', async () => {
  const a = await net.start({ name: 'dht-a' })
  const c = await net.start({ name: 'dht-c' })
  const dht = a.node.libp2p.services.dht as unknown as KadInternals
  expect(dht.routingTable.routingTableUpdateQueue.find).toBeTypeOf('function')
  const named: PeerInfo = { id: c.node.peerId, multiaddrs: c.node.libp2p.getMultiaddrs() }
  // What a FIND_NODE answer naming C does (kad-dht's listener runs synchronously).
  dht.network.safeDispatchEvent('peer', { detail: named })
  expect(dht.routingTable.routingTableUpdateQueue.find(c.node.peerId)).toBeUndefined()
  // The path such a peer took before (and a connected, identified peer takes): queued, pinged, dialled.
  await dht.onPeerConnect(named)
  expect(dht.routingTable.routingTableUpdateQueue.find(c.node.peerId)).toBeDefined()
  await waitFor(() => a.node.libp2p.getConnections(c.node.peerId).length > 0, {
    message: "the routing table's ping dialled C",
  })
})

interface ClosestPeersInternals {
  routingTable: { closestPeers: { timeout?: unknown } }
}

// The same patch arms the closest peers' tag update when a peer joins the set (5 s later), instead
// of an interval that woke an idle node every 5 s per DHT to find nothing changed.
it('tags a peer that joins the closest set, with no timer left once the tags are up to date', async () => {
  const a = await net.start({ name: 'dht-a' })
  const b = await net.start({ name: 'dht-b', bootstrap: [bootstrapEntryOf(a.node)] })
  const closest = (a.node.libp2p.services.dht as unknown as ClosestPeersInternals).routingTable.closestPeers
  const tags = await waitFor(
    async () => {
      const peer = await a.node.libp2p.peerStore.get(b.node.peerId).catch(() => undefined)
      return peer?.tags.has('kad-close') === true ? peer.tags : undefined
    },
    { timeoutMs: 15_000, message: "b tagged as one of a's closest DHT peers" },
  )
  expect(tags.get('kad-close')?.value).toBe(50)
  expect(closest.timeout).toBeUndefined()
})

interface RefreshInternals {
  routingTableRefresh: { refreshInterval: number }
  querySelf: { interval: number }
}

// The same patch forwards `tableRefreshInterval`: both DHTs refresh their tables and look
// themselves up every 10 min (go-libp2p-kad-dht's period), not every 5 min, each a burst of queries.
it("both DHTs refresh their routing tables and look themselves up at go-libp2p-kad-dht's period", async () => {
  const a = await net.start({ name: 'dht-a' })
  const services = a.node.libp2p.services as unknown as Record<'dht' | 'lanDht', RefreshInternals>
  for (const dht of [services.dht, services.lanDht]) {
    expect(dht.routingTableRefresh.refreshInterval).toBe(DHT_REFRESH_INTERVAL_MS)
    expect(dht.querySelf.interval).toBe(DHT_REFRESH_INTERVAL_MS)
  }
  expect(DHT_REFRESH_INTERVAL_MS).toBe(600_000)
})

interface OldContactInternals {
  routingTable: {
    add(peer: PeerId): Promise<void>
    kb: { toIterable(): Iterable<{ peerId: PeerId }> }
    pingContact(contact: unknown, options?: { signal?: AbortSignal }): Promise<boolean>
    pingOldContacts(contacts: unknown[]): AsyncGenerator<{ peerId: PeerId }>
  }
}

// The same patch bounds the ping of an old contact (a full bucket asks whether its oldest peers are
// still there) by the adaptive timeout upstream builds for it and then never passed: a contact that
// does not answer held its slot for as long as the dial's own timeout (30 s here), and kept a live
// newcomer out of the bucket meanwhile.
it('an old contact that does not answer the ping is given up after the ping timeout, not held', async () => {
  const a = await net.start({ name: 'dht-a' })
  const c = await net.start({ name: 'dht-c' })
  const rt = (a.node.libp2p.services.dht as unknown as OldContactInternals).routingTable
  await a.node.libp2p.dial(c.node.libp2p.getMultiaddrs()[0] as Multiaddr)
  await rt.add(c.node.peerId)
  const contact = [...rt.kb.toIterable()].find((p) => p.peerId.equals(c.node.peerId))
  expect(contact).toBeDefined()
  // c stops answering: the ping ends only when its signal does (false: not there)
  rt.pingContact = (_contact, options) =>
    new Promise((resolve) => {
      if (options?.signal?.aborted === true) resolve(false)
      options?.signal?.addEventListener('abort', () => resolve(false), { once: true })
    })
  const evicted: PeerId[] = []
  const done = (async () => {
    for await (const peer of rt.pingOldContacts([contact])) evicted.push(peer.peerId)
  })()
  done.catch(() => {}) // awaited below; a failed wait leaves it to the node's stop
  await waitFor(() => evicted.length > 0, {
    timeoutMs: 20_000,
    message: 'the unanswered old contact given up (its ping bounded by the ping timeout)',
  })
  expect(evicted[0]?.equals(c.node.peerId)).toBe(true)
  await done
})
