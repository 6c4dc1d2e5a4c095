import type { WalletIdentity } from '@depin/identity'
import {
  createInMemoryRegistry,
  createTestLibp2p,
  generateWallet,
  waitFor,
  waitForEvent,
} from '@depin/test-utils'
import type { Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { createGaterGroup, createRegistryGater, type RegistryGater } from '../src/index.js'
import { createRecordingLogger, secp256k1PeerId } from './helpers.js'

const nodes: Libp2p[] = []
const gaters: RegistryGater[] = []
afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.stop()))
  await Promise.allSettled(gaters.splice(0).map((g) => g.stop()))
})

async function started(
  wallets: string[],
): Promise<{ gater: RegistryGater; registry: ReturnType<typeof createInMemoryRegistry> }> {
  const registry = createInMemoryRegistry(wallets)
  // A long interval: these tests refresh by hand.
  const gater = createRegistryGater({
    getAuthorizedWallets: registry.getAuthorizedWallets,
    refreshIntervalMs: 600_000,
  })
  gaters.push(gater)
  await gater.start()
  return { gater, registry }
}

/**
 * A node gated by `group` (attached to it) and a peer connected to it over `transport`; both are
 * stopped after the test.
 */
async function connectedPair(
  group: ReturnType<typeof createGaterGroup>,
  host: WalletIdentity,
  peer: WalletIdentity,
  transport: 'tcp' | 'quic',
): Promise<{ node: Libp2p; other: Libp2p; detach: () => void }> {
  const node = await createTestLibp2p({
    privateKey: host.privateKey,
    connectionGater: group.connectionGater,
    transports: [transport],
  })
  nodes.push(node)
  const detach = group.attach(node)
  const other = await createTestLibp2p({ privateKey: peer.privateKey, transports: [transport] })
  nodes.push(other)
  await other.dial(node.getMultiaddrs()[0] as Multiaddr, { signal: AbortSignal.timeout(5000) })
  await waitFor(() => node.getConnections(peer.peerId).length > 0, {
    timeoutMs: 5000,
    message: 'the connection',
  })
  return { node, other, detach }
}

describe('decisions', () => {
  test('an empty group denies every peer', async () => {
    const group = createGaterGroup()
    const peer = generateWallet().identity.peerId
    expect(await group.isAuthorized(peer)).toBe(false)
    expect(await group.connectionGater.denyDialPeer?.(peer)).toBe(true)
    expect(group.metrics().denied['dial-peer']['not-in-registry']).toBe(1)
  })

  test('admits a peer if any member admits it; delete() removes a member', async () => {
    const a = generateWallet().identity
    const b = generateWallet().identity
    const stranger = generateWallet().identity
    const one = await started([a.wallet])
    const two = await started([b.wallet])
    const group = createGaterGroup()
    group.add(one.gater)
    group.add(two.gater)
    group.add(two.gater) // idempotent
    expect(group.size).toBe(2)
    expect(await group.isAuthorized(a.peerId)).toBe(true)
    expect(await group.isAuthorized(b.peerId)).toBe(true)
    expect(group.isAuthorizedCached(b.peerId)).toBe(true)
    expect(await group.connectionGater.denyInboundEncryptedConnection?.(a.peerId, undefined as never)).toBe(
      false,
    )
    expect(
      await group.connectionGater.denyInboundEncryptedConnection?.(stranger.peerId, undefined as never),
    ).toBe(true)
    expect(await group.decide(await secp256k1PeerId())).toEqual({
      allowed: false,
      reason: 'invalid-key-type',
    })
    group.delete(two.gater)
    expect(group.size).toBe(1)
    expect(await group.isAuthorized(b.peerId)).toBe(false)
    const m = group.metrics()
    expect(m.allowed['inbound-encrypted']).toBe(1)
    expect(m.denied['inbound-encrypted']['not-in-registry']).toBe(1)
  })

  test('a member with a failing registry makes the denial reason registry-unavailable', async () => {
    const one = await started([])
    const two = await started([])
    two.registry.throw()
    await two.gater.refresh().catch(() => {})
    const group = createGaterGroup()
    group.add(one.gater)
    group.add(two.gater)
    expect(await group.decide(generateWallet().identity.peerId)).toEqual({
      allowed: false,
      reason: 'registry-unavailable',
    })
  })
})

