import { waitFor } from '@depin/test-utils'
import { start, stop } from '@libp2p/interface'
import { afterEach, describe, expect, it } from 'vitest'
import { bootstrapEntryOf, createTestNetwork, type TestNode } from './helpers.js'

// GossipSub (@libp2p/gossipsub 17) loses a connected peer when a stream closes or errors while the
// connection stays open (a crash-restart with the same key does this; see src/pubsub-links.ts and
// tooling/reliability/test/restart.test.ts for the real thing). Here the loss is provoked in-process
// by resetting the GossipSub stream B opened to A, which leaves A in the state the crash leaves.
const net = createTestNetwork()
afterEach(() => net.stopAll())

const TOPIC = 'links'
const LINKS = { pubsubLinks: { checkIntervalMs: 200, graceMs: 500 } }

const OFF = { pubsubLinks: { checkIntervalMs: 0, graceMs: 500 } }

async function pair(init = LINKS, initB = init): Promise<{ a: TestNode; b: TestNode; received: string[] }> {
  const a = await net.start({ name: 'links-a', init })
  const b = await net.start({ name: 'links-b', bootstrap: [bootstrapEntryOf(a.node)], init: initB })
  const received: string[] = []
  b.node.libp2p.services.pubsub.addEventListener('message', (event) => {
    received.push(new TextDecoder().decode(event.detail.data))
  })
  a.node.libp2p.services.pubsub.subscribe(TOPIC)
  b.node.libp2p.services.pubsub.subscribe(TOPIC)
  // Both directions: B learns A's subscription over the stream A opens to B, so once both know, neither
  // GossipSub is still opening a stream that would link the peers again after a test resets one.
  await waitFor(() => knowsSubscriber(a, b) && knowsSubscriber(b, a), {
    message: 'A and B know each other subscribes',
  })
  return { a, b, received }
}

function knowsSubscriber(node: TestNode, peer: TestNode): boolean {
  return node.node.libp2p.services.pubsub.getSubscribers(TOPIC).some((p) => p.equals(peer.node.peerId))
}

/** Resets A's GossipSub streams with B in one direction, leaving the connection open. */
function resetStreams(a: TestNode, b: TestNode, direction: 'inbound' | 'outbound'): void {
  const { pubsub } = a.node.libp2p.services
  const streams = a.node.libp2p
    .getConnections(b.node.peerId)
    .flatMap((c) => c.streams)
    .filter((s) => s.direction === direction && pubsub.protocols.includes(s.protocol ?? ''))
  expect(streams.length).toBeGreaterThan(0)
  for (const stream of streams) stream.abort(new Error('test: stream reset'))
  expect(streams.every((stream) => stream.status !== 'open')).toBe(true)
}

/**
 * Resets the GossipSub stream B opened to A (as a flaky link or a relay may), leaving the connection
 * open: A's read fails and GossipSub forgets B and its subscriptions, as after a crash-restart.
 */
async function loseLink(a: TestNode, b: TestNode): Promise<void> {
  resetStreams(a, b, 'inbound')
  await waitFor(() => !knowsSubscriber(a, b), { message: 'A forgot that B subscribes' })
  expect(a.node.libp2p.getConnections(b.node.peerId).length).toBeGreaterThan(0)
}

/**
 * A and B connected with identify failed on both ends (what libp2p's 5 s timeout does on a loaded
 * machine): each had stopped answering identify when the other asked, so neither registrar told its
 * GossipSub of the other. Identify answers again once both attempts have failed.
 */
async function connectUnidentified(
  init: typeof LINKS,
): Promise<{ a: TestNode; b: TestNode; received: string[] }> {
  const a = await net.start({ name: 'unidentified-a', init })
  const b = await net.start({ name: 'unidentified-b', init })
  const failed = { n: 0 }
  for (const { node } of [a, b]) {
    const service = node.libp2p.services.identify
    // Identify's published interface has no start/stop; its service is Startable.
    await stop(service)
    // Counts the attempts the connection starts (identify runs this on every new connection).
    const identify = service.identify.bind(service)
    service.identify = (connection, options) =>
      identify(connection, options).catch((err: unknown) => {
        failed.n++
        throw err
      })
  }
  await b.node.libp2p.dial(a.node.libp2p.getMultiaddrs())
  await waitFor(() => failed.n >= 2, { message: 'identify failed on both ends' })
  await start(...[a, b].map(({ node }) => node.libp2p.services.identify))
  const received: string[] = []
  b.node.libp2p.services.pubsub.addEventListener('message', (event) => {
    received.push(new TextDecoder().decode(event.detail.data))
  })
  a.node.libp2p.services.pubsub.subscribe(TOPIC)
  b.node.libp2p.services.pubsub.subscribe(TOPIC)
  expect(a.node.libp2p.services.pubsub.getPeers()).toEqual([])
  return { a, b, received }
}

