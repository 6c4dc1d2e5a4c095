import { createRegistryGater } from '@depin/gater'
import { createInMemoryRegistry, waitFor } from '@depin/test-utils'
import { CID } from 'multiformats/cid'
import { afterEach, describe, expect, it } from 'vitest'
import { rendezvousCid, rendezvousNamespace } from '../src/index.js'
import { bootstrapEntryOf, createTestNetwork, type TestNode } from './helpers.js'

const net = createTestNetwork()
afterEach(() => net.stopAll())

describe('rendezvous key', () => {
  it('is CIDv1 raw of the SHA-256 of the namespace, as go-libp2p nsToCid', async () => {
    expect(rendezvousNamespace('my-depin')).toBe('p2p-database-discovery_my-depin')
    const cid = await rendezvousCid('p2p-database-discovery_my-depin')
    expect(cid.version).toBe(1)
    expect(cid.code).toBe(0x55)
    expect(cid.multihash.code).toBe(0x12)
    // Independent check: SHA-256 of the namespace, wrapped by hand.
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode('p2p-database-discovery_my-depin')),
    )
    expect(CID.parse(cid.toString()).multihash.digest).toEqual(digest)
  })
})

describe('rendezvous discovery', () => {
  it('five nodes that know only the bootstrap node find and connect to each other directly', {
    timeout: 60_000,
  }, async () => {
    const boot = await net.start({ name: 'boot' })
    const bootstrap = [bootstrapEntryOf(boot.node)]
    const nodes: TestNode[] = []
    for (let i = 0; i < 5; i++) nodes.push(await net.start({ name: `rdv${i}`, bootstrap }))

    const directlyConnected = (a: TestNode, b: TestNode): boolean =>
      a.node.libp2p
        .getConnections(b.node.peerId)
        .some((conn) => conn.status === 'open' && !conn.remoteAddr.toString().includes('/p2p-circuit'))

    await waitFor(() => nodes.every((a) => nodes.every((b) => a === b || directlyConnected(a, b))), {
      timeoutMs: 30_000,
      message: 'every pair of the five nodes directly connected',
    })
    for (const { node } of nodes) {
      expect(node.metrics()).toMatchObject({ ready: true, dhtMode: 'server' })
    }
    await waitFor(() => nodes.every(({ node }) => node.metrics().dhtPeersFound > 0), {
      timeoutMs: 10_000,
      message: 'every node found peers through the DHT',
    })
  })

  it('each database advertises only its own namespace', async () => {
    const boot = await net.start({ name: 'boot2' })
    const bootstrap = [bootstrapEntryOf(boot.node)]
    const a = await net.start({ name: 'db-a', bootstrap, database: 'alpha' })
    const b = await net.start({ name: 'db-b', bootstrap, database: 'beta' })
    await waitFor(() => a.node.isReady() && b.node.isReady(), { message: 'both ready' })
    // Same registry here, so the gater would admit them; what we check is that each advertises
    // only its own namespace: a lookup for alpha never returns b.
    const cid = await rendezvousCid(rendezvousNamespace('alpha'))
    await waitFor(
      async () => {
        const found: string[] = []
        for await (const event of boot.node.libp2p.services.dht.findProviders(cid, {
          signal: AbortSignal.timeout(5_000),
        })) {
          if (event.name === 'PROVIDER') found.push(...event.providers.map((p) => p.id.toString()))
        }
        return found.includes(a.node.peerId.toString()) && !found.includes(b.node.peerId.toString())
      },
      { timeoutMs: 10_000, message: 'alpha advertised by a only' },
    )
  })
})

