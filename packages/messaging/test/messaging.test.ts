import { createPeerAccountability, gossipSubInternals } from '@depin/infrastructure'
import { connectRawNodes, createRawNode, generateWallet, type RawNode, waitFor } from '@depin/test-utils'
import {
  badSignatureMessage,
  heartbeats,
  identityRMessage,
  recordVerdicts,
  sendWireMessages,
  smallOrderKeyMessage,
  type WireMessage,
} from '@depin/test-utils/forged-signatures'
import type { PeerId } from '@libp2p/interface'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createMessaging,
  InvalidMessageError,
  type MessageRejectedDetail,
  type Messaging,
  type MessagingInit,
  NoPeersError,
  type PubSubEvent,
} from '../src/index.js'

const encoder = new TextEncoder()
const DB = 'testdb'

let nodes: RawNode[] = []
let messagings: Messaging[] = []

afterEach(async () => {
  await Promise.allSettled(messagings.map((m) => m.stop()))
  await Promise.allSettled(nodes.map((n) => n.stop()))
  nodes = []
  messagings = []
})

async function rawNode(wallet = generateWallet()): Promise<RawNode> {
  const node = await createRawNode({ privateKey: wallet.identity.privateKey })
  nodes.push(node)
  return node
}

function allowList(...allowed: RawNode[]): (peer: PeerId) => boolean {
  const ids = new Set(allowed.map((n) => n.peerId.toString()))
  return (peer) => ids.has(peer.toString())
}

async function messagingOn(
  node: RawNode,
  isAuthorized: MessagingInit['isAuthorized'],
  options: Partial<MessagingInit> = {},
): Promise<Messaging> {
  const messaging = createMessaging({
    pubsub: node.services.pubsub,
    peerId: node.peerId,
    databaseName: DB,
    isAuthorized,
    ...options,
  })
  await messaging.start()
  messagings.push(messaging)
  return messaging
}

/** Raw publish of crafted bytes, once `sender` knows `receiver` subscribes to the topic. */
async function rawPublish(
  sender: RawNode,
  receiver: RawNode,
  topic: string,
  data: Uint8Array,
): Promise<void> {
  const full = `${DB}_${topic}`
  await waitFor(() => canSend(sender, receiver, full), {
    message: 'the receiver subscription to reach the sender',
  })
  await sender.services.pubsub.publish(full, data)
}

// The subscription can arrive before the sender's own stream to the receiver is open.
function canSend(sender: RawNode, receiver: RawNode, full: string): boolean {
  return (
    sender.services.pubsub.getSubscribers(full).some((p) => p.equals(receiver.peerId)) &&
    gossipSubInternals(sender.services.pubsub).hasOutboundStream(receiver.peerId.toString()) === true
  )
}

// GossipSub's score is not in its public interface type.
const scoreOf = (node: RawNode, peer: RawNode): number =>
  (node.services.pubsub as unknown as { getScore(id: string): number }).getScore(peer.peerId.toString())

// GossipSub's mesh is not in its public interface type.
const meshPeersOf = (node: RawNode, topic: string): string[] =>
  (node.services.pubsub as unknown as { getMeshPeers(topic: string): string[] }).getMeshPeers(topic)

const goEvent = (from: string, message: unknown, id = crypto.randomUUID()): Uint8Array =>
  encoder.encode(JSON.stringify({ id, from_peer: from, message, timestamp: 1764000000 }))

