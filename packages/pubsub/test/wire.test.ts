import { acquireNode, gossipSubInternals } from '@depin/infrastructure'
import {
  createRawNode,
  type GeneratedWallet,
  generateWallet,
  generateWallets,
  type RawNode,
  waitFor,
  waitForEvent,
} from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import type { BootstrapNode, PeerSuspendedDetail, PubSubEvent } from '../src/index.js'
import { createDatabaseTracker, createInMemoryRegistry, fastNode, testConfig } from './fixtures/network.js'

const dbs = createDatabaseTracker()
let raws: RawNode[] = []
afterEach(async () => {
  await Promise.allSettled(raws.map((n) => n.stop()))
  raws = []
  await dbs.disconnectAll()
})

const encoder = new TextEncoder()
const goEvent = (from: string, message: unknown, extra: Record<string, unknown> = {}): Uint8Array =>
  encoder.encode(
    JSON.stringify({ id: crypto.randomUUID(), from_peer: from, message, timestamp: 1764000000, ...extra }),
  )

/**
 * A plain libp2p + @libp2p/gossipsub node (TCP) holding an authorized wallet's key, and its entry
 * for a bootstrap list: the database under test dials it as its bootstrap node.
 */
async function rawPeer(wallet: GeneratedWallet): Promise<{ raw: RawNode; entry: BootstrapNode }> {
  const raw = await createRawNode({ privateKey: wallet.identity.privateKey })
  raws.push(raw)
  const port = raw
    .getMultiaddrs()[0]!
    .toString()
    .match(/\/tcp\/(\d+)/)![1]
  return { raw, entry: { publicKey: wallet.wallet, ip: '127.0.0.1', tcpPort: Number(port) } }
}

async function rawPublish(raw: RawNode, topic: string, data: Uint8Array): Promise<void> {
  const internals = gossipSubInternals(raw.services.pubsub)
  const reachable = (): boolean =>
    raw.services.pubsub
      .getSubscribers(topic)
      .some((peer) => internals.hasOutboundStream(peer.toString()) === true)
  await waitFor(reachable, { message: `a subscriber of ${topic}` })
  await raw.services.pubsub.publish(topic, data)
}

