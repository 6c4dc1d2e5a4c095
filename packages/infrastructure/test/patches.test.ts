import net from 'node:net'
import { createLibp2pLogBridge, noopLogger } from '@depin/logger'
import { createTestLibp2p, generateWallet, waitFor } from '@depin/test-utils'
import { createPeerScoreParams, createTopicScoreParams, PeerScore } from '@libp2p/gossipsub/score'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, expect, test, vi } from 'vitest'

// patches/@libp2p__peer-store@12.0.28.patch and @libp2p__peer-record@9.0.16.patch: the peer store
// orders protocols, tags and addresses by code units instead of a locale-aware comparison (ICU's
// collator: ~3 MB of resident memory per node and time on every record update). Remove with the
// patches once upstream has them.

const nodes: Libp2p[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  await Promise.allSettled(nodes.splice(0).map((n) => n.stop()))
})

test('starting, connecting and identifying two nodes never calls the locale-aware comparison', async () => {
  const localeCompare = vi.spyOn(String.prototype, 'localeCompare')
  const a = await createTestLibp2p({ privateKey: generateWallet().identity.privateKey, transports: ['tcp'] })
  const b = await createTestLibp2p({ privateKey: generateWallet().identity.privateKey, transports: ['tcp'] })
  nodes.push(a, b)
  await a.dial(b.getMultiaddrs()[0]!)
  // Identify fills the peer store with b's protocols and addresses (sorted by the patched code).
  const peer = await waitFor(
    async () => {
      const p = await a.peerStore.get(b.peerId).catch(() => undefined)
      return p !== undefined && p.protocols.length > 0 ? p : undefined
    },
    { message: "b's protocols in a's peer store" },
  )
  await a.peerStore.merge(b.peerId, { tags: { zeta: { value: 1 }, alpha: { value: 2 } } })
  expect(localeCompare).not.toHaveBeenCalled()
  // Still ordered, so records compare and encode the same way every time.
  expect(peer.protocols).toEqual([...peer.protocols].sort())
  expect([...(await a.peerStore.get(b.peerId)).tags.keys()]).toEqual(['alpha', 'zeta'])
})

