import { type BootstrapNode, connect, type Database, type PubSubEvent } from '@depin/pubsub'
import { type GeneratedWallet, generateWallets, waitFor } from '@depin/test-utils'
import { afterEach, beforeAll, describe, expect, inject, test } from 'vitest'
import { bootstrapNodeFromAddrs } from './helpers/bootstrap-node.js'
import { builtGoBinary, GO_SKIP_REASON } from './helpers/go-binary.js'
import { type GoLine, type GoNode, startGoNode } from './helpers/go-node.js'
import type { WireEvent } from './helpers/ts-node.js'

// The same scenarios as wire.test.ts, through the facade users get: connect() from @depin/pubsub.

const suite =
  GO_SKIP_REASON === undefined
    ? 'Go interop: connect() facade'
    : `Go interop: connect() facade (skipped: ${GO_SKIP_REASON})`

const TRANSPORTS = ['quic', 'tcp'] as const
type Transport = (typeof TRANSPORTS)[number]
const only = (t: Transport): string[] => (t === 'quic' ? ['--tcp=false'] : ['--quic=false'])
const message = { hello: 'facade', n: [1, 2.5, -3], nested: { ok: true, none: null }, text: 'ü ✓ "quoted"' }

/** The Go implementation's BootstrapNode of a Go node, from its start line. */
const bootstrapNodeOf = (node: GoNode): BootstrapNode => bootstrapNodeFromAddrs(node.addrs, node.wallet)

