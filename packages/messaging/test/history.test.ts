import { createPeerAccountability, type PeerAccountability } from '@depin/infrastructure'
import { connectRawNodes, createRawNode, generateWallet, type RawNode, waitFor } from '@depin/test-utils'
import { RPC } from '@libp2p/gossipsub/message'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createMessaging,
  decodeHistoryRequest,
  encodeEvent,
  HISTORY_PROTOCOL,
  type HistoryRejectReason,
  historySignedBytes,
  type Messaging,
  type MessagingInit,
  type PubSubEvent,
} from '../src/index.js'

const DB = 'histdb'
const TOPIC = 'rooms'
const FULL = `${DB}_${TOPIC}`

interface Peer {
  node: RawNode
  key: PrivateKey
  messaging: Messaging | undefined
  accountability: PeerAccountability
}

let peers: Peer[] = []

afterEach(async () => {
  await Promise.allSettled(peers.map((p) => p.messaging?.stop()))
  await Promise.allSettled(peers.map((p) => p.node.stop()))
  peers = []
})

async function peer(): Promise<Peer> {
  const key = generateWallet().identity.privateKey
  const node = await createRawNode({ privateKey: key })
  // With a score, a penalty shows in appSpecificScore (as on a DepinNode, where GossipSub reads it).
  const accountability = createPeerAccountability({ score: { graylistThreshold: -80, appSpecificWeight: 1 } })
  const p: Peer = { node, key, messaging: undefined, accountability }
  peers.push(p)
  return p
}

const everyone = (): ((peer: PeerId) => boolean) => {
  return (id) => peers.some((p) => p.node.peerId.equals(id))
}

async function withMessaging(p: Peer, options: Partial<MessagingInit> = {}): Promise<Messaging> {
  const messaging = createMessaging({
    pubsub: p.node.services.pubsub,
    peerId: p.node.peerId,
    databaseName: DB,
    isAuthorized: everyone(),
    libp2p: p.node,
    privateKey: p.key,
    accountability: p.accountability,
    ...options,
  })
  await messaging.start()
  p.messaging = messaging
  return messaging
}

function collector(): { events: PubSubEvent[]; handler: (e: PubSubEvent) => void } {
  const events: PubSubEvent[] = []
  return { events, handler: (e) => void events.push(e) }
}

const subscribedTo = (from: Peer, to: Peer): boolean =>
  from.node.services.pubsub.getSubscribers(FULL).some((id) => id.equals(to.node.peerId))

/** `b` subscribed (its events in `got`), connected to `a` on the topic, and `a`'s first event delivered. */
async function liveSubscription(first: unknown) {
  const a = await peer()
  const b = await peer()
  const ma = await withMessaging(a)
  const mb = await withMessaging(b)
  const got = collector()
  const sub = await mb.subscribe(TOPIC, got.handler)
  await ma.subscribe(TOPIC, () => {})
  await connectRawNodes(b.node, a.node)
  await waitFor(() => subscribedTo(a, b) && subscribedTo(b, a), { message: 'topic peers' })
  await ma.waitForTopicPeers(TOPIC)
  await ma.publish(TOPIC, first)
  await waitFor(() => got.events.length === 1, { message: 'the live event' })
  return { a, b, ma, mb, got, sub }
}