// patches/@libp2p__peer-store@12.0.28.patch: an address given with and without the peer's own
// `/p2p/<id>` was stored twice (upstream compares before stripping it, then strips it), so every
// record read decoded and sorted twice the addresses (~5% of a 250-node worker's CPU in decoding).
test('the peer store keeps one entry for an address given with and without the peer id', async () => {
  const a = await createTestLibp2p({ privateKey: generateWallet().identity.privateKey, transports: ['tcp'] })
  nodes.push(a)
  const peer = generateWallet().identity.peerId
  const bare = multiaddr('/ip4/127.0.0.1/udp/4001/quic-v1')
  await a.peerStore.merge(peer, { multiaddrs: [bare.encapsulate(`/p2p/${peer}`)] })
  await a.peerStore.merge(peer, { addresses: [{ multiaddr: bare, isCertified: true }] })
  await a.peerStore.merge(peer, { multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/4001'), bare] })
  await a.peerStore.merge(peer, { multiaddrs: [bare.encapsulate(`/p2p/${peer}`)] })
  const stored = (await a.peerStore.get(peer)).addresses
  expect(stored.map((x) => `${x.multiaddr.toString()} ${x.isCertified}`)).toEqual([
    '/ip4/127.0.0.1/tcp/4001 false',
    '/ip4/127.0.0.1/udp/4001/quic-v1 true',
  ])
})

// patches/libp2p@3.3.11.patch: a stream's protocol negotiation is bounded by a timer that is
// cleared once it is over, instead of AbortSignal.timeout(), whose timer stays until it fires and
// then builds a DOMException with its stack trace (1.4% of a 250-node worker's CPU, for streams
// negotiated ten seconds before). The bound itself is kept: a negotiation that stalls still fails.
test('stream negotiation: no AbortSignal.timeout per stream, and a stalled one still times out', async () => {
  const a = await createTestLibp2p({ privateKey: generateWallet().identity.privateKey, transports: ['tcp'] })
  const b = await createTestLibp2p({ privateKey: generateWallet().identity.privateKey, transports: ['tcp'] })
  nodes.push(a, b)
  await b.handle('/test/echo/1.0.0', (stream) => stream.close())
  const connection = await a.dial(b.getMultiaddrs()[0]!)
  // Identify may still be running on the new connection (it has its own AbortSignal.timeout).
  const fromConnection: string[] = []
  const timeout = AbortSignal.timeout.bind(AbortSignal)
  const timeouts = vi.spyOn(AbortSignal, 'timeout').mockImplementation((ms) => {
    // The frame that called AbortSignal.timeout (the spy's own frames come first).
    const lines = (new Error().stack ?? '').split('\n')
    const caller = lines[lines.findIndex((l) => l.includes('AbortSignal.timeout')) + 1] ?? ''
    if (/libp2p\/dist\/src\/connection\.js/.test(caller)) fromConnection.push(caller)
    return timeout(ms)
  })
  for (let i = 0; i < 5; i++) await (await connection.newStream('/test/echo/1.0.0')).close()
  expect(fromConnection).toEqual([])
  timeouts.mockRestore()
  // B stops negotiating new streams on this connection: A's negotiation waits for an answer.
  const stalled = connection as unknown as { outboundStreamProtocolNegotiationTimeout: number }
  stalled.outboundStreamProtocolNegotiationTimeout = 200
  const inbound = b.getConnections(a.peerId)[0] as unknown as {
    muxer: EventTarget
    onIncomingStream: (event: Event) => void
  }
  inbound.muxer.removeEventListener('stream', inbound.onIncomingStream)
  const err = await connection.newStream('/test/echo/1.0.0').catch((e: unknown) => e)
  expect(err).toMatchObject({ name: 'TimeoutError' })
})

// patches/@libp2p__kad-dht@16.4.5.patch: the DHT's closest-peers refresh (every 5 s on every node)
// compares the old and new sets by their string keys instead of PeerSet.difference(), which parsed
// every peer id back from its string twice per refresh (~6% of an idle 13-node network's main-thread
// CPU). What it does must not change: new closest peers tagged, dropped ones untagged, nothing
// written while the set stays the same.
test('kad-dht closest peers: tags the new ones, untags the dropped ones, writes nothing when unchanged', async () => {
  const url = new URL('./routing-table/closest-peers.js', import.meta.resolve('@libp2p/kad-dht'))
  const { ClosestPeers } = (await import(url.href)) as { ClosestPeers: ClosestPeersClass }
  const merges: string[] = []
  const closest = new ClosestPeers(
    {
      peerId: generateWallet().identity.peerId,
      peerStore: {
        merge: async (peer: PeerId, data: { tags: Record<string, unknown> }) => {
          merges.push(`${data.tags['kad-close'] === undefined ? 'untag' : 'tag'} ${peer.toString()}`)
        },
      },
      logger: { forComponent: () => Object.assign(() => {}, { error() {}, trace() {}, enabled: false }) },
    },
    { logPrefix: 'test', routingTable: new EventTarget() },
  )
  const [a, b, c] = [0, 1, 2].map(() => generateWallet().identity.peerId) as [PeerId, PeerId, PeerId]
  // The distance list's current closest peers, as the routing table's pings leave it.
  const closestAre = (...ids: PeerId[]): void => {
    closest.newPeers = {
      peers: ids.map((id) => ({ peer: { id, multiaddrs: [] }, distance: new Uint8Array() })),
    }
  }
  const update = async (): Promise<string[]> => {
    merges.length = 0
    await closest.updatePeerTags()
    return merges.sort()
  }
  closestAre(a, b)
  expect(await update()).toEqual([`tag ${a}`, `tag ${b}`].sort())
  expect(await update()).toEqual([])
  closestAre(b, c)
  expect(await update()).toEqual([`tag ${c}`, `untag ${a}`].sort())
  closestAre()
  expect(await update()).toEqual([`untag ${b}`, `untag ${c}`].sort())
})

/** What the test uses of kad-dht's internal ClosestPeers (not exported by the package). */
type ClosestPeersClass = new (
  components: {
    peerId: PeerId
    peerStore: { merge(peer: PeerId, data: { tags: Record<string, unknown> }): Promise<void> }
    logger: { forComponent(name: string): unknown }
  },
  init: { logPrefix: string; routingTable: EventTarget },
) => {
  newPeers: { peers: Array<{ peer: { id: PeerId; multiaddrs: [] }; distance: Uint8Array }> }
  updatePeerTags(): Promise<void>
}

// patches/libp2p@3.3.11.patch: a dial that says whether it initiates (DCUtR's simultaneous open)
// never joins a dial to the same peer already in flight. Joined, the punch waited behind that
// dial's other addresses and went out as that dial, from an ephemeral port (netlab caught it: the
// hole punch failed, and its NAT state spoiled the next attempts).
test("a hole punch's dial is not joined to a dial in flight to the same peer; other dials are", async () => {
  const a = await createTestLibp2p({ privateKey: generateWallet().identity.privateKey, transports: ['tcp'] })
  const b = await createTestLibp2p({ privateKey: generateWallet().identity.privateKey, transports: ['tcp'] })
  nodes.push(a, b)
  // a TCP listener that accepts and never speaks: a dial of b there stays in flight (handshake)
  const silent = net.createServer(() => {})
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  const sockets = new Set<net.Socket>()
  silent.on('connection', (s) => sockets.add(s))
  try {
    const port = (silent.address() as net.AddressInfo).port
    const stuck = a.dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}/p2p/${b.peerId}`)).catch(() => undefined)
    await waitFor(() => sockets.size > 0, { message: 'the stuck dial reached the silent listener' })
    const progress = (events: string[]) => ({ onProgress: (e: { type: string }) => events.push(e.type) })
    const punch: string[] = []
    const connection = await a.dial(b.getMultiaddrs()[0]!, {
      force: true,
      initiator: true,
      ...progress(punch),
    } as never)
    expect(connection.remotePeer.equals(b.peerId)).toBe(true)
    expect(punch).toContain('dial-queue:add-to-dial-queue')
    expect(punch).not.toContain('dial-queue:already-in-dial-queue')
    // an ordinary dial to a peer with a dial in flight still joins it (upstream's behaviour)
    const second = a.dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}/p2p/${b.peerId}`)).catch(() => undefined)
    const plain: string[] = []
    const joined = a
      .dial(b.getMultiaddrs()[0]!, { force: true, ...progress(plain) } as never)
      .catch(() => undefined)
    await waitFor(() => plain.length > 0, { message: 'the ordinary dial reported its progress' })
    expect(plain).toContain('dial-queue:already-in-dial-queue')
    for (const s of sockets) s.destroy()
    await Promise.all([stuck, second, joined])
  } finally {
    for (const s of sockets) s.destroy()
    silent.close()
  }
})

