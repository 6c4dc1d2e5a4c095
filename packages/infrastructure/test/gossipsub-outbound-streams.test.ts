import { connectRawNodes, createRawNode, generateWallet, type RawNode, waitFor } from '@depin/test-utils'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'

// patches/@libp2p__gossipsub@17.1.1.patch: GossipSub opened every peer's outbound stream through one
// queue, one peer at a time, so a newcomer waited behind each connection whose stream negotiation
// hung, up to its timeout. On a 100-node testnet on 2 cores, ~4,500 links were still without a
// stream 15 s after their connection opened (bench/README.md). The patch opens streams of different
// peers in parallel, one at a time per peer, as go-libp2p-pubsub handles each new peer on its own.

const nodes: RawNode[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.stop()))
})

const topic = 'gossipsub-outbound-streams'

/** GossipSub's handler of a peer connected with its protocol (what the registrar calls after identify). */
function announcePeer(node: RawNode, peerId: PeerId, connection: Connection): void {
  ;(node.services.pubsub as unknown as { onPeerConnected(p: PeerId, c: Connection): void }).onPeerConnected(
    peerId,
    connection,
  )
}

/** A connection to `peerId` whose streams open only when `newStream` settles as the test says. */
function pendingConnection(peerId: PeerId, newStream: () => Promise<Stream>): Connection {
  return {
    remotePeer: peerId,
    status: 'open',
    direction: 'outbound',
    remoteAddr: multiaddr('/ip4/127.0.0.2/tcp/4001'),
    newStream,
  } as unknown as Connection
}

const hasInboundStream = (node: RawNode, from: RawNode): boolean =>
  (node.services.pubsub as unknown as { streamsInbound: Map<string, unknown> }).streamsInbound.has(
    from.peerId.toString(),
  )

const knowsSubscribed = (observer: RawNode, subscriber: RawNode): boolean =>
  observer.services.pubsub.getSubscribers(topic).some((peer) => peer.equals(subscriber.peerId))

describe('@libp2p/gossipsub (patched): outbound streams of different peers open in parallel', () => {
  it("opens a newcomer's stream while another peer's stream negotiation hangs", async () => {
    const a = await createRawNode()
    const b = await createRawNode()
    nodes.push(a, b)
    a.services.pubsub.subscribe(topic)
    let asked = 0
    const stuck = pendingConnection(generateWallet().identity.peerId, () => {
      asked++
      return new Promise<Stream>(() => {})
    })
    announcePeer(a, stuck.remotePeer, stuck)
    await waitFor(() => asked === 1, { message: 'GossipSub asked the stuck connection for a stream' })

    await connectRawNodes(a, b)
    // B learns A's subscription from A's outbound stream: with one queue for every peer it never
    // opens (the stuck negotiation before it never ends).
    await waitFor(() => knowsSubscribed(b, a), { message: "B sees A subscribed (A's stream to B opened)" })
  })

  it("opens a peer's stream on its newer connection once the opening on the older one failed", async () => {
    const a = await createRawNode()
    const b = await createRawNode()
    nodes.push(a, b)
    a.services.pubsub.subscribe(topic)
    let fail: (err: Error) => void = () => {}
    let asked = 0
    const older = pendingConnection(b.peerId, () => {
      asked++
      return new Promise<Stream>((_, reject) => {
        fail = reject
      })
    })
    announcePeer(a, b.peerId, older)
    await waitFor(() => asked === 1, { message: 'GossipSub asked the older connection for a stream' })

    // The real connection arrives while the older connection's opening is still pending.
    await connectRawNodes(a, b)
    // B's stream to A is open: A has been asked for its own on the newer connection, and waits.
    await waitFor(() => hasInboundStream(a, b), { message: "A has B's stream" })
    expect(knowsSubscribed(b, a)).toBe(false)
    fail(new Error('the older connection died'))
    await waitFor(() => knowsSubscribed(b, a), {
      message: "B sees A subscribed (A's stream to B on the newer connection)",
    })
    expect(asked).toBe(1)
  })
})
