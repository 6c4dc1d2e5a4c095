import { waitFor, waitForEvent } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { gossipSubInternals, type NodeInit } from '../src/index.js'
import { bootstrapEntryOf, createTestNetwork, type TestNode } from './helpers.js'

// How many times a node tells a gossip peer (a topic peer outside its mesh) of a message it holds:
// GOSSIPSUB_DEFAULTS sets GossipSub's gossip window (`mcacheGossip`) to one heartbeat.
const net = createTestNetwork()
afterEach(() => net.stopAll())

const TOPIC = 'gossip-window'
const BEAT_MS = 100
/** A hub whose mesh holds one peer, so that of three leaves at least two are its gossip peers. */
const HUB_MESH = { heartbeatInterval: BEAT_MS, D: 1, Dlo: 1, Dhi: 1, Dout: 0, Dscore: 0 }

interface IHave {
  topicID?: string
  messageIDs: Uint8Array[]
}

/**
 * The IHAVE entries the hub queues for each peer. `pushGossip(peerId, ihave)` is where
 * @libp2p/gossipsub 17.1.1 queues them for the next flush (not in its published interface).
 */
function recordGossip(hub: TestNode): Map<string, number> {
  const pubsub = hub.node.libp2p.services.pubsub as unknown as {
    pushGossip?: (id: string, ihave: IHave) => void
  }
  const original = pubsub.pushGossip
  expect(typeof original).toBe('function')
  const told = new Map<string, number>()
  pubsub.pushGossip = (id, ihave) => {
    if (ihave.topicID === TOPIC && ihave.messageIDs.length > 0) told.set(id, (told.get(id) ?? 0) + 1)
    original?.call(pubsub, id, ihave)
  }
  return told
}

/**
 * Starts a hub and three leaves on one topic, publishes one message from the hub, and returns how
 * many times each peer was told of it, read four heartbeats after the first time.
 */
async function gossipOfOneMessage(hubGossip: NodeInit['gossipsub'] = {}): Promise<Map<string, number>> {
  const hub = await net.start({ name: 'hub', init: { gossipsub: { ...HUB_MESH, ...hubGossip } } })
  const leaves: TestNode[] = []
  for (let i = 0; i < 3; i++) {
    leaves.push(
      await net.start({
        name: `leaf${i}`,
        bootstrap: [bootstrapEntryOf(hub.node)],
        init: { gossipsub: { heartbeatInterval: BEAT_MS } },
      }),
    )
  }
  const pubsub = hub.node.libp2p.services.pubsub
  // The hub subscribes to this topic only, so its mesh is this topic's.
  const internals = gossipSubInternals(pubsub)
  for (const node of [hub, ...leaves]) node.node.libp2p.services.pubsub.subscribe(TOPIC)
  await waitFor(
    () => pubsub.getSubscribers(TOPIC).length === leaves.length && internals.meshPeers()?.size === HUB_MESH.D,
    { message: `the hub knows ${leaves.length} subscribers and keeps ${HUB_MESH.D} in its mesh` },
  )
  const told = recordGossip(hub)
  await pubsub.publish(TOPIC, new TextEncoder().encode('one'))
  await waitFor(() => told.size > 0, { message: 'the hub gossips the message' })
  let beats = 0
  await waitForEvent(pubsub, 'gossipsub:heartbeat', {
    filter: () => ++beats === 4,
    message: 'four heartbeats after the first gossip',
  })
  return told
}

describe('GossipSub gossip window', () => {
  it('tells each gossip peer of a message once', async () => {
    const told = await gossipOfOneMessage()
    expect(told.size).toBeGreaterThan(0)
    expect(Math.max(...told.values())).toBe(1)
  })

  it("keeps a user's own window: with GossipSub's default of 3 heartbeats a peer is told again", async () => {
    // Three times while the peer stays outside the hub's mesh (its mesh of one rarely changes).
    const told = await gossipOfOneMessage({ mcacheGossip: 3 })
    expect(Math.max(...told.values())).toBeGreaterThan(1)
  })
})