test('attach: revocation by one member keeps a peer another member admits; revocation by both closes it', async () => {
  const host = generateWallet().identity
  const peer = generateWallet().identity
  const dbA = await started([host.wallet, peer.wallet])
  const dbB = await started([host.wallet, peer.wallet])
  const logger = createRecordingLogger()
  const group = createGaterGroup({ logger })
  group.add(dbA.gater)
  group.add(dbB.gater)
  const { node, detach } = await connectedPair(group, host, peer, 'tcp')

  dbA.registry.remove(peer.wallet)
  const revokedByA = waitForEvent(dbA.gater, 'wallet:revoked', { timeoutMs: 2000 })
  await dbA.gater.refresh()
  await revokedByA
  // The sweep after a refresh is synchronous: had it closed the connection, it would be closing now.
  expect(node.getConnections(peer.peerId).map((c) => c.status)).toEqual(['open'])
  expect(group.metrics().connectionsClosed).toBe(0)
  expect(await group.isAuthorized(peer.peerId)).toBe(true)

  dbB.registry.remove(peer.wallet)
  await dbB.gater.refresh()
  await waitFor(() => node.getConnections(peer.peerId).length === 0, {
    timeoutMs: 5000,
    message: 'the peer to be disconnected',
  })
  expect(group.metrics().connectionsClosed).toBe(1)
  // A revocation is what an operator must see: logged at info, naming the peer.
  const line = logger.lines.find((l) => l.msg === 'closing connection of a peer no longer in the registry')
  expect(line?.level).toBe('info')
  expect(line?.keyValues).toEqual(['peer', peer.peerId.toString()])
  detach()
})

test('attach: deleting the only member that admits a peer closes its connection', async () => {
  const host = generateWallet().identity
  const peer = generateWallet().identity
  const dbA = await started([host.wallet, peer.wallet])
  const dbB = await started([host.wallet])
  const logger = createRecordingLogger()
  const group = createGaterGroup({ logger })
  group.add(dbA.gater)
  group.add(dbB.gater)
  const { node } = await connectedPair(group, host, peer, 'quic')
  group.delete(dbA.gater)
  await waitFor(() => node.getConnections(peer.peerId).length === 0, {
    timeoutMs: 5000,
    message: 'the peer to be disconnected',
  })
  // Not a revocation: the database left (as every database does when a node stops).
  expect(logger.lines.map((l) => `${l.level} ${l.msg}`)).toContain(
    'debug closing connection of a peer no remaining database admits',
  )
  expect(logger.lines.some((l) => l.msg.includes('no longer in the registry'))).toBe(false)
})

