import { connectRawNodes, createRawNode, type RawNode, waitFor, waitForEvent } from '@depin/test-utils'
import type { Stream } from '@libp2p/interface'
import { afterEach, describe, expect, it } from 'vitest'

// Reproduces, against the pinned @libp2p/gossipsub, the bug that upstream/gossipsub-reopen-stream/fix.patch
// fixes (see upstream/README.md). Two plain libp2p + GossipSub nodes, none of our link repair. When this
// test fails on a GossipSub upgrade, read the assertion message first: it may mean the fix has landed.
const LANDED =
  "the upstream fix has landed: pubsub-links' reopen path may go (upstream/gossipsub-reopen-stream/README.md)"

/** Longer than the whole retry backoff of the fix with its defaults (1 s, then 2 s) plus a stream set-up. */
const REOPEN_WAIT_MS = 4_000

const nodes: RawNode[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.stop()))
})

const topic = 'upstream-gossipsub-stream'

/** The GossipSub stream that `from` opened to `to` and that is still open (public Connection API only). */
function outboundPubsubStream(from: RawNode, to: RawNode): Stream | undefined {
  const protocols = from.services.pubsub.protocols
  return from
    .getConnections(to.peerId)
    .flatMap((connection) => connection.streams)
    .find((s) => s.direction === 'outbound' && s.status === 'open' && protocols.includes(s.protocol))
}

describe('upstream bug: @libp2p/gossipsub never reopens a stream that closed while its connection stayed open', () => {
  it("is still there (if this fails: the upstream fix has landed, pubsub-links' reopen path may go)", async () => {
    const a = await createRawNode()
    const b = await createRawNode()
    nodes.push(a, b)
    a.services.pubsub.subscribe(topic)
    b.services.pubsub.subscribe(topic)
    await connectRawNodes(a, b)
    const knows = (x: RawNode, y: RawNode): boolean =>
      x.services.pubsub.getSubscribers(topic).some((peer) => peer.equals(y.peerId))
    await waitFor(() => knows(a, b) && knows(b, a), { message: 'both nodes see the other subscribed' })

    // A's GossipSub stream to B is reset (as a muxer, a relay or a flaky transport may do); the
    // connection under it stays open.
    const first = await waitFor(() => outboundPubsubStream(a, b), { message: "A's GossipSub stream to B" })
    first.abort(new Error('stream reset by the reproduction'))

    const reopened = await waitFor(() => outboundPubsubStream(a, b), { timeoutMs: REOPEN_WAIT_MS }).then(
      () => true,
      () => false,
    )
    expect(
      a.getConnections(b.peerId).some((c) => c.status === 'open'),
      'the connection stays open',
    ).toBe(true)
    expect(reopened, LANDED).toBe(false)

    // What a user sees: the two peers are connected and subscribed, and a publish is not received.
    const received = waitForEvent(b.services.pubsub, 'message', { timeoutMs: 2_000 }).then(
      () => true,
      () => false,
    )
    await a.services.pubsub.publish(topic, new TextEncoder().encode('after the reset'))
    expect(await received, LANDED).toBe(false)
  })
})
