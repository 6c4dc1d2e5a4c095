import { generateWallets, waitFor } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import {
  bootstrapEntryOf,
  createDatabaseTracker,
  createInMemoryRegistry,
  testConfig,
} from './fixtures/network.js'

const dbs = createDatabaseTracker()
afterEach(() => dbs.disconnectAll())

describe('two databases on one shared host', () => {
  it('a peer authorized only in B cannot get an event into A, and can into B', async () => {
    const [host, outsider, peer] = generateWallets(3)
    const registryA = createInMemoryRegistry([host!.wallet, outsider!.wallet])
    const registryB = createInMemoryRegistry([host!.wallet, peer!.wallet])
    const hostA = await dbs.connect(testConfig(host!, 'A', registryA))
    const hostB = await dbs.connect(testConfig(host!, 'B', registryB))
    // Same wallet, same process: one node serves both databases.
    expect(hostB.peerId).toBe(hostA.peerId)
    expect(hostB.multiaddrs()).toEqual(hostA.multiaddrs())

    const entry = bootstrapEntryOf(hostA, host!.wallet)
    const peerB = await dbs.connect(testConfig(peer!, 'B', registryB, [entry]))
    // The peer believes it belongs to A too (its own registry says so); the host's A registry disagrees.
    const peerA = await dbs.connect(
      testConfig(peer!, 'A', createInMemoryRegistry([host!.wallet, peer!.wallet]), [entry]),
    )

    const inA: unknown[] = []
    const inB: unknown[] = []
    await hostA.subscribe('rooms', (event) => {
      inA.push(event.message)
    })
    await hostB.subscribe('rooms', (event) => {
      inB.push(event.message)
    })
    await peerA.waitForTopicPeers('rooms', { timeoutMs: 10_000 })
    await peerB.waitForTopicPeers('rooms', { timeoutMs: 10_000 })

    await peerA.publish('rooms', 'sneaking into A')
    await peerB.publish('rooms', 'hello B')
    await waitFor(() => inB.length === 1 && hostA.metrics().messaging.rejected.unauthorized === 1, {
      message: 'delivery in B and rejection in A',
    })
    expect(inB).toEqual(['hello B'])
    expect(inA).toEqual([])
    expect(hostB.metrics().messaging.rejectedTotal).toBe(0)
  })
})
