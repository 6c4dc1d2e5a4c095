import { createInMemoryRegistry, createTestLibp2p, generateWallet, waitFor } from '@depin/test-utils'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, test } from 'vitest'
import { createRegistryGater, type RegistryGater } from '../src/index.js'

type Transport = 'tcp' | 'quic'
const nodes: Libp2p[] = []
const gaters: RegistryGater[] = []

afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.stop()))
  await Promise.allSettled(gaters.splice(0).map((g) => g.stop()))
})

async function startNode(options: Parameters<typeof createTestLibp2p>[0]): Promise<Libp2p> {
  const node = await createTestLibp2p(options)
  nodes.push(node)
  return node
}

function addrOf(node: Libp2p, transport: Transport, withPeerId = true): Multiaddr {
  const addr = node
    .getMultiaddrs()
    .find((a) => (transport === 'quic' ? a.toString().includes('/quic-v1') : a.toString().includes('/tcp/')))
  if (addr === undefined) throw new Error(`no ${transport} address`)
  return withPeerId ? addr : addr.decapsulateCode(421)
}

/** Dials and reports how it ended: 'connected', or the error name. Bounded: never hangs a test. */
async function tryDial(from: Libp2p, to: Multiaddr | PeerId): Promise<string> {
  try {
    await from.dial(to, { signal: AbortSignal.timeout(8000) })
    return 'connected'
  } catch (err) {
    return (err as Error).name
  }
}

/** Both sides see the connection (the dialer's dial can resolve before the listener's upgrade ends). */
async function connectedBothWays(x: Libp2p, y: Libp2p): Promise<void> {
  await waitFor(() => x.getConnections(y.peerId).length > 0 && y.getConnections(x.peerId).length > 0, {
    timeoutMs: 5000,
    message: 'a connection seen from both sides',
  })
}

async function noConnection(
  x: Libp2p,
  y: Libp2p,
  message = 'no connection left between them',
): Promise<void> {
  await waitFor(() => x.getConnections(y.peerId).length === 0 && y.getConnections(x.peerId).length === 0, {
    timeoutMs: 5000,
    message,
  })
}

describe.each(['tcp', 'quic'] as const)('over %s', (transport) => {
  test('authorized peers connect in both directions', async () => {
    const a = generateWallet().identity
    const b = generateWallet().identity
    const registry = createInMemoryRegistry([a.wallet, b.wallet])
    const gaterA = createRegistryGater({ getAuthorizedWallets: registry.getAuthorizedWallets })
    const gaterB = createRegistryGater({ getAuthorizedWallets: registry.getAuthorizedWallets })
    gaters.push(gaterA, gaterB)
    await Promise.all([gaterA.start(), gaterB.start()])
    const nodeA = await startNode({
      privateKey: a.privateKey,
      connectionGater: gaterA.connectionGater,
      transports: [transport],
    })
    const nodeB = await startNode({
      privateKey: b.privateKey,
      connectionGater: gaterB.connectionGater,
      transports: [transport],
    })

    expect(await tryDial(nodeA, addrOf(nodeB, transport))).toBe('connected')
    await connectedBothWays(nodeA, nodeB)
    expect(gaterB.metrics().allowed['inbound-encrypted']).toBe(1)
    await nodeA.hangUp(b.peerId)
    await noConnection(nodeA, nodeB, 'hang up')
    expect(await tryDial(nodeB, addrOf(nodeA, transport))).toBe('connected')
    await connectedBothWays(nodeA, nodeB)
    expect(gaterA.metrics().allowed['inbound-encrypted']).toBe(1)
    expect(gaterA.metrics().deniedTotal + gaterB.metrics().deniedTotal).toBe(0)
  })

  test('an unauthorized peer is refused in both directions, and its dial fails', async () => {
    const member = generateWallet().identity
    const stranger = generateWallet().identity
    const registry = createInMemoryRegistry([member.wallet])
    const gater = createRegistryGater({ getAuthorizedWallets: registry.getAuthorizedWallets })
    gaters.push(gater)
    await gater.start()
    const gated = await startNode({
      privateKey: member.privateKey,
      connectionGater: gater.connectionGater,
      transports: [transport],
    })
    // The stranger runs no gater: only ours stands between it and us.
    const open = await startNode({ privateKey: stranger.privateKey, transports: [transport] })

    // Inbound: the stranger dials us. Its side of the handshake ends first (Noise XX / TLS 1.3), so its
    // dial may resolve an instant before our gater refuses it and closes the connection.
    const inbound = await tryDial(open, addrOf(gated, transport))
    expect(inbound).not.toMatch(/Abort|Timeout/)
    await waitFor(() => gater.metrics().denied['inbound-encrypted']['not-in-registry'] >= 1, {
      timeoutMs: 5000,
      message: 'the inbound denial',
    })
    await noConnection(gated, open)
    await expect(
      open.dialProtocol(gated.peerId, '/ipfs/id/1.0.0', { signal: AbortSignal.timeout(5000) }),
    ).rejects.toThrow()
    await noConnection(gated, open)

    // Outbound, by PeerId: refused before any socket is opened.
    const byPeer = await tryDial(gated, addrOf(open, transport))
    expect(byPeer).not.toBe('connected')
    expect(byPeer).not.toMatch(/Abort|Timeout/)
    // Outbound, to an address without /p2p/: judged after the handshake.
    const byAddr = await tryDial(gated, addrOf(open, transport, false))
    console.info(
      `[gater ${transport}] stranger -> gated: ${inbound}, then closed; gated -> stranger: by PeerId ${byPeer}, by bare address ${byAddr}`,
    )
    expect(byAddr).not.toBe('connected')
    expect(byAddr).not.toMatch(/Abort|Timeout/)
    expect(gater.metrics().denied['outbound-encrypted']['not-in-registry']).toBe(1)
    await noConnection(gated, open)
  })
})

