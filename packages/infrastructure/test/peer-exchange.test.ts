import { walletToPeerId } from '@depin/identity'
import { generateWallet, waitFor } from '@depin/test-utils'
import type { RPC } from '@libp2p/gossipsub/message'
import { type Connection, NotFoundError, type PeerId, type PeerStore } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { gossipSubInternals } from '../src/gossipsub-internals.js'
import { limitPeerExchange } from '../src/peer-exchange.js'
import { bootstrapEntryOf, createTestLogger, createTestNetwork, type TestNode } from './helpers.js'

// The peer exchange limit against a stand-in node (its connected peers) and a stand-in GossipSub
// dial that records what it was given; then the real PRUNE path between real nodes.
const net = createTestNetwork()
afterEach(() => net.stopAll())

const newPeer = (): PeerId => walletToPeerId(generateWallet().wallet)
const recordOf = (peer: PeerId): RPC.PeerInfo => ({ peerID: peer.toMultihash().bytes })
const idsOf = (records: RPC.PeerInfo[]): string[] =>
  records.map((r) => (r.peerID === undefined ? 'none' : Buffer.from(r.peerID).toString('hex')))

/** A stand-in node: `connectedCount` peers, and a peer store that knows an address of every peer except `unaddressed`. */
function standIn(
  connectedCount: number,
  low: number,
  unaddressed: { unknown?: PeerId[]; empty?: PeerId[] } = {},
) {
  const connected = Array.from({ length: connectedCount }, newPeer)
  const dialed: RPC.PeerInfo[][] = []
  let skipped = 0
  let notAddressed = 0
  const release: (() => void)[] = []
  const lookedUp: string[] = []
  const has = (list: PeerId[] | undefined, peer: PeerId): boolean =>
    list?.some((p) => p.equals(peer)) === true
  const peerStore = {
    get: async (peer: PeerId) => {
      lookedUp.push(peer.toString())
      if (has(unaddressed.unknown, peer)) throw new NotFoundError('peer not found')
      return {
        id: peer,
        addresses: has(unaddressed.empty, peer)
          ? []
          : [{ multiaddr: multiaddr('/ip4/127.0.0.1/udp/1/quic-v1'), isCertified: false }],
      }
    },
  } as unknown as PeerStore
  const limited = limitPeerExchange(
    async (offered) => {
      dialed.push(offered)
      await new Promise<void>((resolve) => release.push(resolve))
    },
    {
      libp2p: {
        getConnections: () => connected.map((remotePeer) => ({ remotePeer }) as Connection),
        peerStore,
      },
      low,
      onSkipped: (n) => {
        skipped += n
      },
      onUnaddressed: (n) => {
        notAddressed += n
      },
      logger: createTestLogger('px'),
    },
  )
  /** Waits until `count` dials were handed to GossipSub (the address lookups come first). */
  const dials = (count: number) =>
    waitFor(() => dialed.length >= count, { timeoutMs: 5_000, message: `${count} peer exchange dials` })
  return {
    connected,
    dialed,
    dials,
    lookedUp,
    skipped: () => skipped,
    unaddressed: () => notAddressed,
    release,
    limited,
  }
}

