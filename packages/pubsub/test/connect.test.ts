import { generateWallet, generateWallets, waitFor, waitForEvent } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { InvalidConfigError, type PubSubEvent } from '../src/index.js'
import {
  bootstrapEntryOf,
  createDatabaseTracker,
  createInMemoryRegistry,
  fastNode,
  testConfig,
} from './fixtures/network.js'

const dbs = createDatabaseTracker()
afterEach(() => dbs.disconnectAll())

describe('connect()', () => {
  it('resolves with an empty bootstrap list, exposes identity and addresses, and disconnects twice', async () => {
    const wallet = generateWallet()
    const started = Date.now()
    const db = await dbs.connect(testConfig(wallet, 'solo', createInMemoryRegistry([wallet.wallet])))
    console.info(`connect() with no bootstrap nodes resolved in ${Date.now() - started} ms`)
    expect(db.peerId).toBe(wallet.identity.peerId.toString())
    expect(db.wallet).toBe(wallet.wallet)
    expect(db.isReady()).toBe(false)
    expect(db.peers()).toEqual([])
    const addrs = db.multiaddrs()
    expect(addrs.some((a) => new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${db.peerId}$`).test(a))).toBe(
      true,
    )
    expect(
      addrs.some((a) => new RegExp(`^/ip4/127\\.0\\.0\\.1/udp/\\d+/quic-v1/p2p/${db.peerId}$`).test(a)),
    ).toBe(true)
    const event = await db.publish('rooms', { alone: true })
    expect(event).toMatchObject({ fromPeerId: db.peerId, message: { alone: true } })
    expect(db.metrics().messaging).toMatchObject({ published: 1, publishedWithoutPeers: 1 })
    await db.disconnect()
    await db.disconnect()
    await expect(db.publish('rooms', 1)).rejects.toMatchObject({ code: 'MESSAGING_NOT_RUNNING' })
  })

  it('rejects a bad config naming each field, never echoing the secret key', async () => {
    const wallet = generateWallet()
    const secret = wallet.secretKeyBase58
    const bad = {
      ...testConfig(wallet, '', createInMemoryRegistry()),
      walletPrivateKey: `${secret}0`,
      listenPorts: { quic: -1 },
    }
    const err = await import('../src/index.js').then(({ connect }) => connect(bad).catch((e: unknown) => e))
    expect(err).toBeInstanceOf(InvalidConfigError)
    const fields = (err as InvalidConfigError).issues.map((i) => i.field)
    expect(fields).toEqual(expect.arrayContaining(['walletPrivateKey', 'databaseName', 'listenPorts.quic']))
    expect(String((err as Error).message)).not.toContain(secret.slice(0, 16))
  })

  it('refuses to open the same database twice on one wallet, leaving the first one working', async () => {
    const [a, b] = generateWallets(2)
    const registry = createInMemoryRegistry([a!.wallet, b!.wallet])
    const first = await dbs.connect(testConfig(a!, 'twice', registry))
    await expect(dbs.connect(testConfig(a!, 'twice', registry))).rejects.toMatchObject({
      code: 'DATABASE_IN_USE',
    })
    const received: unknown[] = []
    await first.subscribe('t', (event) => {
      received.push(event.message)
    })
    const other = await dbs.connect(testConfig(b!, 'twice', registry, [bootstrapEntryOf(first, a!.wallet)]))
    await other.waitForTopicPeers('t', { timeoutMs: 10_000 })
    await other.publish('t', 'still works')
    await waitFor(() => received.length === 1, { message: 'delivery to the first database' })
  })

  it('rejects when the node cannot listen, and releases what it started', async () => {
    const [a, b] = generateWallets(2)
    const registry = createInMemoryRegistry([a!.wallet, b!.wallet])
    const first = await dbs.connect(testConfig(a!, 'ports', registry))
    const taken = Number(/\/tcp\/(\d+)\//.exec(first.multiaddrs().find((m) => m.includes('/tcp/'))!)![1])
    await expect(
      dbs.connect(testConfig(b!, 'ports', registry, [], { listenPorts: { quic: 0, tcp: taken } })),
    ).rejects.toThrow()
    // Nothing was left running for b: a new connect with free ports works.
    const second = await dbs.connect(testConfig(b!, 'ports', registry))
    expect(second.peerId).toBe(b!.identity.peerId.toString())
  })

  it('becomes ready when a peer connects and reports it', async () => {
    const [a, b] = generateWallets(2)
    const registry = createInMemoryRegistry([a!.wallet, b!.wallet])
    const dbA = await dbs.connect(testConfig(a!, 'ready', registry))
    const readyA = waitForEvent(dbA, 'ready', { timeoutMs: 10_000 })
    const dbB = await dbs.connect(testConfig(b!, 'ready', registry, [bootstrapEntryOf(dbA, a!.wallet)]))
    await dbB.waitUntilReady({ signal: AbortSignal.timeout(10_000) })
    await readyA
    expect(dbA.isReady()).toBe(true)
    expect(dbB.peers()).toContain(dbA.peerId)
  })
})

describe.each([
  ['QUIC', { quic: true, tcp: false }],
  ['TCP', { quic: false, tcp: true }],
])('three nodes over %s', (_name, transports) => {
  it('an event published on one arrives at the other two with every field right', async () => {
    const wallets = generateWallets(3)
    const registry = createInMemoryRegistry(wallets.map((w) => w.wallet))
    const node = fastNode(transports)
    const first = await dbs.connect(testConfig(wallets[0]!, 'three', registry, [], { node }))
    const entry = bootstrapEntryOf(first, wallets[0]!.wallet)
    const others = await Promise.all(
      wallets.slice(1).map((w) => dbs.connect(testConfig(w, 'three', registry, [entry], { node }))),
    )
    const all = [first, ...others]
    const received = new Map(all.map((db) => [db.peerId, [] as PubSubEvent[]]))
    const subscribedAt = Date.now()
    for (const db of all) {
      await db.subscribe('rooms', (event) => {
        received.get(db.peerId)!.push(event)
      })
    }
    const publisher = others[0]!
    // Publishing before the other subscriptions have spread would lose the event for a late peer
    // (GossipSub keeps no history for a peer grafted after the fact): wait for both.
    await publisher.waitForTopicPeers('rooms', { min: 2, timeoutMs: 10_000 })
    const sent = await publisher.publish('rooms', { room: 'r1', n: 7 })
    const receivers = all.filter((db) => db !== publisher)
    await waitFor(() => receivers.every((db) => received.get(db.peerId)!.length === 1), {
      message: 'both receivers',
    }).catch((err) => {
      for (const db of all)
        console.info(
          db === publisher ? 'PUB' : 'RCV',
          db.peerId,
          received.get(db.peerId)!.length,
          db.peers(),
          JSON.stringify(db.metrics().messaging),
          JSON.stringify(db.metrics().gater.denied),
        )
      throw err
    })
    console.info(`[${_name}] subscribe to first delivery on both receivers: ${Date.now() - subscribedAt} ms`)
    for (const db of receivers) {
      expect(received.get(db.peerId)).toEqual([
        {
          id: sent.id,
          fromPeerId: publisher.peerId,
          message: { room: 'r1', n: 7 },
          timestamp: sent.timestamp,
        },
      ])
    }
    expect(sent.timestamp).toBe(Math.floor(sent.timestamp))
    expect(received.get(publisher.peerId)).toEqual([])
    const protocol = transports.quic ? '/quic-v1' : '/tcp/'
    for (const db of all) expect(db.multiaddrs().every((a) => a.includes(protocol))).toBe(true)
  })
})