describe.each(['tcp', 'quic'] as const)('revocation over %s', (transport) => {
  test("a revoked wallet's connection closes within one refresh interval; re-adding it lets it reconnect", async () => {
    const member = generateWallet().identity
    const peer = generateWallet().identity
    const registry = createInMemoryRegistry([member.wallet, peer.wallet])
    const refreshIntervalMs = 200
    const gater = createRegistryGater({
      getAuthorizedWallets: registry.getAuthorizedWallets,
      refreshIntervalMs,
    })
    gaters.push(gater)
    await gater.start()
    const gated = await startNode({
      privateKey: member.privateKey,
      connectionGater: gater.connectionGater,
      transports: [transport],
    })
    const detach = gater.attach(gated)
    const other = await startNode({ privateKey: peer.privateKey, transports: [transport] })

    expect(await tryDial(other, addrOf(gated, transport))).toBe('connected')
    await connectedBothWays(gated, other)

    registry.remove(peer.wallet)
    const removedAt = performance.now()
    await noConnection(gated, other, 'the revoked peer to be disconnected')
    const closedAfterMs = performance.now() - removedAt
    console.info(
      `[gater revocation ${transport}] connection closed ${closedAfterMs.toFixed(0)} ms after removal (refreshIntervalMs ${refreshIntervalMs})`,
    )
    expect(gater.metrics().revocations).toBe(1)
    expect(gater.metrics().connectionsClosed).toBe(1)
    // While revoked, it cannot come back.
    await expect(
      other.dialProtocol(gated.peerId, '/ipfs/id/1.0.0', { signal: AbortSignal.timeout(5000) }),
    ).rejects.toThrow()

    registry.add(peer.wallet)
    await waitFor(() => gater.isAuthorizedCached(peer.peerId), {
      timeoutMs: 5000,
      message: 'the next refresh',
    })
    expect(await tryDial(other, addrOf(gated, transport))).toBe('connected')
    await connectedBothWays(gated, other)
    detach()
  })
})

test('flood: 1000 decisions and 50 real dials from unknown keys cost at most 10 registry calls', async () => {
  const member = generateWallet().identity
  const registry = createInMemoryRegistry([member.wallet])
  const gater = createRegistryGater({ getAuthorizedWallets: registry.getAuthorizedWallets })
  gaters.push(gater)
  await gater.start()
  const gated = await startNode({
    privateKey: member.privateKey,
    connectionGater: gater.connectionGater,
    transports: ['tcp'],
  })
  const target = addrOf(gated, 'tcp')
  const callsBefore = registry.calls

  const unknown = Array.from({ length: 1000 }, () => generateWallet().identity.peerId)
  const answers = await Promise.all(
    unknown.map((p) => gater.connectionGater.denyInboundEncryptedConnection?.(p, undefined as never)),
  )
  expect(answers.every((denied) => denied === true)).toBe(true)

  // libp2p accepts at most 5 inbound connections per second from one IP; dial from 127.0.1.1-20.
  const dials = 50
  const batch = 10
  const outcomes: string[] = []
  for (let i = 0; i < dials; i += batch) {
    const strangers = await Promise.all(
      Array.from({ length: batch }, (_, j) =>
        startNode({
          privateKey: generateWallet().identity.privateKey,
          transports: ['tcp'],
          tcpLocalAddress: `127.0.1.${((i + j) % 20) + 1}`,
        }),
      ),
    )
    outcomes.push(...(await Promise.all(strangers.map((s) => tryDial(s, target)))))
    await Promise.all(strangers.map((s) => s.stop()))
  }
  await waitFor(() => gater.metrics().denied['inbound-encrypted']['not-in-registry'] >= 1000 + dials, {
    timeoutMs: 10_000,
    message: 'every real dial to reach the gater',
  })
  const calls = registry.calls - callsBefore
  const m = gater.metrics()
  console.info(
    `[gater flood] 1000 decisions + ${dials} real dials from unknown keys -> ${calls} registry call(s) ` +
      `(miss calls ${m.registryCalls.miss}, rate-limited misses ${m.missesRateLimited}); dial outcomes ${JSON.stringify(countBy(outcomes))}`,
  )
  expect(outcomes.every((o) => !/Abort|Timeout/.test(o))).toBe(true)
  expect(calls).toBeLessThanOrEqual(10)
  expect(gated.getConnections()).toEqual([])
})

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1
  return counts
}
