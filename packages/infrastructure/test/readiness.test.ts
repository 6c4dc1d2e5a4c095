import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { createRegistryGater, type RegistryGater } from '@depin/gater'
import { generateWallet, waitFor, waitForEvent } from '@depin/test-utils'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterEach, describe, expect, test } from 'vitest'
import type { PeerRefusedDetail } from '../src/index.js'
import { bootstrapEntryOf, createTestNetwork, type TestNode } from './helpers.js'

// Readiness counts usable peers only: a connection that the remote's gater closes right after the
// handshake (QUIC completes on the dialer first; a TCP dial resolves before the reset arrives) must
// never make a node ready, and must be visible as a refusal.

const net = createTestNetwork()
const gaters: RegistryGater[] = []
const raws: Libp2p[] = []
afterEach(async () => {
  await Promise.allSettled(raws.splice(0).map((n) => n.stop()))
  await net.stopAll()
  await Promise.allSettled(gaters.splice(0).map((g) => g.stop()))
})

/** A bootstrap node whose only database admits nobody but itself. */
async function refusingBootstrap(): Promise<TestNode> {
  const boot = await net.start({ name: 'boot', database: false })
  const gater = createRegistryGater({ getAuthorizedWallets: async () => [boot.identity.wallet] })
  gaters.push(gater)
  await gater.start()
  await boot.node.joinDatabase('test-db', gater)
  return boot
}

describe.each(['quic', 'tcp'] as const)('over %s', (transport) => {
  test('a node refused by its only bootstrap never becomes ready; each refusal is counted, reported and logged', async () => {
    const boot = await refusingBootstrap()
    const entry = bootstrapEntryOf(boot.node)
    const only = transport === 'quic' ? { ...entry, tcpPort: undefined } : { ...entry, quicPort: undefined }
    const client = await net.start({ name: 'client', bootstrap: [only] })
    const transitions: string[] = []
    client.node.addEventListener('ready', () => transitions.push('ready'))
    client.node.addEventListener('not-ready', () => transitions.push('not-ready'))
    const refusals: PeerRefusedDetail[] = []
    client.node.addEventListener('peer:refused', (e) => refusals.push(e.detail))
    // The retry loop redials every 400 ms here: several refusals in a few seconds.
    await waitFor(() => refusals.length >= 4, { timeoutMs: 15_000, message: 'four refusals' })

    expect(transitions).toEqual([])
    expect(client.node.isReady()).toBe(false)
    await expect(client.node.waitUntilReady({ timeoutMs: 200 })).rejects.toMatchObject({ code: 'NOT_READY' })
    expect(refusals[0]).toMatchObject({
      peerId: boot.node.peerId.toString(),
      transport,
      direction: 'outbound',
    })
    const m = client.node.metrics()
    expect(m).toMatchObject({ ready: false, usablePeers: 0, bootstrapSuccesses: 0 })
    expect(m.connectionsRefused).toBeGreaterThanOrEqual(4)
    expect(m.bootstrapFailures).toBeGreaterThanOrEqual(3)
    // An operator reads it once at warn, naming the peer; the repeats go to debug.
    const lines = client.logger.lines.filter((l) =>
      l.includes('closed our connection right after the handshake'),
    )
    expect(lines.filter((l) => l.includes(' warn ')).length).toBe(1)
    expect(lines[0]).toContain(boot.node.peerId.toString())
    expect(lines.filter((l) => l.includes(' debug ')).length).toBeGreaterThanOrEqual(3)
    expect(client.logger.lines.some((l) => l.includes('node became ready'))).toBe(false)
  })
})

test('an admitted peer makes the node ready once identify completed on its connection', async () => {
  const boot = await net.start({ name: 'boot' })
  const client = await net.start({ name: 'client', bootstrap: [bootstrapEntryOf(boot.node)] })
  const identified = waitForEvent(client.node.libp2p, 'peer:identify', { timeoutMs: 10_000 })
  const ready = await waitForEvent<CustomEvent<{ peers: number }>>(client.node, 'ready', {
    timeoutMs: 10_000,
  })
  await identified
  expect(ready.detail.peers).toBe(1)
  expect(client.node.metrics()).toMatchObject({ ready: true, usablePeers: 1, connectionsRefused: 0 })
  // Connected peers, one entry per peer (TCP and QUIC connections to the same peer count once).
  expect([...client.node.peers().keys()]).toEqual([boot.node.peerId.toString()])
  expect(client.node.peers().get(boot.node.peerId.toString())?.equals(boot.node.peerId)).toBe(true)
  expect(client.node.metrics().peers).toBe(1)
  await waitFor(() => client.node.metrics().bootstrapSuccesses === 1, { message: 'the bootstrap success' })
  // The bootstrap node counts its inbound peer too.
  await waitFor(() => boot.node.isReady(), { message: 'the bootstrap node ready' })
})

test('a peer that runs no identify counts once its connection stayed open readiness.settleMs', async () => {
  const ours = await net.start({ name: 'ours', init: { readiness: { settleMs: 300 } } })
  // A plain libp2p node without identify, with a wallet the registry admits.
  const identity = net.nextIdentity()
  const raw = await createLibp2p({
    privateKey: identity.privateKey,
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  })
  raws.push(raw)
  let identified = false
  ours.node.libp2p.addEventListener('peer:identify', () => {
    identified = true
  })
  const ready = waitForEvent(ours.node, 'ready', { timeoutMs: 10_000 })
  const tcpAddr = ours.node.libp2p.getMultiaddrs().find((a) => a.toString().includes('/tcp/'))!
  await raw.dial(multiaddr(tcpAddr.toString()), { signal: AbortSignal.timeout(5_000) })
  await ready
  expect(identified).toBe(false)
  expect(ours.node.metrics().usablePeers).toBe(1)
})

test('a fresh wallet refused by a node is still refused when it retries: no ready, the refusals keep coming', async () => {
  // Readiness of the refusing side: its own inbound refusals never reach it as connections.
  const boot = await refusingBootstrap()
  const stranger = generateWallet().identity
  const client = await net.start({
    name: 'stranger',
    identity: stranger,
    bootstrap: [bootstrapEntryOf(boot.node)],
  })
  await waitFor(() => client.node.metrics().connectionsRefused >= 2, {
    timeoutMs: 15_000,
    message: 'two refusals',
  })
  expect(boot.node.isReady()).toBe(false)
  expect(boot.node.metrics()).toMatchObject({ usablePeers: 0, connectionsRefused: 0 })
})