describe('history and catch-up (real nodes)', () => {
  it('a subscriber that lost its only peer gets the events published meanwhile, in order, once, marked replayed', async () => {
    const { a, b, ma, mb, got } = await liveSubscription({ n: -1 })

    await b.node.hangUp(a.node.peerId)
    await waitFor(() => !subscribedTo(a, b), { message: 'b gone from a' })
    for (let n = 0; n < 20; n++) await ma.publish(TOPIC, { n })
    expect(got.events).toHaveLength(1)

    await connectRawNodes(b.node, a.node)
    await waitFor(() => got.events.length >= 21, { message: '20 replayed events' })
    // Nothing more arrives: each once.
    await waitFor(() => mb.metrics().history.catchUps >= 1, { message: 'catch-up ran' })
    const replayed = got.events.slice(1)
    expect(replayed.map((e) => (e.message as { n: number }).n)).toEqual([...Array(20).keys()])
    expect(replayed.every((e) => e.replayed === true)).toBe(true)
    expect(got.events[0]?.replayed).toBeUndefined()
    expect(new Set(got.events.map((e) => e.id)).size).toBe(got.events.length)
    const hb = mb.metrics().history
    expect(hb.recovered).toBe(20)
    expect(hb.rejectedTotal).toBe(0)
    expect(ma.metrics().history.requestsServed).toBeGreaterThanOrEqual(2)

    // A later live event is delivered once, not replayed.
    await waitFor(() => subscribedTo(a, b), { message: 'b back on the topic' })
    await ma.waitForTopicPeers(TOPIC)
    await ma.publish(TOPIC, { n: 20 })
    await waitFor(() => got.events.length === 22, { message: 'the live event after catch-up' })
    expect(got.events.at(-1)?.replayed).toBeUndefined()
  })

  it('a fresh subscription catches up only when asked, and history() answers on demand', async () => {
    const a = await peer()
    const b = await peer()
    const ma = await withMessaging(a)
    const mb = await withMessaging(b)
    await ma.subscribe(TOPIC, () => {})
    const before = Date.now()
    for (let n = 0; n < 5; n++) await ma.publish(TOPIC, { n })
    await connectRawNodes(b.node, a.node)

    const plain = collector()
    await mb.subscribe(TOPIC, plain.handler)
    const asked = collector()
    await mb.subscribe(TOPIC, asked.handler, { catchUp: { sinceMs: before - 1_000 } })
    await waitFor(() => asked.events.length === 5, { message: 'five replayed events' })
    expect(asked.events.map((e) => (e.message as { n: number }).n)).toEqual([0, 1, 2, 3, 4])
    // The plain subscription started from now: the replay was not for it.
    expect(plain.events).toEqual([])

    const answer = await mb.history(TOPIC, { sinceMs: before - 1_000 })
    expect(answer.map((e) => (e.message as { n: number }).n)).toEqual([0, 1, 2, 3, 4])
    expect(answer.every((e) => e.fromPeerId === a.node.peerId.toString())).toBe(true)
    const limited = await mb.history(TOPIC, { sinceMs: before - 1_000, limit: 2 })
    expect(limited).toHaveLength(2)
    await expect(mb.history(TOPIC, { sinceMs: Number.NaN })).rejects.toThrow(/sinceMs/)
  })

  it('resumeFrom() holds a restart catch-up time until a peer answered it, so a second restart misses nothing', async () => {
    const a = await peer()
    const ma = await withMessaging(a)
    await ma.subscribe(TOPIC, () => {})
    const before = Date.now()
    for (let n = 0; n < 5; n++) await ma.publish(TOPIC, { n })

    // A restarted process asks from `before`, but stops before any peer answered: its resume point
    // stays at `before` (the time of its last event would skip the gap).
    const b = await peer()
    const mb = await withMessaging(b)
    const first = await mb.subscribe(TOPIC, () => {}, { catchUp: { sinceMs: before - 10_000 } })
    expect(first.resumeFrom()).toBe(before - 10_000)
    await mb.stop()

    // The next process asks from that stored value, and gets the five events.
    const c = await peer()
    const mc = await withMessaging(c)
    const got = collector()
    const second = await mc.subscribe(TOPIC, got.handler, { catchUp: { sinceMs: first.resumeFrom() } })
    await connectRawNodes(c.node, a.node)
    await waitFor(() => got.events.length === 5, { message: 'five replayed events' })
    expect(got.events.map((e) => (e.message as { n: number }).n)).toEqual([0, 1, 2, 3, 4])
    // Answered and handled: it moves on, to now less the skew margin.
    await waitFor(() => second.resumeFrom() > before - 10_000, { message: 'the resume point moves on' })
    expect(second.resumeFrom()).toBeLessThanOrEqual(Date.now() - 5_000)
  })

  it('resumeFrom() never reaches back past what a history keeps (maxAgeMs)', async () => {
    const a = await peer()
    const ma = await withMessaging(a, { history: { maxAgeMs: 60_000 } })
    const before = Date.now()
    const sub = await ma.subscribe(TOPIC, () => {}, { catchUp: { sinceMs: before - 3_600_000 } })
    // No peer answers: the gap stays open, held at the oldest time a history still keeps.
    expect(sub.resumeFrom()).toBeGreaterThanOrEqual(before - 60_000)
    expect(sub.resumeFrom()).toBeLessThanOrEqual(Date.now() - 60_000)
  })

  it('resumeFrom() goes back to the last delivery while the topic has no peer, and moves on once caught up', async () => {
    const { a, b, ma, got, sub } = await liveSubscription({ n: 0 })
    const deliveredAt = Date.now()

    await b.node.hangUp(a.node.peerId)
    await waitFor(() => !subscribedTo(b, a), { message: 'a gone from b' })
    const alone = sub.resumeFrom()
    expect(alone).toBeLessThanOrEqual(deliveredAt - 5_000)
    for (let n = 1; n <= 3; n++) await ma.publish(TOPIC, { n })
    // Still alone: the gap holds it back however long it lasts.
    expect(sub.resumeFrom()).toBe(alone)

    await connectRawNodes(b.node, a.node)
    await waitFor(() => got.events.length === 4, { message: 'three replayed events' })
    await waitFor(() => sub.resumeFrom() > alone, { message: 'the resume point moves on' })
  })

  it('anti-entropy: an event only a new neighbour holds arrives by a sync, even well after it was sent', async () => {
    const SYNC_MS = 2_000
    const a = await peer()
    const c = await peer()
    const x = await peer()
    const ma = await withMessaging(a)
    const mc = await withMessaging(c, { history: { syncIntervalMs: SYNC_MS } })
    const mx = await withMessaging(x)
    await ma.subscribe(TOPIC, () => {})
    await mx.subscribe(TOPIC, () => {})
    const got = collector()
    await mc.subscribe(TOPIC, got.handler)
    await connectRawNodes(c.node, x.node)
    await waitFor(() => subscribedTo(x, c) && subscribedTo(c, x), { message: 'topic peers' })
    await mx.waitForTopicPeers(TOPIC)
    // Traffic on the topic, so that c syncs at all.
    await mx.publish(TOPIC, { n: 0 })
    await waitFor(() => got.events.length === 1, { message: 'the live event' })

    // `a` has never had a peer: its event is in its history alone.
    const sent = await ma.publish(TOPIC, { n: 1 })
    const sentAt = Date.now()
    // c syncs with x (which lacks it) for a while, then meets a as a new neighbour, and x leaves the
    // topic (c is never alone on it). No catch-up asks a (it never left, c was never alone): only a
    // sync reaches back that far. The sync with a comes 7 to ~12 s after the event: past one
    // interval and the 5 s margin (what a sync compared before), within 4 intervals and the margin.
    await waitFor(() => Date.now() - sentAt >= 3.5 * SYNC_MS && mc.metrics().history.syncs >= 2, {
      message: 'syncs with x',
      timeoutMs: 15_000,
    })
    await connectRawNodes(c.node, a.node)
    await waitFor(() => subscribedTo(c, a), { message: 'a on the topic' })
    await mx.leave(TOPIC)
    await waitFor(() => got.events.some((e) => e.id === sent.id), {
      message: 'the event, by a sync with a',
      timeoutMs: 4 * SYNC_MS,
    })
    expect(got.events.at(-1)?.replayed).toBe(true)
    expect(mc.metrics().history.catchUps).toBeGreaterThanOrEqual(1)
  })

  it('anti-entropy: a sync whose peer refuses asks another at once, a connected publisher when no subscriber is left', async () => {
    const SYNC_MS = 1_500
    const a = await peer()
    const c = await peer()
    const z = await peer()
    const ma = await withMessaging(a)
    const mc = await withMessaging(c, { history: { syncIntervalMs: SYNC_MS } })
    // z is c's only topic peer, and refuses c's history requests: every sync picks it first.
    await withMessaging(z, { isAuthorized: (id) => !id.equals(c.node.peerId) }).then((mz) =>
      mz.subscribe(TOPIC, () => {}),
    )
    const got = collector()
    await mc.subscribe(TOPIC, got.handler)
    await connectRawNodes(c.node, z.node)
    await waitFor(() => subscribedTo(c, z), { message: 'z on the topic' })
    // Traffic on the topic, so that c syncs at all.
    await mc.publish(TOPIC, { n: 0 })
    // `a` publishes without subscribing and has never had a peer: its event is in its history
    // alone, and c meets it as a connected peer that is not on the topic (so no catch-up asks it).
    const sent = await ma.publish(TOPIC, { n: 1 })
    await connectRawNodes(c.node, a.node)
    await waitFor(() => got.events.some((e) => e.id === sent.id), {
      message: 'the event, by a sync retried with a',
      timeoutMs: 4 * SYNC_MS,
    })
    expect(got.events.at(-1)?.replayed).toBe(true)
    const h = mc.metrics().history
    expect(h.syncRetries).toBeGreaterThanOrEqual(1)
    expect(h.requestsFailed).toBeGreaterThanOrEqual(1)
  })

  it('asks several holders, and fetches each missing event from one of them only', async () => {
    const a = await peer()
    const c = await peer()
    const b = await peer()
    const ma = await withMessaging(a)
    const mc = await withMessaging(c)
    const mb = await withMessaging(b)
    await ma.subscribe(TOPIC, () => {})
    await mc.subscribe(TOPIC, () => {})
    await connectRawNodes(c.node, a.node)
    await ma.waitForTopicPeers(TOPIC)
    const since = Date.now() - 1_000
    for (let n = 0; n < 30; n++) await ma.publish(TOPIC, { n })
    await waitFor(() => mc.metrics().history.events === 30, { message: 'c holds the 30 events' })
    await connectRawNodes(b.node, a.node)
    await connectRawNodes(b.node, c.node)
    await waitFor(() => subscribedTo(b, a) && subscribedTo(b, c), { message: 'both holders on the topic' })
    const got = collector()
    await mb.subscribe(TOPIC, got.handler, { catchUp: { sinceMs: since } })
    await waitFor(() => got.events.length === 30, { message: 'the 30 events' })
    const h = mb.metrics().history
    expect(h.recovered).toBe(30)
    expect(h.duplicates).toBe(0)
    // Both were asked for an inventory; the events came once: served from both, 30 in all.
    const served = ma.metrics().history.bytesSent + mc.metrics().history.bytesSent
    expect(ma.metrics().history.requestsServed).toBeGreaterThanOrEqual(1)
    expect(mc.metrics().history.requestsServed).toBeGreaterThanOrEqual(1)
    expect(h.bytesReceived).toBe(served)
    expect(h.bytesReceived).toBeLessThan(
      1.5 * 30 * (new TextEncoder().encode(JSON.stringify(got.events[0])).length + 200),
    )
  })

  it('a peer without the protocol (as a Go node) is skipped without error or warning', async () => {
    const a = await peer()
    const b = await peer()
    const warnings: unknown[][] = []
    const logger = {
      debug: () => {},
      info: () => {},
      warn: (...args: unknown[]) => void warnings.push(args),
      error: (...args: unknown[]) => void warnings.push(args),
    }
    const mb = await withMessaging(b, { logger })
    a.node.services.pubsub.subscribe(FULL)
    await connectRawNodes(b.node, a.node)
    const got = collector()
    await mb.subscribe(TOPIC, got.handler, { catchUp: { sinceMs: Date.now() - 60_000 } })
    await waitFor(() => mb.metrics().history.peersSkipped >= 1, { message: 'the peer skipped' })
    const h = mb.metrics().history
    expect(h.requestsFailed).toBe(0)
    expect(h.rejectedTotal).toBe(0)
    expect(warnings).toEqual([])
    expect(got.events).toEqual([])
  })

  it('answers a peer at most requestsPerPeer times per 10 s, then refuses it as rate-limited', async () => {
    const a = await peer()
    const b = await peer()
    const ma = await withMessaging(a, { history: { requestsPerPeer: 2 } })
    const mb = await withMessaging(b)
    await ma.subscribe(TOPIC, () => {})
    await ma.publish(TOPIC, { n: 1 })
    await connectRawNodes(b.node, a.node)
    await waitFor(() => subscribedTo(b, a), { message: 'a on the topic' })
    // One history() is an inventory and a fetch: two requests.
    expect(await mb.history(TOPIC, { sinceMs: 0 })).toHaveLength(1)
    expect(await mb.history(TOPIC, { sinceMs: 0 })).toEqual([])
    expect(ma.metrics().history.requestsServed).toBe(2)
    expect(ma.metrics().history.requestsRefused['rate-limited']).toBe(1)
    expect(mb.metrics().history.requestsFailed).toBe(1)
  })

  it('refuses a requester its registry does not authorize', async () => {
    const a = await peer()
    const b = await peer()
    const ma = await withMessaging(a, { isAuthorized: (id) => id.equals(a.node.peerId) })
    const mb = await withMessaging(b)
    await ma.subscribe(TOPIC, () => {})
    await ma.publish(TOPIC, { secret: true })
    await connectRawNodes(b.node, a.node)
    await waitFor(() => subscribedTo(b, a), { message: 'a on the topic' })
    const answer = await mb.history(TOPIC, { sinceMs: 0 })
    expect(answer).toEqual([])
    expect(ma.metrics().history.requestsRefused.unauthorized).toBe(1)
    expect(mb.metrics().history.requestsFailed).toBe(1)
  })
})