/** Publishes from A until B gets one, bounded. */
async function delivers(a: TestNode, received: string[], tag: string, timeoutMs: number): Promise<boolean> {
  let n = 0
  return waitFor(
    async () => {
      await a.node.libp2p.services.pubsub
        .publish(TOPIC, new TextEncoder().encode(`${tag}${n++}`))
        .catch(() => undefined)
      return received.some((m) => m.startsWith(tag))
    },
    { timeoutMs, intervalMs: 200 },
  ).then(
    () => true,
    () => false,
  )
}

describe('GossipSub link check', () => {
  it('has GossipSub reopen the streams of a peer it forgot, without dropping the connection', async () => {
    const { a, b, received } = await pair()
    expect(await delivers(a, received, 'before', 10_000)).toBe(true)
    const connectionIds = a.node.libp2p.getConnections(b.node.peerId).map((c) => c.id)
    // A's GossipSub drops its outbound stream and does not open another (B's read fails too).
    resetStreams(a, b, 'outbound')
    expect(await delivers(a, received, 'after', 15_000)).toBe(true)
    expect(a.node.metrics().pubsubLinkRepairs + b.node.metrics().pubsubLinkRepairs).toBeGreaterThanOrEqual(1)
    const line = [...a.logger.lines, ...b.logger.lines].find((l) => l.includes('reopening its streams'))
    expect(line).toMatch(/missing/)
    // The same connection carries the link again: nothing was closed.
    expect(a.node.libp2p.getConnections(b.node.peerId).map((c) => c.id)).toEqual(connectionIds)
    expect([...a.logger.lines, ...b.logger.lines].some((l) => l.includes('reconnecting'))).toBe(false)
  })

  it('reconnects a peer that GossipSub forgot (reopening cannot bring its stream back)', async () => {
    // A forgets B after a read error and closes its end of B's stream; B, running no check here,
    // never opens another. Only a reconnect makes both sides set GossipSub up afresh.
    const { a, b, received } = await pair(LINKS, OFF)
    expect(await delivers(a, received, 'before', 10_000)).toBe(true)
    const connectionIds = a.node.libp2p.getConnections(b.node.peerId).map((c) => c.id)
    await loseLink(a, b)
    expect(await delivers(a, received, 'after', 20_000)).toBe(true)
    const lines = a.logger.lines.filter((l) => l.includes('gossipsub lost its link'))
    const reconnect = lines.find((l) => l.includes('reconnecting'))
    expect(reconnect).toContain(b.node.peerId.toString())
    expect(reconnect).toMatch(/missing=\["peer"/)
    expect(a.node.metrics().pubsubLinkRepairs).toBeGreaterThanOrEqual(1)
    expect(a.node.libp2p.getConnections(b.node.peerId).map((c) => c.id)).not.toEqual(connectionIds)
  })

  it('leaves a healthy link alone', async () => {
    const { a, b, received } = await pair()
    expect(await delivers(a, received, 'healthy', 10_000)).toBe(true)
    // Ten check intervals on a healthy link: no repair.
    const checks = { n: 0 }
    await waitFor(() => ++checks.n >= 10, { timeoutMs: 5_000, intervalMs: 200 })
    expect(a.node.metrics().pubsubLinkRepairs).toBe(0)
    expect(b.node.metrics().pubsubLinkRepairs).toBe(0)
  })

  it('with the check off, the lost link stays lost (what the check is for)', async () => {
    const { a, b, received } = await pair(OFF)
    await loseLink(a, b)
    expect(await delivers(a, received, 'off', 3_000)).toBe(false)
    expect(a.node.metrics().pubsubLinkRepairs).toBe(0)
  })

  it('identifies again a connected peer whose identify failed on both ends, and GossipSub links it', async () => {
    const { a, b, received } = await connectUnidentified(LINKS)
    const connectionIds = a.node.libp2p.getConnections(b.node.peerId).map((c) => c.id)
    expect(await delivers(a, received, 'identified', 15_000)).toBe(true)
    const line = [...a.logger.lines, ...b.logger.lines].find((l) => l.includes('identifying it again'))
    expect(line).toBeDefined()
    // Identify ran again on the same connection: nothing was closed.
    expect(a.node.libp2p.getConnections(b.node.peerId).map((c) => c.id)).toEqual(connectionIds)
  })

  it('with the check off, a connection whose identify failed never carries GossipSub', async () => {
    const { a, received } = await connectUnidentified(OFF)
    expect(await delivers(a, received, 'unidentified', 3_000)).toBe(false)
    expect(a.node.libp2p.services.pubsub.getPeers()).toEqual([])
  })
})