describe('suspend', () => {
  test('refuses an admitted peer at every hook with reason suspended, until the suspension ends', async () => {
    const peer = generateWallet().identity
    const other = generateWallet().identity
    const db = await started([peer.wallet, other.wallet])
    const group = createGaterGroup()
    group.add(db.gater)
    const denied: string[] = []
    group.addEventListener('peer:denied', (e) => denied.push(`${e.detail.hook} ${e.detail.reason}`))

    expect(group.suspend(peer.peerId, 150)).toBe(true)
    expect(group.isSuspended(peer.peerId)).toBe(true)
    expect(group.isSuspended(other.peerId)).toBe(false)
    expect(group.isAuthorizedCached(peer.peerId)).toBe(false)
    expect(await group.decide(peer.peerId)).toEqual({ allowed: false, reason: 'suspended' })
    expect(await group.connectionGater.denyDialPeer?.(peer.peerId)).toBe(true)
    expect(
      await group.connectionGater.denyInboundEncryptedConnection?.(peer.peerId, undefined as never),
    ).toBe(true)
    // Another admitted peer is not affected.
    expect(await group.connectionGater.denyDialPeer?.(other.peerId)).toBe(false)
    expect(denied).toEqual(['dial-peer suspended', 'inbound-encrypted suspended'])
    expect(group.metrics()).toMatchObject({ suspendedPeers: 1, suspensions: 1 })
    expect(group.metrics().denied['dial-peer'].suspended).toBe(1)

    await waitFor(() => !group.isSuspended(peer.peerId), {
      timeoutMs: 2000,
      message: 'the end of the suspension',
    })
    expect(await group.connectionGater.denyDialPeer?.(peer.peerId)).toBe(false)
    expect(group.metrics().suspendedPeers).toBe(0)
  })

  test('a longer suspension extends a running one; a shorter one does not shorten it', () => {
    const peer = generateWallet().identity
    const group = createGaterGroup()
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      expect(group.suspend(peer.peerId, 60_000)).toBe(true)
      expect(group.suspend(peer.peerId, 1)).toBe(true)
      vi.setSystemTime(Date.now() + 1_000)
      expect(group.isSuspended(peer.peerId)).toBe(true)
      vi.setSystemTime(Date.now() + 60_000)
      expect(group.isSuspended(peer.peerId)).toBe(false)
    } finally {
      vi.useRealTimers()
    }
    expect(group.suspend(peer.peerId, 60_000)).toBe(true)
    expect(group.metrics().suspensions).toBe(2)
    expect(group.suspend(peer.peerId, 120_000)).toBe(true)
    expect(group.metrics().suspensions).toBe(3)
    expect(group.suspend(peer.peerId, 0)).toBe(false)
  })

  test('a PeerId without a wallet cannot be suspended (it is never admitted anyway)', async () => {
    const group = createGaterGroup()
    expect(group.suspend(await secp256k1PeerId(), 60_000)).toBe(false)
    expect(group.metrics().suspendedPeers).toBe(0)
  })

  test('holds at most maxSuspendedPeers: the suspension that ends soonest gives way', () => {
    const group = createGaterGroup({ maxSuspendedPeers: 3 })
    const peers = Array.from({ length: 4 }, () => generateWallet().identity.peerId)
    group.suspend(peers[0]!, 10_000)
    group.suspend(peers[1]!, 60_000)
    group.suspend(peers[2]!, 60_000)
    group.suspend(peers[3]!, 60_000)
    expect(peers.map((p) => group.isSuspended(p))).toEqual([false, true, true, true])
    expect(group.metrics().suspendedPeers).toBe(3)
    expect(() => createGaterGroup({ maxSuspendedPeers: -1 })).toThrow(/maxSuspendedPeers/)
  })

  test('closes the suspended peer’s open connections on attached nodes and refuses its redial', async () => {
    const host = generateWallet().identity
    const peer = generateWallet().identity
    const db = await started([host.wallet, peer.wallet])
    const logger = createRecordingLogger()
    const group = createGaterGroup({ logger })
    group.add(db.gater)
    const { node, other } = await connectedPair(group, host, peer, 'tcp')

    group.suspend(peer.peerId, 60_000)
    await waitFor(() => node.getConnections(peer.peerId).length === 0, {
      timeoutMs: 5000,
      message: 'the suspended peer to be disconnected',
    })
    expect(group.metrics().connectionsClosed).toBe(1)
    expect(logger.lines.find((l) => l.msg === 'closing connection of a suspended peer')?.level).toBe('info')

    const denied = waitForEvent(group, 'peer:denied', { timeoutMs: 5000 })
    await other
      .dial(node.getMultiaddrs()[0] as Multiaddr, { signal: AbortSignal.timeout(5000) })
      .catch(() => {})
    expect(((await denied) as CustomEvent<{ reason: string }>).detail.reason).toBe('suspended')
    await waitFor(() => node.getConnections(peer.peerId).length === 0, {
      timeoutMs: 5000,
      message: 'no connection',
    })
  })
})
