import { generateWallets, waitFor } from '@depin/test-utils'
import { multiaddr as multiaddrOf } from '@multiformats/multiaddr'
import { afterEach, beforeAll, describe, expect, inject, test } from 'vitest'
import { builtGoBinary, GO_SKIP_REASON } from './helpers/go-binary.js'
import { type GoLine, type GoNode, startGoNode } from './helpers/go-node.js'
import { rendezvousCid, startTsNode, type TsNode, type WireEvent } from './helpers/ts-node.js'

// Wire compatibility proven with plain js-libp2p nodes built as our infrastructure builds them
// (the @depin gater, @libp2p/gossipsub, kad-DHT): GossipSub framing and signing, the Event JSON,
// the gater in both directions, and DHT rendezvous, against a go-libp2p node of the Go
// implementation's design.

const suite =
  GO_SKIP_REASON === undefined
    ? 'Go interop: wire (raw js-libp2p nodes)'
    : `Go interop: wire (skipped: ${GO_SKIP_REASON})`

const TRANSPORTS = ['quic', 'tcp'] as const
type Transport = (typeof TRANSPORTS)[number]

/** Go flags that keep only one transport, so the connection under test is that one. */
const only = (t: Transport): string[] => (t === 'quic' ? ['--tcp=false'] : ['--quic=false'])

const message = { hello: 'world', n: [1, 2.5, -3], nested: { ok: true, none: null }, text: 'ü ✓ "quoted"' }