// patches/libp2p@3.3.11.patch: the connection manager's getConnections() (no peer given) fills one
// array instead of concat() per peer, which copied the whole array again for every peer: O(peers²)
// copying, ~3% of an idle 100-node testnet's CPU (our upkeep, metrics and trimmer call it, and
// libp2p and GossipSub do too). Its answer must not change: every open connection, once.
test('getConnections(): every connection once, built without copying the array per peer', async () => {
  const a = await createTestLibp2p({ privateKey: generateWallet().identity.privateKey, transports: ['tcp'] })
  const others = await Promise.all(
    [0, 1, 2].map(() =>
      createTestLibp2p({ privateKey: generateWallet().identity.privateKey, transports: ['tcp'] }),
    ),
  )
  nodes.push(a, ...others)
  const dialed = await Promise.all(others.map((o) => a.dial(o.getMultiaddrs()[0]!)))
  const concat = vi.spyOn(Array.prototype, 'concat')
  const all = a.getConnections()
  const concatCalls = concat.mock.calls.length
  concat.mockRestore()
  expect(concatCalls).toBe(0)
  expect(all.map((c) => c.id).sort()).toEqual(dialed.map((c) => c.id).sort())
  expect(new Set(all.map((c) => c.remotePeer.toString())).size).toBe(3)
})

// patches/@libp2p__gossipsub@17.1.1.patch: peer scoring walks a peer's topics with for...in instead of
// Object.entries(...).forEach(...), which built an array of pairs and a closure for every score
// computed and every peer decayed, once per peer per heartbeat (a quarter of what an idle node
// allocated). Scores and decay must not change.
test('GossipSub peer scoring: the same scores and decay, without an array of topic pairs per peer', () => {
  const topic = 'db_events'
  const params = createPeerScoreParams({
    topics: {
      [topic]: createTopicScoreParams({
        topicWeight: 2,
        timeInMeshWeight: 0,
        firstMessageDeliveriesWeight: 3,
        firstMessageDeliveriesDecay: 0.5,
        firstMessageDeliveriesCap: 100,
        meshMessageDeliveriesWeight: 0,
        meshFailurePenaltyWeight: 0,
        invalidMessageDeliveriesWeight: -1,
        invalidMessageDeliveriesDecay: 0.5,
      }),
    },
    topicScoreCap: 1000,
    appSpecificScore: () => 0,
  })
  const score = new PeerScore(params, null, createLibp2pLogBridge(noopLogger), { scoreCacheValidityMs: 0 })
  score.addPeer('a')
  score.addPeer('b')
  score.graft('a', topic)
  const stats = score.peerStats.get('a')?.topics[topic]
  if (stats === undefined) throw new Error('grafting did not create the topic stats')
  stats.firstMessageDeliveries = 8
  stats.invalidMessageDeliveries = 2
  const entries = vi.spyOn(Object, 'entries')
  // topic weight x (P2 8 x 3 + P4 2^2 x -1); a peer without topic stats scores 0
  expect(score.score('a')).toBe(2 * (8 * 3 - 4))
  expect(score.score('b')).toBe(0)
  score.refreshScores()
  // decayed by half: P2 4 x 3, P4 1^2 x -1
  expect(score.score('a')).toBe(2 * (4 * 3 - 1))
  expect(entries).not.toHaveBeenCalled()
})