describe('messaging over raw @libp2p/gossipsub nodes', () => {
  it('delivers a Go-format event published by a raw node', async () => {
    const [ours, raw] = [await rawNode(), await rawNode()]
    await connectRawNodes(raw, ours)
    const messaging = await messagingOn(ours, allowList(raw))
    const received: PubSubEvent[] = []
    await messaging.subscribe('rooms', (event) => {
      received.push(event)
    })
    const id = crypto.randomUUID()
    // Unknown extra keys are ignored.
    const data = encoder.encode(
      `{"id":"${id}","from_peer":"${raw.peerId}","message":{"room":"r1","n":7},"timestamp":1764000000,"extra":1}`,
    )
    await rawPublish(raw, ours, 'rooms', data)
    await waitFor(() => received.length === 1, { message: 'the event' })
    expect(received[0]).toEqual({
      id,
      fromPeerId: raw.peerId.toString(),
      message: { room: 'r1', n: 7 },
      timestamp: 1764000000,
    })
    expect(messaging.metrics()).toMatchObject({ accepted: 1, delivered: 1, rejectedTotal: 0 })
  })

  it('publishes bytes that parse to exactly the Go keys', async () => {
    const [ours, raw] = [await rawNode(), await rawNode()]
    await connectRawNodes(raw, ours)
    const messaging = await messagingOn(ours, allowList(raw))
    const rawReceived: Uint8Array[] = []
    raw.services.pubsub.addEventListener('message', (evt) => rawReceived.push(evt.detail.data))
    raw.services.pubsub.subscribe(`${DB}_rooms`)
    await messaging.waitForTopicPeers('rooms', { min: 1, timeoutMs: 5_000 })
    const sent = await messaging.publish('rooms', { hello: 'world' })
    await waitFor(() => rawReceived.length === 1, { message: 'the raw node to receive our event' })
    const parsed = JSON.parse(new TextDecoder().decode(rawReceived[0]))
    expect(Object.keys(parsed).sort()).toEqual(['from_peer', 'id', 'message', 'timestamp'])
    expect(parsed).toEqual({
      id: sent.id,
      from_peer: ours.peerId.toString(),
      message: { hello: 'world' },
      timestamp: sent.timestamp,
    })
    expect(Number.isInteger(parsed.timestamp)).toBe(true)
    expect(Math.abs(parsed.timestamp - Date.now() / 1000)).toBeLessThan(5)
  })

  it('rejects non-JSON, missing id, spoofed from_peer and 2 MiB payloads, counted, and still delivers the next valid event', async () => {
    const [ours, raw, other] = [await rawNode(), await rawNode(), await rawNode()]
    await connectRawNodes(raw, ours)
    const messaging = await messagingOn(ours, allowList(raw, other))
    const received: PubSubEvent[] = []
    await messaging.subscribe('rooms', (event) => {
      received.push(event)
    })
    const from = raw.peerId.toString()
    await rawPublish(raw, ours, 'rooms', encoder.encode('this is not json'))
    await rawPublish(
      raw,
      ours,
      'rooms',
      encoder.encode(JSON.stringify({ from_peer: from, message: 1, timestamp: 1 })),
    )
    await rawPublish(raw, ours, 'rooms', goEvent(other.peerId.toString(), 'spoofed'))
    await rawPublish(raw, ours, 'rooms', goEvent(from, 'x'.repeat(2 * 1024 * 1024)))
    await rawPublish(raw, ours, 'rooms', goEvent(from, 'valid'))
    await waitFor(() => received.length === 1, { message: 'the valid event' })
    await waitFor(() => messaging.metrics().rejectedTotal === 4, { message: 'four rejections' })
    expect(received.map((e) => e.message)).toEqual(['valid'])
    expect(messaging.metrics().rejected).toMatchObject({
      'not-json': 1,
      'missing-id': 1,
      'from-peer-mismatch': 1,
      'too-large': 1,
    })
  })

  it('rejects events from signers the database does not authorize', async () => {
    const [ours, raw] = [await rawNode(), await rawNode()]
    await connectRawNodes(raw, ours)
    const messaging = await messagingOn(ours, allowList())
    const received: PubSubEvent[] = []
    await messaging.subscribe('rooms', (event) => {
      received.push(event)
    })
    await rawPublish(raw, ours, 'rooms', goEvent(raw.peerId.toString(), 'intruder'))
    await waitFor(() => messaging.metrics().rejected.unauthorized === 1, { message: 'the rejection' })
    expect(received).toEqual([])
  })

  it('ignores (without penalty) events whose authorization check fails or hangs', async () => {
    const [ours, raw] = [await rawNode(), await rawNode()]
    await connectRawNodes(raw, ours)
    let calls = 0
    const messaging = await messagingOn(
      ours,
      () => {
        calls++
        return calls === 1 ? Promise.reject(new Error('registry down')) : new Promise<boolean>(() => {})
      },
      { authorizationTimeoutMs: 100 },
    )
    await messaging.subscribe('rooms', () => {})
    await rawPublish(raw, ours, 'rooms', goEvent(raw.peerId.toString(), 1))
    await rawPublish(raw, ours, 'rooms', goEvent(raw.peerId.toString(), 2))
    await waitFor(() => messaging.metrics().ignored['authorization-unavailable'] === 2, {
      message: 'two ignores',
    })
    expect(messaging.metrics().delivered).toBe(0)
    expect(scoreOf(ours, raw)).toBeGreaterThanOrEqual(0)
  })

  it('lowers the score of a persistent offender until it is graylisted', async () => {
    const [ours, raw] = [await rawNode(), await rawNode()]
    await connectRawNodes(raw, ours)
    const messaging = await messagingOn(ours, allowList(raw))
    await messaging.subscribe('rooms', () => {})
    for (let i = 0; i < 12; i++) await rawPublish(raw, ours, 'rooms', encoder.encode(`garbage ${i}`))
    // Suspended at its 5th (its later events are dropped unread), and rejected in GossipSub each
    // time: it sent them itself, and this messaging has no node score to penalise it through.
    await waitFor(
      () =>
        messaging.metrics().rejected['not-json'] === 5 &&
        messaging.metrics().ignored['author-suspended'] === 7,
      { message: '5 rejections and 7 events of a suspended author' },
    )
    // The 10th un-decayed offence crosses the graylist threshold (default -80 here); 12 are well past it.
    await waitFor(() => scoreOf(ours, raw) < -80, {
      message: 'graylisting',
    })
  })

  it('runs several handlers per topic; a throwing one is counted and the subscription continues', async () => {
    const [ours, raw] = [await rawNode(), await rawNode()]
    await connectRawNodes(raw, ours)
    const messaging = await messagingOn(ours, allowList(raw))
    const good: unknown[] = []
    const asyncGood: unknown[] = []
    const errors: unknown[] = []
    messaging.addEventListener('handler:error', (evt) => errors.push(evt.detail.error))
    await messaging.subscribe('rooms', (event) => {
      if (event.message === 1) throw new Error('handler bug')
      good.push(event.message)
    })
    await messaging.subscribe('rooms', async (event) => {
      await new Promise((resolve) => setImmediate(resolve))
      asyncGood.push(event.message)
    })
    for (const n of [1, 2, 3]) await rawPublish(raw, ours, 'rooms', goEvent(raw.peerId.toString(), n))
    await waitFor(() => good.length === 2 && asyncGood.length === 3, { message: 'deliveries' })
    expect(good).toEqual([2, 3])
    expect(asyncGood).toEqual([1, 2, 3])
    expect(errors).toHaveLength(1)
    expect(messaging.metrics()).toMatchObject({ handlerErrors: 1, delivered: 5 })
  })

  it('bounds the queue of a slow handler, dropping and counting the overflow', async () => {
    const [ours, raw] = [await rawNode(), await rawNode()]
    await connectRawNodes(raw, ours)
    const messaging = await messagingOn(ours, allowList(raw), { queueSize: 4 })
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const slow: unknown[] = []
    let maxQueued = 0
    await messaging.subscribe('rooms', async (event) => {
      await gate
      slow.push(event.message)
    })
    const fast: unknown[] = []
    await messaging.subscribe('rooms', (event) => {
      fast.push(event.message)
      maxQueued = Math.max(maxQueued, messaging.metrics().queued)
    })
    for (let n = 0; n < 20; n++) await rawPublish(raw, ours, 'rooms', goEvent(raw.peerId.toString(), n))
    await waitFor(() => fast.length === 20, { message: 'the fast handler to see all 20' })
    // The slow handler holds 1 and queues 4; 15 were dropped for it alone.
    expect(messaging.metrics().dropped).toBe(15)
    expect(maxQueued).toBeLessThanOrEqual(4)
    release()
    await waitFor(() => slow.length === 5, { message: 'the slow handler to drain' })
    expect(slow).toEqual([0, 1, 2, 3, 4])
    // Still subscribed: the next event reaches both.
    await rawPublish(raw, ours, 'rooms', goEvent(raw.peerId.toString(), 'after'))
    await waitFor(() => slow.length === 6 && fast.length === 21, { message: 'the event after the overflow' })
  })

  it('does not deliver own events by default, and does with deliverOwnEvents', async () => {
    const [ours, raw] = [await rawNode(), await rawNode()]
    await connectRawNodes(raw, ours)
    const messaging = await messagingOn(ours, allowList(raw))
    const plain: unknown[] = []
    const own: unknown[] = []
    await messaging.subscribe('rooms', (event) => {
      plain.push(event.message)
    })
    await messaging.subscribe(
      'rooms',
      (event) => {
        own.push(event.message)
      },
      { deliverOwnEvents: true },
    )
    await messaging.publish('rooms', 'mine')
    await rawPublish(raw, ours, 'rooms', goEvent(raw.peerId.toString(), 'theirs'))
    await waitFor(() => plain.length === 1 && own.length === 2, { message: 'deliveries' })
    expect(plain).toEqual(['theirs'])
    expect(own).toEqual(['mine', 'theirs'])
  })

  it('publishing to an empty topic is counted, or throws NoPeersError when asked', async () => {
    const ours = await rawNode()
    const messaging = await messagingOn(ours, allowList())
    const event = await messaging.publish('empty', { a: 1 })
    expect(event).toMatchObject({ fromPeerId: ours.peerId.toString(), message: { a: 1 } })
    expect(messaging.metrics()).toMatchObject({ published: 1, publishedWithoutPeers: 1 })
    await expect(messaging.publish('empty', 1, { throwOnNoPeers: true })).rejects.toBeInstanceOf(NoPeersError)
    await expect(messaging.publish('empty', 'x'.repeat(2 * 1024 * 1024))).rejects.toBeInstanceOf(
      InvalidMessageError,
    )
    await expect(messaging.waitForTopicPeers('empty', { timeoutMs: 100 })).rejects.toMatchObject({
      code: 'TOPIC_PEERS_TIMEOUT',
    })
    const controller = new AbortController()
    const waiting = messaging.waitForTopicPeers('empty', { signal: controller.signal })
    controller.abort(new Error('gave up'))
    await expect(waiting).rejects.toThrow('gave up')
  })

  it('keeps two databases on one host apart: a peer authorized only in B cannot publish into A', async () => {
    const [host, peerB] = [await rawNode(), await rawNode()]
    await connectRawNodes(peerB, host)
    const a = createMessaging({
      pubsub: host.services.pubsub,
      peerId: host.peerId,
      databaseName: 'A',
      isAuthorized: allowList(),
    })
    const b = createMessaging({
      pubsub: host.services.pubsub,
      peerId: host.peerId,
      databaseName: 'B',
      isAuthorized: allowList(peerB),
    })
    await a.start()
    await b.start()
    messagings.push(a, b)
    const inA: unknown[] = []
    const inB: unknown[] = []
    await a.subscribe('rooms', (event) => {
      inA.push(event.message)
    })
    await b.subscribe('rooms', (event) => {
      inB.push(event.message)
    })
    const send = async (db: string, message: string): Promise<void> => {
      const full = `${db}_rooms`
      await waitFor(() => canSend(peerB, host, full), { message: `${full} subscription` })
      await peerB.services.pubsub.publish(full, goEvent(peerB.peerId.toString(), message))
    }
    await send('A', 'into A')
    await send('B', 'into B')
    await waitFor(() => inB.length === 1 && a.metrics().rejected.unauthorized === 1, {
      message: 'the verdicts',
    })
    expect(inA).toEqual([])
    expect(inB).toEqual(['into B'])
    // The same database cannot be opened twice on one node.
    await expect(
      createMessaging({
        pubsub: host.services.pubsub,
        peerId: host.peerId,
        databaseName: 'A',
        isAuthorized: allowList(),
      }).start(),
    ).rejects.toMatchObject({ code: 'DATABASE_IN_USE' })
  })

  it('leave() unsubscribes every handler; stop() is idempotent and refuses further use', async () => {
    const [ours, raw] = [await rawNode(), await rawNode()]
    await connectRawNodes(raw, ours)
    const messaging = await messagingOn(ours, allowList(raw))
    const sub = await messaging.subscribe('rooms', () => {})
    await messaging.subscribe('rooms', () => {})
    expect(messaging.topics()).toEqual(['rooms'])
    expect(ours.services.pubsub.getTopics()).toContain(`${DB}_rooms`)
    await sub.unsubscribe()
    await sub.unsubscribe()
    expect(ours.services.pubsub.getTopics()).toContain(`${DB}_rooms`)
    await messaging.leave('rooms')
    expect(messaging.topics()).toEqual([])
    expect(ours.services.pubsub.getTopics()).not.toContain(`${DB}_rooms`)
    expect(ours.services.pubsub.topicValidators.has(`${DB}_rooms`)).toBe(false)
    await messaging.subscribe('other', () => {})
    await messaging.stop()
    await messaging.stop()
    expect(ours.services.pubsub.getTopics()).toEqual([])
    await expect(messaging.publish('other', 1)).rejects.toMatchObject({ code: 'MESSAGING_NOT_RUNNING' })
  })

  describe('who pays for an invalid event: its signed author, not the relay', () => {
    /**
     * author -> relay -> ours: a raw relay that validates nothing (as a Go node) forwards whatever
     * `author` publishes; `author` is connected to the relay only.
     */
    async function relayChain(
      isAuthorized: (relay: RawNode, author: RawNode) => MessagingInit['isAuthorized'],
      options: Partial<MessagingInit> = {},
    ) {
      const [ours, relay, author] = [await rawNode(), await rawNode(), await rawNode()]
      await connectRawNodes(relay, ours)
      await connectRawNodes(author, relay)
      const accountability = createPeerAccountability()
      const messaging = await messagingOn(ours, isAuthorized(relay, author), { accountability, ...options })
      const received: PubSubEvent[] = []
      const rejected: MessageRejectedDetail[] = []
      await messaging.subscribe('rooms', (event) => {
        received.push(event)
      })
      messaging.addEventListener('message:rejected', (e) => rejected.push(e.detail))
      const full = `${DB}_rooms`
      relay.services.pubsub.subscribe(full)
      await waitFor(() => meshPeersOf(relay, full).includes(ours.peerId.toString()), {
        message: 'ours in the relay mesh',
      })
      await waitFor(() => author.services.pubsub.getSubscribers(full).some((p) => p.equals(relay.peerId)), {
        message: 'the relay subscription to reach the author',
      })
      const publish = (node: RawNode, data: Uint8Array) => node.services.pubsub.publish(full, data)
      return { ours, relay, author, accountability, messaging, received, rejected, publish }
    }

    it('drops a relayed bad event, strikes its author and leaves the relay score alone; the author is suspended at its 5th', async () => {
      const c = await relayChain((relay, author) => allowList(relay, author))
      for (let i = 0; i < 8; i++) await c.publish(c.author, encoder.encode(`garbage ${i}`))
      await waitFor(
        () => c.rejected.length === 5 && c.messaging.metrics().ignored['author-suspended'] === 3,
        {
          message: '5 rejections, then 3 events of a suspended author dropped',
        },
      )
      for (const r of c.rejected) {
        expect(r).toMatchObject({
          reason: 'not-json',
          propagationSource: c.relay.peerId.toString(),
          author: c.author.peerId.toString(),
          penalized: 'author',
        })
      }
      expect(c.messaging.metrics()).toMatchObject({ rejectedTotal: 5, rejectedRelayed: 5 })
      expect(c.accountability.isSuspended(c.author.peerId)).toBe(true)
      expect(c.accountability.isSuspended(c.relay.peerId)).toBe(false)
      // The relay keeps its standing: not one invalid delivery held against it, and its events arrive.
      await c.publish(c.relay, goEvent(c.relay.peerId.toString(), 'from the relay'))
      await waitFor(() => c.received.length === 1, { message: "the relay's event" })
      expect(scoreOf(c.ours, c.relay)).toBeGreaterThanOrEqual(0)
    })

    it('a spoofed from_peer is held against its signer: the impersonated peer is never struck', async () => {
      const victim = await rawNode()
      const c = await relayChain((relay, author) => allowList(relay, author, victim))
      await connectRawNodes(victim, c.relay)
      for (let i = 0; i < 5; i++)
        await c.publish(c.author, goEvent(victim.peerId.toString(), `as the victim ${i}`))
      await waitFor(() => c.rejected.length === 5, { message: 'five rejections' })
      expect(new Set(c.rejected.map((r) => `${r.reason} ${r.author}`))).toEqual(
        new Set([`from-peer-mismatch ${c.author.peerId.toString()}`]),
      )
      expect(c.accountability.isSuspended(c.author.peerId)).toBe(true)
      expect(c.accountability.isSuspended(victim.peerId)).toBe(false)
      // The victim's own events still arrive through the same relay.
      const full = `${DB}_rooms`
      await waitFor(() => victim.services.pubsub.getSubscribers(full).length > 0, {
        message: 'victim sees the relay',
      })
      await c.publish(victim, goEvent(victim.peerId.toString(), 'really from the victim'))
      await waitFor(() => c.received.some((e) => e.fromPeerId === victim.peerId.toString()), {
        message: "the victim's event",
      })
      expect(c.received.map((e) => e.message)).toEqual(['really from the victim'])
    })

    it('events signed by a key the registry does not admit cost a relay nothing up to its allowance, and are not delivered', async () => {
      // The author's wallet is not in this database's registry (a throwaway key, or just revoked).
      const c = await relayChain((relay) => allowList(relay))
      for (let i = 0; i < 4; i++) await c.publish(c.author, goEvent(c.author.peerId.toString(), i))
      await waitFor(() => c.rejected.length === 4, { message: 'four rejections' })
      expect(c.rejected.every((r) => r.reason === 'unauthorized' && r.penalized === 'none')).toBe(true)
      expect(c.received).toEqual([])
      expect(c.accountability.metrics()).toMatchObject({
        unattributable: 4,
        unattributablePenalized: 0,
        strikes: 0,
      })
      expect(scoreOf(c.ours, c.relay)).toBeGreaterThanOrEqual(0)
    })
  })
})

