import { createRegistryGater } from '@depin/gater'
import { createInMemoryRegistry, generateWallet, waitFor } from '@depin/test-utils'
import type { Multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { acquireNode, type NodeInit, type NodeLease } from '../src/index.js'
import { createTestLogger, createTestNetwork, FAST, type TestNode } from './helpers.js'

const leases: NodeLease[] = []
const net = createTestNetwork()
afterEach(async () => {
  await Promise.allSettled(leases.splice(0).map((lease) => lease.release()))
  await net.stopAll()
})

async function acquire(init: NodeInit): Promise<NodeLease> {
  const lease = await acquireNode(init)
  leases.push(lease)
  return lease
}

describe('acquireNode: one node per wallet per process', () => {
  it('two databases on one wallet share one node; releasing one keeps it; releasing both stops it', async () => {
    const wallet = generateWallet()
    const init: NodeInit = {
      identity: wallet.identity,
      getBootstrapNodes: async () => [],
      logger: createTestLogger('shared'),
      ...FAST,
    }
    const [first, second] = await Promise.all([acquire(init), acquire(init)])
    if (first === undefined || second === undefined) throw new Error('unreachable')
    expect(second.node).toBe(first.node)

    const registryA = createInMemoryRegistry([wallet.wallet])
    const registryB = createInMemoryRegistry([wallet.wallet])
    const gaterA = createRegistryGater({ getAuthorizedWallets: registryA.getAuthorizedWallets })
    const gaterB = createRegistryGater({ getAuthorizedWallets: registryB.getAuthorizedWallets })
    await Promise.all([gaterA.start(), gaterB.start()])
    try {
      const dbA = await first.node.joinDatabase('alpha', gaterA)
      const dbB = await second.node.joinDatabase('beta', gaterB)
      expect(first.node.metrics().databases).toBe(2)
      expect(first.node.gaters.size).toBe(2)

      await dbA.leave()
      await first.release()
      await first.release() // idempotent
      expect(first.node.libp2p.status).toBe('started')
      expect(second.node.metrics().databases).toBe(1)

      const third = await acquire(init)
      expect(third.node).toBe(second.node)
      await third.release()
      expect(second.node.libp2p.status).toBe('started')

      await dbB.leave()
      await second.release()
      expect(second.node.libp2p.status).toBe('stopped')

      // The wallet can be used again: a new node.
      const again = await acquire(init)
      expect(again.node).not.toBe(second.node)
      expect(again.node.libp2p.status).toBe('started')
    } finally {
      await Promise.all([gaterA.stop(), gaterB.stop()])
    }
  })

  it('two wallets in one process get two nodes', async () => {
    const base = { getBootstrapNodes: async () => [], ...FAST }
    const a = await acquire({ identity: generateWallet().identity, ...base })
    const b = await acquire({ identity: generateWallet().identity, ...base })
    expect(a.node).not.toBe(b.node)
    expect(a.node.peerId.equals(b.node.peerId)).toBe(false)
  })

  it('the host admits a peer authorized by any attached database', async () => {
    // `host` serves two databases; `alphaPeer` is only in alpha's registry, `betaPeer` only in beta's.
    const host = generateWallet()
    const alphaPeer = await net.start({ name: 'alpha-peer', database: 'alpha' })
    const betaPeer = await net.start({ name: 'beta-peer', database: 'beta' })
    const stranger = await net.start({ name: 'stranger', database: 'gamma' })
    net.registry.add(host.wallet)
    const alpha = createInMemoryRegistry([host.wallet, alphaPeer.identity.wallet])
    const beta = createInMemoryRegistry([host.wallet, betaPeer.identity.wallet])
    const gaterA = createRegistryGater({ getAuthorizedWallets: alpha.getAuthorizedWallets })
    const gaterB = createRegistryGater({ getAuthorizedWallets: beta.getAuthorizedWallets })
    await Promise.all([gaterA.start(), gaterB.start()])
    try {
      const { node } = await acquire({ identity: host.identity, getBootstrapNodes: async () => [], ...FAST })
      await node.joinDatabase('alpha', gaterA)
      await node.joinDatabase('beta', gaterB)
      await node.libp2p.dial(firstAddr(alphaPeer))
      await node.libp2p.dial(firstAddr(betaPeer))
      await expect(node.libp2p.dial(firstAddr(stranger))).rejects.toThrow()
      await waitFor(() => node.isReady(), { message: 'ready' })
      expect(node.libp2p.getConnections(stranger.node.peerId)).toHaveLength(0)
    } finally {
      await Promise.all([gaterA.stop(), gaterB.stop()])
    }
  })
})

function firstAddr(test: TestNode): Multiaddr {
  const addr = test.node.libp2p.getMultiaddrs()[0]
  if (addr === undefined) throw new Error('no address')
  return addr
}