describe.skipIf(GO_SKIP_REASON !== undefined)(suite, () => {
  let binary = ''
  const goNodes: GoNode[] = []
  const dbs: Database[] = []

  beforeAll(() => {
    binary = builtGoBinary(inject('interopGo'))
  })

  afterEach(async () => {
    await Promise.allSettled([
      ...goNodes.splice(0).map((n) => n.stop()),
      ...dbs.splice(0).map((d) => d.disconnect()),
    ])
  })

  const go = async (init: Omit<Parameters<typeof startGoNode>[0], 'binary'>): Promise<GoNode> => {
    const node = await startGoNode({ binary, ...init })
    goNodes.push(node)
    return node
  }
  const open = async (
    wallet: GeneratedWallet,
    databaseName: string,
    authorized: string[],
    bootstrap: BootstrapNode[] = [],
  ): Promise<Database> => {
    const db = await connect({
      walletPrivateKey: wallet.secretKeyBase58,
      databaseName,
      getAuthorizedWallets: async () => authorized,
      getBootstrapNodes: async () => bootstrap,
      listenPorts: { quic: 0, tcp: 0 },
      listenHost: '127.0.0.1',
      refreshIntervalMs: 60_000,
    })
    dbs.push(db)
    return db
  }
  const addrOf = (db: Database, t: Transport): string => {
    const found = db.multiaddrs().find((a) => (t === 'quic' ? a.includes('/quic-v1/') : a.includes('/tcp/')))
    if (found === undefined)
      throw new Error(`connect() listens on no ${t} address: ${db.multiaddrs().join(' ')}`)
    return found
  }
  const isConnected = (peer: string, transport?: Transport) => (l: GoLine) =>
    l.type === 'peer' &&
    l.event === 'connected' &&
    l.peer === peer &&
    (transport === undefined || l.transport === transport)
  const goPeers = async (node: GoNode): Promise<string[]> => {
    const before = node.lines.length
    node.send('peers')
    const line = await node.waitForLine((l) => l.type === 'peers' && node.lines.indexOf(l) >= before, {
      message: 'the Go peer list',
    })
    return line.peers as string[]
  }

  describe.each(TRANSPORTS)('over %s', (transport) => {
    test('connect() → Go: db.publish reaches the Go subscriber with all fields equal', async () => {
      const name = `facade-${transport}-a`
      const [tw, gw] = generateWallets(2)
      const authorized = [tw!.wallet, gw!.wallet]
      const db = await open(tw!, name, authorized)
      const goNode = await go({
        secretKey: gw!.secretKeyBase58,
        db: name,
        authorized,
        bootstrap: [addrOf(db, transport)],
        subscribe: ['rooms'],
        args: only(transport),
      })
      await goNode.waitForLine(isConnected(db.peerId, transport), {
        message: `Go connected over ${transport}`,
      })
      await db.waitForTopicPeers('rooms', { timeoutMs: 10_000 })

      // Until the Go node's subscription has reached the TS node, publish may have nobody to send to.
      const sent = await waitFor(
        async () => {
          const event = await db.publish('rooms', message).catch(() => undefined)
          if (event === undefined) return undefined
          const line = await goNode
            .waitForLine((l) => l.type === 'event' && (l.event as WireEvent).id === event.id, {
              timeoutMs: 1_000,
            })
            .catch(() => undefined)
          return line === undefined ? undefined : { event, line }
        },
        { timeoutMs: 15_000, message: 'an event from connect() to reach the Go node' },
      )
      const wire: WireEvent = {
        id: sent.event.id,
        from_peer: sent.event.fromPeerId,
        message: sent.event.message,
        timestamp: sent.event.timestamp,
      }
      expect(sent.line.event).toEqual(wire)
      expect(sent.event).toMatchObject({ fromPeerId: db.peerId, message })
      expect(sent.line).toMatchObject({ gossipsubTopic: `${name}_rooms`, from: db.peerId })
    })

    test('Go → connect(): the handler gets the Go event with all fields equal', async () => {
      const name = `facade-${transport}-b`
      const [tw, gw] = generateWallets(2)
      const authorized = [tw!.wallet, gw!.wallet]
      const db = await open(tw!, name, authorized)
      const received: PubSubEvent[] = []
      await db.subscribe('rooms', (event) => {
        received.push(event)
      })
      const goNode = await go({
        secretKey: gw!.secretKeyBase58,
        db: name,
        authorized,
        bootstrap: [addrOf(db, transport)],
        args: only(transport),
      })
      await goNode.waitForLine(isConnected(db.peerId, transport), {
        message: `Go connected over ${transport}`,
      })
      goNode.send('topic-peers rooms')
      await goNode.waitForLine((l) => l.type === 'topic-peer' && l.peer === db.peerId && l.joined === true, {
        message: 'the Go node to see connect() subscribed to <db>_rooms',
      })
      goNode.send(`publish rooms ${JSON.stringify(message)}`)
      const published = await goNode.waitForLine((l) => l.type === 'published', { message: 'the Go publish' })
      const wire = published.event as WireEvent
      const got = await waitFor(() => received.find((e) => e.id === wire.id), {
        message: 'the connect() handler to get the Go event',
      })
      expect(got).toEqual({
        id: wire.id,
        fromPeerId: wire.from_peer,
        message: wire.message,
        timestamp: wire.timestamp,
      })
      expect(got).toMatchObject({ fromPeerId: goNode.peerId, message })
    })

    test('a Go node with an unregistered wallet is refused by connect()', async () => {
      const name = `facade-${transport}-c`
      const [tw, gw] = generateWallets(2)
      const db = await open(tw!, name, [tw!.wallet])
      const goNode = await go({
        secretKey: gw!.secretKeyBase58,
        db: name,
        authorized: [tw!.wallet, gw!.wallet],
        bootstrap: [addrOf(db, transport)],
        args: only(transport),
      })
      await goNode.waitForLine((l) => l.type === 'bootstrap' && l.peer === db.peerId, {
        message: "the Go node's bootstrap attempt to finish",
      })
      await waitFor(
        async () => !(await goPeers(goNode)).includes(db.peerId) && !db.peers().includes(goNode.peerId),
        {
          intervalMs: 100,
          message: 'no connection between connect() and the refused Go node',
        },
      )
      expect(db.isReady()).toBe(false)
    })

    test('connect() with an unregistered wallet is refused by the Go node', async () => {
      const name = `facade-${transport}-d`
      const [tw, gw] = generateWallets(2)
      const goNode = await go({
        secretKey: gw!.secretKeyBase58,
        db: name,
        authorized: [gw!.wallet],
        args: only(transport),
      })
      const db = await open(tw!, name, [tw!.wallet, gw!.wallet], [bootstrapNodeOf(goNode)])
      const denied = await goNode.waitForLine((l) => l.type === 'denied' && l.peer === db.peerId, {
        timeoutMs: 15_000,
        message: 'the Go gater to deny connect()',
      })
      expect(denied).toMatchObject({ hook: 'secured-inbound', wallet: tw!.wallet })
      await waitFor(() => !db.peers().includes(goNode.peerId), { message: 'no connection to the Go node' })
      expect(goNode.lines.some(isConnected(db.peerId))).toBe(false)
    })
  })

  test.each(['go', 'ts'] as const)(
    'connect() and a Go node that share only a %s bootstrap node find each other through rendezvous and connect directly',
    async (bootstrapKind) => {
      const name = `facade-rdv-${bootstrapKind}`
      const [bw, tw, gw] = generateWallets(3)
      const authorized = [bw!.wallet, tw!.wallet, gw!.wallet]
      let bootstrapNode: BootstrapNode
      let bootstrapAddr: string
      if (bootstrapKind === 'go') {
        const b = await go({
          secretKey: bw!.secretKeyBase58,
          db: name,
          authorized,
          args: ['--rendezvous=false'],
        })
        bootstrapNode = bootstrapNodeOf(b)
        bootstrapAddr = b.addr('quic')
      } else {
        const b = await open(bw!, name, authorized)
        const quic = addrOf(b, 'quic')
        bootstrapAddr = quic
        bootstrapNode = {
          publicKey: bw!.wallet,
          ip: '127.0.0.1',
          quicPort: Number(/\/udp\/(\d+)\//.exec(quic)![1]),
          tcpPort: Number(/\/tcp\/(\d+)\//.exec(addrOf(b, 'tcp'))![1]),
        }
      }
      const goNode = await go({
        secretKey: gw!.secretKeyBase58,
        db: name,
        authorized,
        bootstrap: [bootstrapAddr],
      })
      const db = await open(tw!, name, authorized, [bootstrapNode])

      // Go finds connect()'s advertisement at p2p-database-discovery_<db> ...
      await goNode.waitForLine((l) => l.type === 'discovered' && l.peer === db.peerId, {
        timeoutMs: 25_000,
        message: "the Go node to find connect()'s node at the rendezvous",
      })
      // ... and the two are connected directly (not through a relay).
      await waitFor(() => db.peers().includes(goNode.peerId), {
        timeoutMs: 25_000,
        message: 'connect() to see the Go node',
      })
      const goSide = await goNode.waitForLine(isConnected(db.peerId), {
        message: 'the Go node connected to connect()',
      })
      expect(['quic', 'tcp']).toContain(goSide.transport)
    },
    30_000,
  )
})
