import { generateWallet, waitFor } from '@depin/test-utils'
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { nearCandidates, nearPeersSlack, nearPeersWanted } from '../src/near-peers.js'
import {
  MAX_NEAR_ANSWER_BYTES,
  MAX_NEAR_ENTRIES,
  NEAR_PEERS_PROTOCOL,
  parseNearAnswer,
} from '../src/near-peers-wire.js'
import { bootstrapEntryOf, createTestNetwork, rttSamplesOf, type TestNode } from './helpers.js'

const bytes = (value: unknown): Uint8Array =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value))

describe('near-peer answers', () => {
  const id = generateWallet().identity.peerId.toString()
  const other = generateWallet().identity.peerId.toString()
  const entry = { id, addrs: ['/ip4/10.0.0.1/udp/4001/quic-v1'], rttMs: 3.2 }

  it('takes a well-formed entry and names the peer in its addresses', () => {
    const parsed = parseNearAnswer(bytes({ peers: [entry] }))
    expect(parsed?.rejected).toBe(0)
    expect(parsed?.entries.map((e) => [e.peerId.toString(), e.addrs.map(String), e.rttMs])).toEqual([
      [id, [`/ip4/10.0.0.1/udp/4001/quic-v1/p2p/${id}`], 3.2],
    ])
  })

  it.each([
    ['not JSON', '{"peers": ['],
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
    ['null', 'null'],
    ['no peers array', { peers: 'many' }],
    ['too many entries', { peers: Array.from({ length: MAX_NEAR_ENTRIES + 1 }, () => entry) }],
  ])('refuses an answer that is %s', (_, answer) => {
    expect(parseNearAnswer(answer instanceof Uint8Array ? answer : bytes(answer))).toBeUndefined()
  })

  it.each([
    ['a bad PeerId', { ...entry, id: 'Qm-not-a-peer' }],
    ['no address', { ...entry, addrs: [] }],
    ['five addresses', { ...entry, addrs: Array.from({ length: 5 }, () => entry.addrs[0]) }],
    ['a bad address', { ...entry, addrs: ['/ip4/999.1.1.1/tcp/1'] }],
    ['an address over 256 characters', { ...entry, addrs: [`/dns4/${'a'.repeat(260)}/tcp/1`] }],
    ['a relayed address', { ...entry, addrs: [`/ip4/10.0.0.9/tcp/1/p2p/${other}/p2p-circuit`] }],
    ['an address of another peer', { ...entry, addrs: [`/ip4/10.0.0.1/tcp/1/p2p/${other}`] }],
    ['a negative RTT', { ...entry, rttMs: -1 }],
    ['an RTT that is no number', { ...entry, rttMs: '3' }],
    ['no object', 42],
  ])('skips and counts an entry with %s', (_, bad) => {
    const parsed = parseNearAnswer(bytes({ peers: [bad, entry] }))
    expect(parsed?.rejected).toBe(1)
    expect(parsed?.entries.map((e) => e.peerId.toString())).toEqual([id])
  })

  it('picks the named peers whose RTT may be near ours: triangle inequality, lowest bound first', () => {
    const named = (rtts: number[]) =>
      rtts.map((rttMs) => ({ peerId: generateWallet().identity.peerId, addrs: [], rttMs }))
    // Asked a near peer (6 ms), near bands up to 25 ms: its near peers, not its far ones.
    const fromNear = named([40, 6, 90, 7])
    expect(nearCandidates(fromNear, 6, 25).map((e) => e.rttMs)).toEqual([6, 7])
    // A node whose peers are all in other regions asks one 90 ms away (near bands up to 200 ms):
    // that peer's peers 90 ms from it may be ours; its neighbours 5 ms from it cannot be.
    const fromFar = named([5, 90, 40, 150])
    expect(nearCandidates(fromFar, 90, 200).map((e) => e.rttMs)).toEqual([90, 40, 150, 5])
    expect(nearCandidates(fromFar, 90, 50).map((e) => e.rttMs)).toEqual([90])
  })

  it('wants 8 near peers, fewer when the band is small, none when far links fill it', () => {
    expect(nearPeersWanted(32, 4)).toBe(8)
    expect(nearPeersWanted(8, 2)).toBe(4)
    expect(nearPeersWanted(7, 4)).toBe(0)
    expect([8, 4, 3, 0].map(nearPeersSlack)).toEqual([2, 1, 0, 0])
  })
})