/** A serving peer that answers every fetch with `frames` (and an inventory of `ids`). */
async function liar(m: Peer, ids: string[], frames: () => Promise<Uint8Array[]>): Promise<void> {
  m.node.services.pubsub.subscribe(FULL)
  await m.node.handle(HISTORY_PROTOCOL, async (stream) => {
    const lp = lpStream(stream)
    const request = decodeHistoryRequest((await lp.read()).subarray())
    const encoder = new TextEncoder()
    if (request?.inventory === true) {
      await lp.write(encoder.encode(JSON.stringify({ status: 'ok', count: 0, ids })))
    } else {
      const body = await frames()
      await lp.writeV([encoder.encode(JSON.stringify({ status: 'ok', count: body.length })), ...body])
    }
    await stream.close()
  })
}

/** A GossipSub message signed by `key` over `event`, as a history frame. */
async function signedFrame(key: PrivateKey, event: PubSubEvent, alter?: (data: Uint8Array) => Uint8Array) {
  const from = (await import('@libp2p/peer-id')).peerIdFromPrivateKey(key).toMultihash().bytes
  const data = encodeEvent(event)
  const seqno = new Uint8Array(8).fill(1)
  const signature = await key.sign(historySignedBytes({ from, data, seqno, topic: FULL }))
  return RPC.Message.encode({ from, data: alter?.(data) ?? data, seqno, topic: FULL, signature })
}