describe('rendezvous target', () => {
  it('skips lookups while targetPeers are connected and looks again when a peer leaves', {
    timeout: 60_000,
  }, async () => {
    const rendezvous = { findIntervalMs: 300, advertiseIntervalMs: 5_000, targetPeers: 2 }
    const boot = await net.start({ name: 'tgt-boot', init: { rendezvous } })
    const bootstrap = [bootstrapEntryOf(boot.node)]
    const a = await net.start({ name: 'tgt-a', bootstrap, init: { rendezvous } })
    const b = await net.start({ name: 'tgt-b', bootstrap, init: { rendezvous } })
    await waitFor(() => a.node.libp2p.getConnections(b.node.peerId).length > 0, {
      timeoutMs: 20_000,
      message: 'a connected to b (found through rendezvous)',
    })
    // Two peers (boot and b): every tick from now on is skipped, none runs a lookup.
    const skipsAt = a.node.metrics().rendezvousSkips
    await waitFor(() => a.node.metrics().rendezvousSkips >= skipsAt + 3, {
      timeoutMs: 10_000,
      message: 'a skipped three lookups',
    })
    const findsWhileEnough = a.node.metrics().rendezvousFinds
    const skipsBefore = a.node.metrics().rendezvousSkips
    await waitFor(() => a.node.metrics().rendezvousSkips >= skipsBefore + 3, {
      timeoutMs: 10_000,
      message: 'a skipped three more lookups',
    })
    expect(a.node.metrics().rendezvousFinds).toBe(findsWhileEnough)

    await net.stop(b)
    await waitFor(() => a.node.metrics().rendezvousFinds > findsWhileEnough, {
      timeoutMs: 10_000,
      message: 'a looked for peers again after b left',
    })
    const c = await net.start({ name: 'tgt-c', bootstrap, init: { rendezvous } })
    await waitFor(() => a.node.libp2p.getConnections(c.node.peerId).length > 0, {
      timeoutMs: 20_000,
      message: 'a connected to the newcomer c',
    })
  })

  it('a small network backs off its lookups (real nodes)', {
    timeout: 60_000,
  }, async () => {
    // A network smaller than targetPeers: without the backoff every node looks every 200 ms forever.
    const rendezvous = {
      findIntervalMs: 200,
      maxFindIntervalMs: 1_600,
      advertiseIntervalMs: 5_000,
      targetPeers: 12,
    }
    const boot = await net.start({ name: 'bo-boot', init: { rendezvous } })
    const bootstrap = [bootstrapEntryOf(boot.node)]
    const a = await net.start({ name: 'bo-a', bootstrap, init: { rendezvous } })
    const b = await net.start({ name: 'bo-b', bootstrap, init: { rendezvous } })
    await waitFor(() => a.node.libp2p.getConnections(b.node.peerId).length > 0, {
      timeoutMs: 20_000,
      message: 'a connected to b',
    })
    // When each of a's next lookups starts (the counter polled every 20 ms).
    const lookupTimes = async (count: number, timeoutMs: number): Promise<number[]> => {
      const times: number[] = []
      let seen = a.node.metrics().rendezvousFinds
      await waitFor(
        () => {
          const finds = a.node.metrics().rendezvousFinds
          if (finds !== seen) times.push(Date.now())
          seen = finds
          return times.length >= count
        },
        { timeoutMs, message: `${count} lookups of a` },
      )
      return times
    }
    const gaps = (times: number[]): number[] => times.slice(1).map((t, i) => t - (times[i] as number))
    const settled = gaps(await lookupTimes(6, 20_000))
    // 200, 400, 800, 1600, 1600 ms give or take a step, from wherever a's backoff stood when it met b
    // (b may find a, so a's own lookups may already have doubled a few times): the gaps do not
    // shrink, and the last is far above the 200 ms a node without the backoff would keep.
    expect(settled.at(-1)).toBeGreaterThanOrEqual(1_200)
    expect(settled.at(-1)).toBeGreaterThanOrEqual(0.8 * Math.max(...settled))
    expect(settled.at(-1)).toBeGreaterThanOrEqual(6 * rendezvous.findIntervalMs)
  })

  it("counts only the database's own peers: another database's peers do not stop its lookups", {
    timeout: 60_000,
  }, async () => {
    const rendezvous = { findIntervalMs: 300, advertiseIntervalMs: 5_000, targetPeers: 1 }
    const q = await net.start({ name: 'multi-q', init: { rendezvous } })
    const x = await net.start({
      name: 'multi-x',
      database: false,
      bootstrap: [bootstrapEntryOf(q.node)],
      init: { rendezvous },
    })
    // alpha's registry lists only x itself: q is a peer of beta (the shared test registry) alone.
    const alphaGater = createRegistryGater({
      getAuthorizedWallets: createInMemoryRegistry([x.identity.wallet]).getAuthorizedWallets,
    })
    await alphaGater.start()
    try {
      await x.node.joinDatabase('beta', x.gater)
      await x.node.joinDatabase('alpha', alphaGater)
      await waitFor(() => x.node.libp2p.getConnections(q.node.peerId).length > 0, {
        timeoutMs: 20_000,
        message: 'x connected to q',
      })
      // beta has its one peer and skips; alpha has none and keeps looking.
      const before = x.node.metrics()
      await waitFor(
        () =>
          x.node.metrics().rendezvousSkips >= before.rendezvousSkips + 3 &&
          x.node.metrics().rendezvousFinds >= before.rendezvousFinds + 3,
        { timeoutMs: 15_000, message: 'beta skipped three lookups while alpha ran three' },
      )
    } finally {
      await alphaGater.stop()
    }
  })
})