describe.skipIf(GO_SKIP_REASON !== undefined)(suite, () => {
  let binary = ''
  const goNodes: GoNode[] = []
  const tsNodes: TsNode[] = []

  beforeAll(() => {
    binary = builtGoBinary(inject('interopGo'))
  })

  afterEach(async () => {
    await Promise.allSettled([
      ...goNodes.splice(0).map((n) => n.stop()),
      ...tsNodes.splice(0).map((n) => n.stop()),
    ])
  })

  const ts = async (init: Parameters<typeof startTsNode>[0]): Promise<TsNode> => {
    const node = await startTsNode(init)
    tsNodes.push(node)
    return node
  }
  const go = async (init: Omit<Parameters<typeof startGoNode>[0], 'binary'>): Promise<GoNode> => {
    const node = await startGoNode({ binary, ...init })
    goNodes.push(node)
    return node
  }
  const isConnected = (peer: string, transport?: Transport) => (l: GoLine) =>
    l.type === 'peer' &&
    l.event === 'connected' &&
    l.peer === peer &&
    (transport === undefined || l.transport === transport)

  describe.each(TRANSPORTS)('over %s', (transport) => {
    test('TS → Go: a TS event reaches the Go subscriber with all fields equal', async () => {
      const db = `interop-${transport}-a`
      const [tw, gw] = generateWallets(2)
      const authorized = [tw!.wallet, gw!.wallet]
      const tsNode = await ts({ wallet: tw!, db, authorized, transports: [transport] })
      const goNode = await go({
        secretKey: gw!.secretKeyBase58,
        db,
        authorized,
        bootstrap: [tsNode.addr(transport)],
        subscribe: ['rooms'],
        args: only(transport),
      })
      await goNode.waitForLine(isConnected(tsNode.peerId, transport), {
        message: `Go connected to TS over ${transport}`,
      })
      await waitFor(() => tsNode.topicPeers('rooms').includes(goNode.peerId), {
        message: 'the TS node to see the Go node subscribed to <db>_rooms',
      })
      // GossipSub drops an RPC to a peer it has no outbound stream to yet. The Go node seeing our
      // subscription proves that stream is open (a subscription travels on it).
      tsNode.subscribe('rooms')
      await goNode.waitForLine(
        (l) => l.type === 'topic-peer' && l.peer === tsNode.peerId && l.joined === true,
        {
          message: 'the Go node to see the TS node subscribed to <db>_rooms',
        },
      )

      const sent = await tsNode.publish('rooms', message)
      const line = await goNode.waitForLine(
        (l) => l.type === 'event' && (l.event as WireEvent).id === sent.id,
        {
          message: 'the Go node to print the event',
        },
      )
      expect(line.event).toEqual(sent)
      expect(line).toMatchObject({ topic: 'rooms', gossipsubTopic: `${db}_rooms`, from: tsNode.peerId })
    })

    test('Go → TS: a Go event reaches the TS subscriber with all fields equal', async () => {
      const db = `interop-${transport}-b`
      const [tw, gw] = generateWallets(2)
      const authorized = [tw!.wallet, gw!.wallet]
      const tsNode = await ts({ wallet: tw!, db, authorized, transports: [transport] })
      tsNode.subscribe('rooms')
      const goNode = await go({
        secretKey: gw!.secretKeyBase58,
        db,
        authorized,
        bootstrap: [tsNode.addr(transport)],
        args: only(transport),
      })
      await goNode.waitForLine(isConnected(tsNode.peerId, transport), {
        message: `Go connected to TS over ${transport}`,
      })
      goNode.send('topic-peers rooms') // joins the topic, so its peer events are printed
      await goNode.waitForLine(
        (l) => l.type === 'topic-peer' && l.peer === tsNode.peerId && l.joined === true,
        {
          message: 'the Go node to see the TS node subscribed to <db>_rooms',
        },
      )

      goNode.send(`publish rooms ${JSON.stringify(message)}`)
      const published = await goNode.waitForLine((l) => l.type === 'published', { message: 'the Go publish' })
      const sent = published.event as WireEvent
      const got = await waitFor(() => tsNode.received.find((r) => r.event.id === sent.id), {
        message: 'the TS node to receive the Go event',
      })
      expect(got.event).toEqual(sent)
      expect(got.event).toMatchObject({ from_peer: goNode.peerId, message })
      expect(Object.keys(got.event).sort()).toEqual(['from_peer', 'id', 'message', 'timestamp'])
      expect(got.event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      // Unix seconds (an integer near now), not milliseconds.
      expect(Number.isInteger(got.event.timestamp)).toBe(true)
      expect(Math.abs(got.event.timestamp - Date.now() / 1000)).toBeLessThan(600)
      expect(got).toMatchObject({ topic: 'rooms', from: goNode.peerId })
    })

    test('a Go node with an unregistered wallet is refused by the TS node', async () => {
      const db = `interop-${transport}-c`
      const [tw, gw] = generateWallets(2)
      // The TS registry lacks the Go wallet; the Go node itself would admit the TS node.
      const tsNode = await ts({ wallet: tw!, db, authorized: [tw!.wallet], transports: [transport] })
      const goNode = await go({
        secretKey: gw!.secretKeyBase58,
        db,
        authorized: [tw!.wallet, gw!.wallet],
        bootstrap: [tsNode.addr(transport)],
        args: only(transport),
      })
      await waitFor(() => tsNode.denied.some((d) => d.peerId === goNode.peerId), {
        message: 'the TS gater to deny the Go node',
      })
      await goNode.waitForLine((l) => l.type === 'bootstrap' && l.peer === tsNode.peerId, {
        message: "the Go node's bootstrap attempt to finish",
      })
      // Whatever the transport let the dialer see for a moment, no connection remains on either side.
      await waitFor(
        () => tsNode.libp2p.getConnections().every((c) => c.remotePeer.toString() !== goNode.peerId),
        {
          message: 'no TS connection to the Go node',
        },
      )
      goNode.send('peers')
      const peers = await goNode.waitForLine((l) => l.type === 'peers', { message: 'the Go peer list' })
      expect(peers.peers).not.toContain(tsNode.peerId)
    })

    test('a TS node with an unregistered wallet is refused by the Go node', async () => {
      const db = `interop-${transport}-d`
      const [tw, gw] = generateWallets(2)
      // The Go list lacks the TS wallet; the TS node itself would admit the Go node.
      const goNode = await go({
        secretKey: gw!.secretKeyBase58,
        db,
        authorized: [gw!.wallet],
        args: only(transport),
      })
      const tsNode = await ts({
        wallet: tw!,
        db,
        authorized: [tw!.wallet, gw!.wallet],
        transports: [transport],
      })

      const dial = await tsNode.libp2p
        .dial(multiaddrOf(goNode.addr(transport)), { signal: AbortSignal.timeout(10_000) })
        .then(
          (c) => c,
          (err: unknown) => err as Error,
        )
      const denied = await goNode.waitForLine((l) => l.type === 'denied' && l.peer === tsNode.peerId, {
        message: 'the Go gater to deny the TS node',
      })
      expect(denied).toMatchObject({ hook: 'secured-inbound', wallet: tw!.wallet })
      if (!(dial instanceof Error)) {
        // QUIC may complete the client handshake before the server's verdict: it must not last.
        await waitFor(() => dial.status !== 'open', { message: 'the refused connection to close' })
      }
      await waitFor(
        () => tsNode.libp2p.getConnections().every((c) => c.remotePeer.toString() !== goNode.peerId),
        {
          message: 'no TS connection to the Go node',
        },
      )
      expect(goNode.lines.some(isConnected(tsNode.peerId))).toBe(false)
    })
  })

  test.each(['ts', 'go'] as const)(
    'a TS node and a Go node that share only a %s bootstrap node find each other through rendezvous and connect directly',
    async (bootstrapKind) => {
      const db = `interop-rdv-${bootstrapKind}`
      const namespace = `p2p-database-discovery_${db}`
      const [bw, tw, gw] = generateWallets(3)
      const authorized = [bw!.wallet, tw!.wallet, gw!.wallet]

      let bootstrapAddr: string
      if (bootstrapKind === 'ts') {
        bootstrapAddr = (await ts({ wallet: bw!, db, authorized })).addr('quic')
      } else {
        bootstrapAddr = (
          await go({ secretKey: bw!.secretKeyBase58, db, authorized, args: ['--rendezvous=false'] })
        ).addr('quic')
      }
      const goNode = await go({ secretKey: gw!.secretKeyBase58, db, authorized, bootstrap: [bootstrapAddr] })
      const tsNode = await ts({ wallet: tw!, db, authorized })
      await tsNode.libp2p.dial(multiaddrOf(bootstrapAddr), { signal: AbortSignal.timeout(10_000) })
      const cid = await rendezvousCid(namespace)

      // TS advertises (provide) until the Go node's FindPeers on the namespace returns it.
      await waitFor(
        async () => {
          await tsNode.libp2p.contentRouting
            .provide(cid, { signal: AbortSignal.timeout(5_000) })
            .catch(() => {})
          return goNode.lines.some((l) => l.type === 'discovered' && l.peer === tsNode.peerId)
        },
        { timeoutMs: 20_000, intervalMs: 250, message: 'the Go node to find the TS node at the rendezvous' },
      )
      // TS finds the Go node's advertisement and connects to the addresses found there.
      const found = await waitFor(
        async () => {
          for await (const p of tsNode.libp2p.contentRouting.findProviders(cid, {
            signal: AbortSignal.timeout(3_000),
          })) {
            if (p.id.toString() === goNode.peerId && p.multiaddrs.length > 0) return p
          }
          return undefined
        },
        { timeoutMs: 20_000, intervalMs: 250, message: 'the TS node to find the Go node at the rendezvous' },
      )
      await tsNode.libp2p.peerStore.merge(found.id, { multiaddrs: found.multiaddrs })
      await tsNode.libp2p.dial(found.id, { signal: AbortSignal.timeout(10_000) })

      // A direct connection (no relay) between the two, seen from both sides.
      const direct = await waitFor(
        () =>
          tsNode.libp2p
            .getConnections(found.id)
            .find((c) => !c.remoteAddr.toString().includes('/p2p-circuit') && c.status === 'open'),
        { message: 'a direct TS → Go connection' },
      )
      expect(direct.remoteAddr.toString()).toMatch(/^\/ip4\/127\.0\.0\.1\//)
      const goSide = await goNode.waitForLine(isConnected(tsNode.peerId), {
        message: 'the Go node connected to TS',
      })
      expect(['quic', 'tcp']).toContain(goSide.transport)
      // The Go node advertised successfully through the bootstrap's DHT.
      expect(
        goNode.lines.some((l) => l.type === 'advertise' && l.ok === true && l.namespace === namespace),
      ).toBe(true)
    },
  )
})
