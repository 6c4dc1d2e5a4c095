import { createInMemoryRegistry, createTestLibp2p, generateWallet, waitFor } from '@depin/test-utils'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import type { Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { afterEach, expect, test } from 'vitest'
import { createRegistryGater, type RegistryGater } from '../src/index.js'

const nodes: Libp2p[] = []
const gaters: RegistryGater[] = []
afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.stop()))
  await Promise.allSettled(gaters.splice(0).map((g) => g.stop()))
})

async function node(options: Parameters<typeof createTestLibp2p>[0]): Promise<Libp2p> {
  const created = await createTestLibp2p(options)
  nodes.push(created)
  return created
}

test('through an open relay, an unauthorized peer cannot reach us; an authorized one can', async () => {
  const relayId = generateWallet().identity
  const us = generateWallet().identity
  const friend = generateWallet().identity
  const stranger = generateWallet().identity
  const registry = createInMemoryRegistry([relayId.wallet, us.wallet, friend.wallet])
  const gater = createRegistryGater({ getAuthorizedWallets: registry.getAuthorizedWallets })
  gaters.push(gater)
  await gater.start()

  // A relay that runs no gater (e.g. someone else's): only our own gater protects us.
  const relay = await node({
    privateKey: relayId.privateKey,
    transports: ['tcp'],
    options: { services: { relay: circuitRelayServer() } },
  })
  const gated = await node({
    privateKey: us.privateKey,
    connectionGater: gater.connectionGater,
    transports: ['tcp'],
    options: {
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0', '/p2p-circuit'] },
      transports: [circuitRelayTransport()],
    },
  })
  await gated.dial(relay.getMultiaddrs()[0] as Multiaddr, { signal: AbortSignal.timeout(5000) })
  const circuit = await waitFor(
    () => gated.getMultiaddrs().find((a) => a.toString().includes('/p2p-circuit')),
    {
      timeoutMs: 10_000,
      message: 'a relay reservation',
    },
  )

  const outsider = await node({
    privateKey: stranger.privateKey,
    transports: ['tcp'],
    options: { transports: [circuitRelayTransport()] },
  })
  await expect(outsider.dial(circuit, { signal: AbortSignal.timeout(8000) })).rejects.toThrow()
  expect(gater.metrics().denied['relay-inbound']['not-in-registry']).toBe(1)
  expect(gated.getConnections(stranger.peerId)).toEqual([])

  const member = await node({
    privateKey: friend.privateKey,
    transports: ['tcp'],
    options: { transports: [circuitRelayTransport()] },
  })
  const relayed = await member.dial(circuit, { signal: AbortSignal.timeout(8000) })
  expect(relayed.remotePeer.equals(us.peerId)).toBe(true)
  await waitFor(() => gated.getConnections(friend.peerId).length > 0, {
    timeoutMs: 5000,
    message: 'the relayed connection',
  })
  expect(gater.metrics().allowed['relay-inbound']).toBeGreaterThanOrEqual(1)
})

test('a relay running the gater grants reservations to members through its hook and refuses strangers', async () => {
  const relayId = generateWallet().identity
  const member = generateWallet().identity
  const stranger = generateWallet().identity
  const registry = createInMemoryRegistry([relayId.wallet, member.wallet])
  const gater = createRegistryGater({ getAuthorizedWallets: registry.getAuthorizedWallets })
  gaters.push(gater)
  await gater.start()
  const relay = await node({
    privateKey: relayId.privateKey,
    connectionGater: gater.connectionGater,
    transports: ['tcp'],
    options: { services: { relay: circuitRelayServer() } },
  })
  const reserving = await node({
    privateKey: member.privateKey,
    transports: ['tcp'],
    options: {
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0', '/p2p-circuit'] },
      transports: [circuitRelayTransport()],
    },
  })
  await reserving.dial(relay.getMultiaddrs()[0] as Multiaddr, { signal: AbortSignal.timeout(5000) })
  await waitFor(() => reserving.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit')), {
    timeoutMs: 10_000,
    message: 'the member reservation',
  })
  expect(gater.metrics().allowed['relay-reservation']).toBe(1)

  // The stranger cannot even connect to the relay, so it can neither reserve nor be relayed.
  const outsider = await node({
    privateKey: stranger.privateKey,
    transports: ['tcp'],
    options: {
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0', '/p2p-circuit'] },
      transports: [circuitRelayTransport()],
    },
  })
  await outsider
    .dial(relay.getMultiaddrs()[0] as Multiaddr, { signal: AbortSignal.timeout(5000) })
    .catch(() => {})
  await waitFor(() => gater.metrics().denied['inbound-encrypted']['not-in-registry'] >= 1, {
    timeoutMs: 5000,
    message: 'the relay to refuse the stranger',
  })
  await waitFor(() => relay.getConnections(stranger.peerId).length === 0, {
    timeoutMs: 5000,
    message: 'no connection to the stranger',
  })
  expect(outsider.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit'))).toBe(false)
})
