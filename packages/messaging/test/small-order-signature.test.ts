import { gossipSubInternals } from '@depin/infrastructure'
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
import { afterEach, describe, expect, it } from 'vitest'
import { createMessaging, type Messaging, type PubSubEvent } from '../src/index.js'

// Go's crypto/ed25519 accepts signatures under a small-order key or with a small-order R, which
// libsodium and OpenSSL 3.5 refuse: a Go relay forwards them in good faith. Our GossipSub patch drops
// them without penalising whoever forwarded them, while a plainly bad signature still counts against
// its sender (P4) until it is graylisted.

const DB = 'sigdb'
const FULL = `${DB}_rooms`
const FORGED = 12 // past the 10 invalid messages that graylist a peer

let nodes: RawNode[] = []
let messagings: Messaging[] = []

afterEach(async () => {
  await Promise.allSettled(messagings.map((m) => m.stop()))
  await Promise.allSettled(nodes.map((n) => n.stop()))
  nodes = []
  messagings = []
})

const encoder = new TextEncoder()
const goEvent = (from: string, message: unknown): Uint8Array =>
  encoder.encode(JSON.stringify({ id: crypto.randomUUID(), from_peer: from, message, timestamp: 1764000000 }))

interface Setup {
  receiver: RawNode
  sender: RawNode
  senderSecret: Uint8Array
  received: PubSubEvent[]
  /** What the receiver's GossipSub made of each message it validated ('valid' or the error). */
  verdicts: string[]
}

/** A receiver with our messaging on `rooms`, and a raw sender it authorizes, connected. */
async function setup(): Promise<Setup> {
  const senderWallet = generateWallet()
  const receiver = await createRawNode({ privateKey: generateWallet().identity.privateKey })
  nodes.push(receiver)
  const sender = await createRawNode({ privateKey: senderWallet.identity.privateKey })
  nodes.push(sender)
  await connectRawNodes(sender, receiver)
  const messaging = createMessaging({
    pubsub: receiver.services.pubsub,
    peerId: receiver.peerId,
    databaseName: DB,
    isAuthorized: (peer) => peer.equals(sender.peerId),
  })
  await messaging.start()
  messagings.push(messaging)
  const received: PubSubEvent[] = []
  await messaging.subscribe('rooms', (event) => {
    received.push(event)
  })
  const verdicts = recordVerdicts(receiver.services.pubsub)
  await waitFor(
    () =>
      sender.services.pubsub.getSubscribers(FULL).some((p) => p.equals(receiver.peerId)) &&
      gossipSubInternals(sender.services.pubsub).hasOutboundStream(receiver.peerId.toString()) === true,
    { message: "the receiver's subscription and the sender's stream to it" },
  )
  return { receiver, sender, senderSecret: senderWallet.secretKey, received, verdicts }
}

const send = (s: Setup, messages: WireMessage[]): void => {
  expect(sendWireMessages(s.sender.services.pubsub, s.receiver.peerId.toString(), messages)).toBe(true)
}

// GossipSub's score is not in its public interface type.
const scoreOf = (s: Setup): number =>
  (s.receiver.services.pubsub as unknown as { getScore(id: string): number }).getScore(
    s.sender.peerId.toString(),
  )

describe('signatures only Go accepts', () => {
  it('are dropped, and the peer that forwarded them keeps its score and its events', async () => {
    const s = await setup()
    const author = s.sender.peerId.toString()
    const forged = Array.from({ length: FORGED }, (_, i) => [
      smallOrderKeyMessage(FULL, goEvent(author, `small-order key ${i}`)),
      identityRMessage(s.senderSecret, FULL, goEvent(author, `identity R ${i}`)),
    ]).flat()
    send(s, forged)
    await waitFor(() => s.verdicts.length >= forged.length, {
      message: 'the forged messages to be validated',
    })
    expect(s.verdicts).toEqual(forged.map(() => 'small_order_signature'))
    // A penalty would show in the sender's score (and graylist it) from the next heartbeat on.
    await heartbeats(s.receiver.services.pubsub, 2)

    await s.sender.services.pubsub.publish(FULL, goEvent(author, 'after'))
    await waitFor(() => s.received.length > 0, { message: "the sender's next event" })
    expect(s.received.map((e) => e.message)).toEqual(['after'])
    expect(scoreOf(s)).toBeGreaterThanOrEqual(0)
  })

  it('a plainly bad signature still counts against the sender until it is graylisted', async () => {
    const s = await setup()
    const author = s.sender.peerId.toString()
    const bad = Array.from({ length: FORGED }, (_, i) =>
      badSignatureMessage(s.senderSecret, FULL, goEvent(author, `bad ${i}`)),
    )
    send(s, bad)
    await waitFor(() => s.verdicts.length >= bad.length, { message: 'the bad messages to be validated' })
    expect(s.verdicts).toEqual(bad.map(() => 'invalid_signature'))
    // The 10th un-decayed offence crosses the graylist threshold (-80 with default thresholds).
    await waitFor(() => scoreOf(s) < -80, { message: 'graylisting' })
    expect(s.received).toEqual([])
  })
})
