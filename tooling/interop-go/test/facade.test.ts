import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { type GeneratedWallet, generateWallets, waitFor } from '@depin/test-utils'
import { afterEach, beforeAll, describe, expect, test } from 'vitest'
import { buildGoBinary, GO_BUILD_TIMEOUT_MS, GO_SKIP_REASON } from './helpers/go-binary.js'
import { type GoLine, type GoNode, startGoNode } from './helpers/go-node.js'
import type { WireEvent } from './helpers/ts-node.js'

// The same scenarios as wire.test.ts, through the facade users get: connect() from @depin/pubsub.
// The facade is imported at run time and typed here by its contract, so this file compiles and
// skips (saying why) while @depin/pubsub is not built yet.

interface FacadeEvent {
  id: string
  fromPeerId: string
  message: unknown
  timestamp: number
}
interface FacadeBootstrapNode {
  publicKey: string
  ip: string
  quicPort: number
  tcpPort: number
}
interface FacadeDatabase {
  readonly peerId: string
  readonly wallet: string
  multiaddrs(): string[]
  peers(): string[]
  isReady(): boolean
  subscribe(topic: string, handler: (event: FacadeEvent) => void): Promise<{ unsubscribe(): unknown }>
  publish(topic: string, message: unknown): Promise<FacadeEvent>
  waitForTopicPeers?(topic: string, options?: { min?: number; timeoutMs?: number }): Promise<number>
  disconnect(): Promise<void>
}
type Connect = (config: {
  walletPrivateKey: string
  databaseName: string
  getAuthorizedWallets: (options: { signal: AbortSignal }) => Promise<string[]>
  getBootstrapNodes: (options: { signal: AbortSignal }) => Promise<FacadeBootstrapNode[]>
  listenPorts: { quic: number; tcp: number }
  listenHost: string
  refreshIntervalMs: number
}) => Promise<FacadeDatabase>

const facade = (await import('@depin/pubsub').catch(() => undefined)) as { connect?: unknown } | undefined
const connect = typeof facade?.connect === 'function' ? (facade.connect as Connect) : undefined

const SKIP_REASON =
  GO_SKIP_REASON ??
  (connect === undefined ? '@depin/pubsub not built (no connect() in packages/pubsub/dist)' : undefined)
const suite =
  SKIP_REASON === undefined
    ? 'Go interop: connect() facade'
    : `Go interop: connect() facade (skipped: ${SKIP_REASON})`

const TRANSPORTS = ['quic', 'tcp'] as const
type Transport = (typeof TRANSPORTS)[number]
const only = (t: Transport): string[] => (t === 'quic' ? ['--tcp=false'] : ['--quic=false'])
const message = { hello: 'facade', n: [1, 2.5, -3], nested: { ok: true, none: null }, text: 'ü ✓ "quoted"' }

/** A local port nobody listens on (for the transport a Go node has switched off). */
async function unusedPort(kind: 'tcp' | 'udp'): Promise<number> {
  if (kind === 'tcp') {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    await new Promise((resolve) => server.close(resolve))
    return port
  }
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(resolve))
  return port
}

/** The seed's BootstrapNode of a Go node, from its start line. */
async function bootstrapNodeOf(node: GoNode): Promise<FacadeBootstrapNode> {
  const port = (re: RegExp): number | undefined => {
    for (const a of node.addrs) {
      const m = re.exec(a)
      if (m !== null) return Number(m[1])
    }
    return undefined
  }
  return {
    publicKey: node.wallet,
    ip: '127.0.0.1',
    quicPort: port(/\/udp\/(\d+)\/quic-v1/) ?? (await unusedPort('udp')),
    tcpPort: port(/\/tcp\/(\d+)/) ?? (await unusedPort('tcp')),
  }
}

describe.skipIf(SKIP_REASON !== undefined)(suite, () => {
  let binary = ''
  const goNodes: GoNode[] = []
  const dbs: FacadeDatabase[] = []

  beforeAll(async () => {
    binary = await buildGoBinary()
  }, GO_BUILD_TIMEOUT_MS)

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
    bootstrap: FacadeBootstrapNode[] = [],
  ): Promise<FacadeDatabase> => {
    const db = await connect!({
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
  const addrOf = (db: FacadeDatabase, t: Transport): string => {
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
      if (db.waitForTopicPeers !== undefined) await db.waitForTopicPeers('rooms', { timeoutMs: 10_000 })

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
      const received: FacadeEvent[] = []
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
      const db = await open(tw!, name, [tw!.wallet, gw!.wallet], [await bootstrapNodeOf(goNode)])
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
      let bootstrapNode: FacadeBootstrapNode
      let bootstrapAddr: string
      if (bootstrapKind === 'go') {
        const b = await go({
          secretKey: bw!.secretKeyBase58,
          db: name,
          authorized,
          args: ['--rendezvous=false'],
        })
        bootstrapNode = await bootstrapNodeOf(b)
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