describe('peer exchange limit', () => {
  it('dials offered peers only up to connectionLimits.low, and counts the rest as skipped', async () => {
    const px = standIn(3, 5)
    const offered = Array.from({ length: 6 }, newPeer).map(recordOf)
    const done = px.limited(offered)
    await px.dials(1)
    expect(px.dialed).toHaveLength(1)
    expect(px.dialed[0]).toHaveLength(2)
    // the chosen ones are among those offered
    expect(idsOf(offered)).toEqual(expect.arrayContaining(idsOf(px.dialed[0] ?? [])))
    expect(px.skipped()).toBe(4)
    for (const r of px.release) r()
    await done
  })

  it('a node that has low peers dials none of them', async () => {
    const px = standIn(5, 5)
    await px.limited(Array.from({ length: 4 }, newPeer).map(recordOf))
    expect(px.dialed).toEqual([])
    expect(px.skipped()).toBe(4)
  })

  it('offered peers the node is connected to are neither dialed nor counted as skipped', async () => {
    const px = standIn(2, 10)
    const fresh = newPeer()
    const done = px.limited([...px.connected.map(recordOf), recordOf(fresh)])
    await px.dials(1)
    expect(idsOf(px.dialed[0] ?? [])).toEqual(idsOf([recordOf(fresh)]))
    expect(px.skipped()).toBe(0)
    for (const r of px.release) r()
    await done
  })

  it('drops records without a peer id or with a malformed one instead of throwing', async () => {
    const px = standIn(0, 10)
    const good = recordOf(newPeer())
    const done = px.limited([{}, { peerID: new Uint8Array([1, 2, 3]) }, good])
    await px.dials(1)
    expect(idsOf(px.dialed[0] ?? [])).toEqual(idsOf([good]))
    for (const r of px.release) r()
    await done
  })

  it('dials in flight count as peers: PRUNEs arriving together do not fill the same room twice', async () => {
    const px = standIn(0, 3)
    const first = px.limited(Array.from({ length: 2 }, newPeer).map(recordOf))
    const second = px.limited(Array.from({ length: 2 }, newPeer).map(recordOf))
    await px.dials(2)
    expect(px.dialed.map((d) => d.length)).toEqual([2, 1])
    expect(px.skipped()).toBe(1)
    for (const r of px.release) r()
    await Promise.all([first, second])
    // once those dials are done (and, here, never connected), there is room again
    const third = px.limited([recordOf(newPeer())])
    await px.dials(3)
    expect(px.dialed.map((d) => d.length)).toEqual([2, 1, 1])
    for (const r of px.release) r()
    await third
  })

  it('does not dial an offered peer with no signed record and no known address (the dial would walk the DHT)', async () => {
    const [unknown, empty, addressed, signed] = [newPeer(), newPeer(), newPeer(), newPeer()]
    const px = standIn(0, 10, { unknown: [unknown, signed], empty: [empty] })
    // A signed record brings its own addresses (GossipSub consumes it before dialing): no lookup.
    const signedRecord = { ...recordOf(signed), signedPeerRecord: new Uint8Array([1]) }
    const done = px.limited([recordOf(unknown), recordOf(empty), recordOf(addressed), signedRecord])
    await px.dials(1)
    expect(idsOf(px.dialed[0] ?? []).sort()).toEqual(idsOf([recordOf(addressed), signedRecord]).sort())
    expect(px.unaddressed()).toBe(2)
    expect(px.skipped()).toBe(0)
    expect(px.lookedUp).not.toContain(signed.toString())
    for (const r of px.release) r()
    await done
  })

  it('a node with no room looks nothing up', async () => {
    const px = standIn(5, 5, { unknown: [] })
    await px.limited(Array.from({ length: 3 }, newPeer).map(recordOf))
    expect(px.lookedUp).toEqual([])
    expect(px.skipped()).toBe(3)
    expect(px.unaddressed()).toBe(0)
  })
})

describe('peer exchange in a PRUNE, between real nodes', () => {
  it('a node with connectionLimits.low peers does not dial the peers offered; one with room does', async () => {
    // Only the hub is a DHT server, each node joins a database of its own (its rendezvous finds
    // nobody) and latency-aware peering is off: the PRUNE's peer exchange is the only way the
    // others can meet. They share a topic through GossipSub directly.
    const topic = 'px-test'
    const quiet = { dht: { clientMode: true }, peering: { latencyAware: false } }
    const hub = await net.start({
      name: 'px-hub',
      database: 'px-hub',
      init: { peering: { latencyAware: false } },
    })
    const entry = [bootstrapEntryOf(hub.node)]
    const start = (name: string, low: number): Promise<TestNode> =>
      net.start({
        name,
        database: name,
        bootstrap: entry,
        init: { ...quiet, connectionLimits: { low, high: 64, gracePeriodMs: 60_000 } },
      })
    const full = await start('px-full', 1)
    const roomy = await start('px-roomy', 32)
    const others = [await start('px-b', 1), await start('px-c', 1)]
    const all = [hub, full, roomy, ...others]
    for (const n of all) n.node.libp2p.services.pubsub.subscribe(topic)
    const hubMesh = gossipSubInternals(hub.node.libp2p.services.pubsub)
    const inHubMesh = (n: TestNode): boolean => hubMesh.meshPeers()?.has(n.node.peerId.toString()) === true
    await waitFor(() => [full, roomy, ...others].every(inHubMesh), {
      timeoutMs: 15_000,
      message: 'every node in the hub mesh',
    })
    const connected = (a: TestNode, b: TestNode): boolean =>
      a.node.libp2p.getConnections(b.node.peerId).length > 0
    expect(others.some((o) => connected(full, o) || connected(roomy, o))).toBe(false)

    // Leaving the topic, the hub prunes its whole mesh, offering each the other subscribers.
    hub.node.libp2p.services.pubsub.unsubscribe(topic)
    await waitFor(() => others.every((o) => connected(roomy, o)), {
      timeoutMs: 15_000,
      message: 'the node with room to dial the offered peers',
    })
    // The full node has handled its PRUNE once it skipped the offered peers or dialed one of them.
    await waitFor(
      () =>
        full.node.metrics().peerExchangeSkipped >= others.length || others.some((o) => connected(full, o)),
      { timeoutMs: 15_000, message: 'the node at its low watermark to handle its PRUNE' },
    )
    expect(others.filter((o) => connected(full, o)).map((o) => o.name)).toEqual([])
    // (the roomy node, offered too, may have dialed the full one first: then it was not skipped)
    expect(full.node.metrics().peerExchangeSkipped).toBeGreaterThanOrEqual(others.length)
    expect(roomy.node.metrics().peerExchangeSkipped).toBe(0)
  })
})