// Go's crypto/ed25519 accepts signatures under a small-order key or with a small-order R, which
// libsodium and OpenSSL 3.5 refuse: a Go relay forwards them in good faith. Our GossipSub patch drops
// them without penalising whoever forwarded them, while a plainly bad signature still counts against
// its sender (P4) until it is graylisted.
describe('signatures only Go accepts', () => {
  const FORGED = 12 // past the 10 invalid messages that graylist a peer

  /** Our messaging on `rooms` at `ours`, and a raw sender it authorizes, able to send to it. */
  async function setup() {
    const senderWallet = generateWallet()
    const [ours, sender] = [await rawNode(), await rawNode(senderWallet)]
    await connectRawNodes(sender, ours)
    const messaging = await messagingOn(ours, allowList(sender))
    const received: PubSubEvent[] = []
    await messaging.subscribe('rooms', (event) => {
      received.push(event)
    })
    const verdicts = recordVerdicts(ours.services.pubsub)
    const full = `${DB}_rooms`
    await waitFor(() => canSend(sender, ours, full), { message: "the receiver's subscription and stream" })
    const send = (messages: WireMessage[]): void => {
      expect(sendWireMessages(sender.services.pubsub, ours.peerId.toString(), messages)).toBe(true)
    }
    return {
      ours,
      sender,
      secret: senderWallet.secretKey,
      author: sender.peerId.toString(),
      full,
      received,
      verdicts,
      send,
    }
  }

  it('are dropped, and the peer that forwarded them keeps its score and its events', async () => {
    const s = await setup()
    const forged = Array.from({ length: FORGED }, (_, i) => [
      smallOrderKeyMessage(s.full, goEvent(s.author, `small-order key ${i}`)),
      identityRMessage(s.secret, s.full, goEvent(s.author, `identity R ${i}`)),
    ]).flat()
    s.send(forged)
    await waitFor(() => s.verdicts.length >= forged.length, {
      message: 'the forged messages to be validated',
    })
    expect(s.verdicts).toEqual(forged.map(() => 'small_order_signature'))
    // A penalty would show in the sender's score (and graylist it) from the next heartbeat on.
    await heartbeats(s.ours.services.pubsub, 2)

    await s.sender.services.pubsub.publish(s.full, goEvent(s.author, 'after'))
    await waitFor(() => s.received.length > 0, { message: "the sender's next event" })
    expect(s.received.map((e) => e.message)).toEqual(['after'])
    expect(scoreOf(s.ours, s.sender)).toBeGreaterThanOrEqual(0)
  })

  it('a plainly bad signature still counts against the sender until it is graylisted', async () => {
    const s = await setup()
    const bad = Array.from({ length: FORGED }, (_, i) =>
      badSignatureMessage(s.secret, s.full, goEvent(s.author, `bad ${i}`)),
    )
    s.send(bad)
    await waitFor(() => s.verdicts.length >= bad.length, { message: 'the bad messages to be validated' })
    expect(s.verdicts).toEqual(bad.map(() => 'invalid_signature'))
    // The 10th un-decayed offence crosses the graylist threshold (-80 with default thresholds).
    await waitFor(() => scoreOf(s.ours, s.sender) < -80, { message: 'graylisting' })
    expect(s.received).toEqual([])
  })
})