describe('wire compatibility through connect()', () => {
  it('delivers Go-format events from a raw node, rejects malformed ones by reason, and keeps delivering', async () => {
    const [ours, other] = generateWallets(2)
    const rawWallet = generateWallet()
    const registry = createInMemoryRegistry([ours!.wallet, other!.wallet, rawWallet.wallet])
    const { raw, entry } = await rawPeer(rawWallet)
    const db = await dbs.connect(testConfig(ours!, 'wire', registry, [entry]))
    const received: PubSubEvent[] = []
    await db.subscribe('rooms', (event) => {
      received.push(event)
    })
    const from = raw.peerId.toString()
    const topic = 'wire_rooms'

    await rawPublish(raw, topic, encoder.encode('not json at all'))
    await rawPublish(
      raw,
      topic,
      encoder.encode(JSON.stringify({ from_peer: from, message: 1, timestamp: 1 })),
    )
    await rawPublish(raw, topic, goEvent(other!.identity.peerId.toString(), 'spoofed'))
    await rawPublish(raw, topic, goEvent(from, 'x'.repeat(2 * 1024 * 1024)))
    await rawPublish(
      raw,
      topic,
      goEvent(from, { room: 'r1', n: 7 }, { id: '3b241101-e2bb-4255-8caf-4136c566a962', extra: true }),
    )

    await waitFor(() => received.length === 1 && db.metrics().messaging.rejectedTotal === 4, {
      message: 'verdicts',
    })
    expect(received).toEqual([
      {
        id: '3b241101-e2bb-4255-8caf-4136c566a962',
        fromPeerId: from,
        message: { room: 'r1', n: 7 },
        timestamp: 1764000000,
      },
    ])
    expect(db.metrics().messaging.rejected).toMatchObject({
      'not-json': 1,
      'missing-id': 1,
      'from-peer-mismatch': 1,
      'too-large': 1,
    })
  })

  it('graylists a persistent offender under the node real score thresholds', async () => {
    const ours = generateWallet()
    const rawWallet = generateWallet()
    const { raw, entry } = await rawPeer(rawWallet)
    // No suspension here (it would disconnect the offender at its 5th): this is about the score.
    const db = await dbs.connect(
      testConfig(ours, 'wire', createInMemoryRegistry([ours.wallet, rawWallet.wallet]), [entry], {
        node: { ...fastNode(), accountability: { strikesToSuspend: 100 } },
      }),
    )
    await db.subscribe('rooms', () => {})
    // The same wallet in the same process gets the same node: look at its GossipSub scores.
    const { node, release } = await acquireNode({
      identity: ours.identity,
      getBootstrapNodes: async () => [],
    })
    try {
      const pubsub = node.libp2p.services.pubsub
      // getScore is public on GossipSub's class, not on its published interface.
      const { getScore } = pubsub as unknown as { getScore(id: string): number }
      const graylist = gossipSubInternals(pubsub).graylistThreshold()
      if (graylist === undefined)
        throw new Error('the pinned GossipSub no longer exposes its graylist threshold')
      for (let i = 0; i < 4; i++) await rawPublish(raw, 'wire_rooms', encoder.encode(`junk ${i}`))
      await waitFor(() => db.metrics().messaging.rejected['not-json'] === 4, { message: '4 rejections' })
      // Scores are cached for up to a heartbeat: wait for the penalty to show.
      const afterFour = await waitFor(
        () => {
          const score = getScore.call(pubsub, raw.peerId.toString())
          return score < 0 ? score : undefined
        },
        { message: 'a negative score' },
      )
      expect(afterFour).toBeGreaterThan(graylist)
      for (let i = 4; i < 12; i++) await rawPublish(raw, 'wire_rooms', encoder.encode(`junk ${i}`))
      await waitFor(() => db.metrics().messaging.rejected['not-json'] === 12, { message: '12 rejections' })
      await waitFor(() => getScore.call(pubsub, raw.peerId.toString()) < graylist, { message: 'graylisting' })
    } finally {
      await release()
    }
  })

  it('suspends a persistent offender at its 5th invalid event: disconnected, refused, counted', async () => {
    const ours = generateWallet()
    const rawWallet = generateWallet()
    const { raw, entry } = await rawPeer(rawWallet)
    const db = await dbs.connect(
      testConfig(ours, 'wire', createInMemoryRegistry([ours.wallet, rawWallet.wallet]), [entry]),
    )
    await db.subscribe('rooms', () => {})
    const suspended = waitForEvent<CustomEvent<PeerSuspendedDetail>>(db, 'peer:suspended', {
      message: 'the suspension',
    })
    for (let i = 0; i < 5; i++) await rawPublish(raw, 'wire_rooms', encoder.encode(`junk ${i}`))
    expect((await suspended).detail).toMatchObject({
      peerId: raw.peerId.toString(),
      strikes: 5,
      reason: 'not-json',
      durationMs: 600_000,
    })
    await waitFor(() => !db.peers().includes(raw.peerId.toString()), {
      message: 'the offender to be disconnected',
    })
    const m = db.metrics()
    expect(m.messaging.rejected['not-json']).toBe(5)
    expect(m.node.accountability).toMatchObject({ strikes: 5, suspensions: 1 })
    expect(m.hostGater.suspendedPeers).toBe(1)
    // It was our only peer and is our bootstrap node: the retry loop redials it, and the gater refuses.
    const refusedAsSuspended = (): number =>
      Object.values(db.metrics().hostGater.denied).reduce((n, reasons) => n + reasons.suspended, 0)
    await waitFor(() => refusedAsSuspended() > 0, { message: 'a refusal with reason suspended' })
    expect(db.peers()).not.toContain(raw.peerId.toString())
  })

  it('publishes bytes a raw node parses to exactly the Go keys', async () => {
    const ours = generateWallet()
    const rawWallet = generateWallet()
    const { raw, entry } = await rawPeer(rawWallet)
    const db = await dbs.connect(
      testConfig(ours, 'wire', createInMemoryRegistry([ours.wallet, rawWallet.wallet]), [entry]),
    )
    const got: Uint8Array[] = []
    raw.services.pubsub.addEventListener('message', (evt) => got.push(evt.detail.data))
    raw.services.pubsub.subscribe('wire_rooms')
    await db.waitForTopicPeers('rooms', { timeoutMs: 10_000 })
    const sent = await db.publish('rooms', { hello: 'go' })
    await waitFor(() => got.length === 1, { message: 'the raw node to receive' })
    const parsed = JSON.parse(new TextDecoder().decode(got[0]))
    expect(Object.keys(parsed).sort()).toEqual(['from_peer', 'id', 'message', 'timestamp'])
    expect(parsed).toEqual({
      id: sent.id,
      from_peer: db.peerId,
      message: { hello: 'go' },
      timestamp: sent.timestamp,
    })
  })
})