describe('looking for near peers, real nodes', () => {
  const net = createTestNetwork()
  afterEach(() => net.stopAll())

  /**
   * No discovery but the bootstrap list: no DHT server, rendezvous content with one peer. Bands
   * put loopback peers in the second band, as a node whose nearest peers are not in the first band
   * (it may have nearer ones it never met): such a node looks for near peers; one whose peers are
   * all in the first band and none far does not (next describe block). TCP only: its RTTs come
   * from pings, to the microsecond; QUIC's own estimate is in whole ms, 0 on loopback (band 0).
   */
  const quiet = (latencyAware: boolean, rttBandsMs: number[] = [0.01, 1_000]) => ({
    transports: { quic: false, tcp: true },
    peering: { latencyAware, pingIntervalMs: 500, rttBandsMs },
    dht: { clientMode: true, lan: false },
    rendezvous: { targetPeers: 1, findIntervalMs: 500 },
    connectionLimits: { low: 8, high: 16, gracePeriodMs: 60_000 },
  })

  /**
   * A hub B with two spokes C and D; B has measured both before the test goes on. The spokes do
   * not look for near peers themselves (they still answer B's pings): latency-aware, each would
   * learn a newcomer A from B and dial it, and A's connections to them would not show A's own
   * lookup (a CI run: A connected to both before its first lookup).
   */
  async function star(hubLatencyAware: boolean): Promise<{ b: TestNode; c: TestNode; d: TestNode }> {
    const b = await net.start({ name: 'b', init: quiet(hubLatencyAware) })
    const hub = [bootstrapEntryOf(b.node)]
    const c = await net.start({ name: 'c', bootstrap: hub, init: quiet(false) })
    const d = await net.start({ name: 'd', bootstrap: hub, init: quiet(false) })
    await Promise.all([
      c.node.waitUntilReady({ timeoutMs: 10_000 }),
      d.node.waitUntilReady({ timeoutMs: 10_000 }),
    ])
    if (hubLatencyAware) {
      await waitFor(() => b.node.metrics().peering.measuredPeers === 2, {
        timeoutMs: 10_000,
        message: "b's RTT to c and d measured",
      })
    }
    return { b, c, d }
  }

  const connectedTo = (from: TestNode, to: TestNode): boolean =>
    from.node.libp2p.getConnections(to.node.peerId).some((c) => c.status === 'open')

  it('a node short of near peers asks its near peer for theirs and connects to them', async () => {
    const { b, c, d } = await star(true)
    const a = await net.start({ name: 'a', bootstrap: [bootstrapEntryOf(b.node)], init: quiet(true) })
    await waitFor(() => connectedTo(a, c) && connectedTo(a, d), {
      timeoutMs: 15_000,
      message: 'a connected to c and d, the near peers b named',
    })
    const metrics = a.node.metrics().peering
    expect(metrics.nearLookups).toBeGreaterThanOrEqual(1)
    expect(metrics.nearDials).toBeGreaterThanOrEqual(2)
    expect(metrics.nearAnswersRejected).toBe(0)
    expect(b.node.metrics().peering.nearAnswersServed).toBeGreaterThanOrEqual(1)
    // Loopback: all near; a measures its new peers like any other.
    await waitFor(() => a.node.metrics().peering.nearPeers === 3, {
      timeoutMs: 10_000,
      message: 'a has three near peers',
    })
  })

  it('does not ask a peer that does not serve the protocol (latency-aware peering off there, or a Go node)', async () => {
    const { b, c } = await star(false)
    const a = await net.start({ name: 'a', bootstrap: [bootstrapEntryOf(b.node)], init: quiet(true) })
    // Several ticks of a's peering with b measured: a round would have asked by then.
    await waitFor(
      () => a.node.metrics().peering.measuredPeers === 1 && rttSamplesOf(a.node.metrics().peering) >= 4,
      {
        timeoutMs: 10_000,
        message: 'a measured b a few times',
      },
    )
    expect(a.node.metrics().peering).toMatchObject({ nearLookups: 0, nearDials: 0, nearAnswersRejected: 0 })
    expect(connectedTo(a, c)).toBe(false)
  })

  it('skips the junk in an answer, counts it, and dials only the good entries', async () => {
    const { b, c, d } = await star(false)
    const good = (node: TestNode) => ({
      id: node.node.peerId.toString(),
      addrs: node.node.libp2p
        .getMultiaddrs()
        .filter((addr) => !addr.toString().includes('p2p-circuit'))
        .slice(0, 4)
        .map(String),
      rttMs: 0.5,
    })
    const served: string[] = []
    await b.node.libp2p.handle(
      NEAR_PEERS_PROTOCOL,
      async (stream: Stream) => {
        served.push('answer')
        const answer = {
          peers: [
            good(c),
            { ...good(d), addrs: [`/ip4/127.0.0.1/tcp/1/p2p/${c.node.peerId}`] },
            { id: 'junk', addrs: ['/ip4/127.0.0.1/tcp/1'], rttMs: 1 },
            'junk',
          ],
        }
        await lpStream(stream).write(bytes(answer))
        await stream.close()
      },
      { force: true },
    )
    const a = await net.start({ name: 'a', bootstrap: [bootstrapEntryOf(b.node)], init: quiet(true) })
    await waitFor(() => connectedTo(a, c), { timeoutMs: 15_000, message: 'a connected to c' })
    expect(served.length).toBeGreaterThanOrEqual(1)
    expect(a.node.metrics().peering.nearAnswersRejected).toBe(3)
    expect(a.node.metrics().peering.nearDials).toBe(1)
    expect(connectedTo(a, d)).toBe(false)
  })

  it('an oversized answer fails the question, counted, and the node goes on', async () => {
    const { b, c } = await star(false)
    await b.node.libp2p.handle(
      NEAR_PEERS_PROTOCOL,
      async (stream: Stream) => {
        await lpStream(stream).write(new Uint8Array(MAX_NEAR_ANSWER_BYTES + 1))
        await stream.close()
      },
      { force: true },
    )
    const a = await net.start({ name: 'a', bootstrap: [bootstrapEntryOf(b.node)], init: quiet(true) })
    await waitFor(() => a.node.metrics().peering.nearAnswersRejected >= 1, {
      timeoutMs: 15_000,
      message: 'the oversized answer rejected',
    })
    expect(a.node.metrics().peering.nearDials).toBe(0)
    expect(connectedTo(a, c)).toBe(false)
    expect(a.node.libp2p.status).toBe('started')
  })

  it('a node whose peers are all in the first band and none far leaves its degree to discovery', async () => {
    // One site: every ping well inside the first band, even a loopback ping on a loaded CI machine
    // (a first band of 10 ms once saw a 10 ms ping put b in band 1, and a looked for nearer peers).
    const oneSite = [1_000, 2_500, 5_000, 10_000, 20_000]
    const b = await net.start({ name: 'b', init: quiet(true, oneSite) })
    const hub = [bootstrapEntryOf(b.node)]
    const c = await net.start({ name: 'c', bootstrap: hub, init: quiet(true, oneSite) })
    await c.node.waitUntilReady({ timeoutMs: 10_000 })
    await waitFor(() => b.node.metrics().peering.measuredPeers === 1, {
      timeoutMs: 10_000,
      message: "b's RTT to c measured",
    })
    const a = await net.start({ name: 'a', bootstrap: hub, init: quiet(true, oneSite) })
    // Several ticks of a's peering with b measured (in band 0, nothing far): a round would have asked by then.
    await waitFor(
      () => a.node.metrics().peering.nearBand === 0 && rttSamplesOf(a.node.metrics().peering) >= 4,
      {
        timeoutMs: 10_000,
        message: 'a measured b a few times',
      },
    )
    expect(a.node.metrics().peering).toMatchObject({ nearLookups: 0, nearDials: 0 })
    expect(connectedTo(a, c)).toBe(false)
  })

  it('answers a peer at most 6 times a minute', async () => {
    const { b } = await star(true)
    const a = await net.start({ name: 'a', bootstrap: [bootstrapEntryOf(b.node)], init: quiet(false) })
    await a.node.waitUntilReady({ timeoutMs: 10_000 })
    const outcomes: string[] = []
    for (let i = 0; i < 7; i++) {
      let stream: Stream | undefined
      try {
        stream = await a.node.libp2p.dialProtocol(b.node.peerId, NEAR_PEERS_PROTOCOL, {
          signal: AbortSignal.timeout(5_000),
        })
        const answer = parseNearAnswer(
          (await lpStream(stream).read({ signal: AbortSignal.timeout(5_000) })).subarray(),
        )
        outcomes.push(answer === undefined ? 'junk' : `peers:${answer.entries.length}`)
      } catch {
        // b resets a refused question right after protocol negotiation: the reset can overtake its
        // echo of the protocol, so the refusal shows in dialProtocol or in the read.
        outcomes.push('refused')
      }
      // As the seeker does: its stream closed, so it does not hold one of b's two inbound slots
      // (b's side learns of the close a moment later: wait for it, or the limit of 2 streams,
      // not the rate limit, would refuse the next question).
      await stream?.close().catch(() => stream?.abort(new Error('done')))
      await waitFor(
        () =>
          b.node.libp2p
            .getConnections(a.node.peerId)
            .every((c) => c.streams.every((s) => s.protocol !== NEAR_PEERS_PROTOCOL)),
        { timeoutMs: 5_000, message: "b's side of the question closed" },
      )
    }
    // b's near peers other than a: c and d.
    expect(outcomes).toEqual([...Array.from({ length: 6 }, () => 'peers:2'), 'refused'])
  })
})