describe('history answers from a bad peer', () => {
  const cases: Array<{
    name: string
    reason: HistoryRejectReason
    frames: (liarPeer: Peer, honest: Peer, id: string) => Promise<Uint8Array[]>
  }> = [
    {
      name: 'an event whose message was altered after its author signed it',
      reason: 'bad-signature',
      frames: async (_m, honest, id) => [
        await signedFrame(
          honest.key,
          { id, fromPeerId: honest.node.peerId.toString(), message: { pay: 1 }, timestamp: 1 },
          (data) => new TextEncoder().encode(new TextDecoder().decode(data).replace('"pay":1', '"pay":9')),
        ),
      ],
    },
    {
      name: "an event signed by the liar with another peer's from_peer",
      reason: 'from-peer-mismatch',
      frames: async (m, honest, id) => [
        await signedFrame(m.key, {
          id,
          fromPeerId: honest.node.peerId.toString(),
          message: 'forged',
          timestamp: 1,
        }),
      ],
    },
    {
      name: 'junk bytes',
      reason: 'malformed',
      frames: async () => [new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02])],
    },
    {
      name: 'a frame larger than any event may be',
      reason: 'too-large',
      frames: async () => [new Uint8Array(1024 * 1024 + 8 * 1024)],
    },
    {
      name: 'an unsigned message',
      reason: 'unsigned',
      frames: async () => [RPC.Message.encode({ data: new Uint8Array([1]), topic: FULL })],
    },
    {
      name: 'a valid event that was not asked for',
      reason: 'unrequested',
      frames: async (_m, honest) => [
        await signedFrame(honest.key, {
          id: 'not-asked',
          fromPeerId: honest.node.peerId.toString(),
          message: 'old',
          timestamp: 1,
        }),
      ],
    },
  ]

  for (const c of cases) {
    it(`rejects ${c.name} (${c.reason}), penalizes the server, delivers nothing`, async () => {
      const honest = await peer()
      const m = await peer()
      const b = await peer()
      const id = crypto.randomUUID()
      await liar(m, [id], () => c.frames(m, honest, id))
      const mb = await withMessaging(b)
      await connectRawNodes(b.node, m.node)
      const got = collector()
      await mb.subscribe(TOPIC, got.handler, { catchUp: { sinceMs: Date.now() - 60_000 } })
      await waitFor(() => mb.metrics().history.rejectedTotal >= 1, { message: 'the answer rejected' })
      const h = mb.metrics().history
      expect(h.rejected[c.reason]).toBe(1)
      expect(h.recovered).toBe(0)
      expect(got.events).toEqual([])
      expect(b.accountability.metrics().strikes).toBe(1)
      expect(b.accountability.appSpecificScore(m.node.peerId.toString())).toBeLessThan(0)
      expect(b.accountability.appSpecificScore(honest.node.peerId.toString())).toBe(0)
    })
  }
})
