import { generateWallet } from '@depin/test-utils'
import { afterEach, expect, it } from 'vitest'
import { createDatabaseTracker, createInMemoryRegistry, fastNode, testConfig } from './fixtures/network.js'

const dbs = createDatabaseTracker()
afterEach(() => dbs.disconnectAll())

it('passes node.peering through to the node: latency-aware peering on by default, off when asked', async () => {
  const plain = generateWallet()
  const db = await dbs.connect(testConfig(plain, 'peering-default', createInMemoryRegistry([plain.wallet])))
  expect(db.metrics().node.peering).toMatchObject({ latencyAware: true, measuredPeers: 0 })

  const on = generateWallet()
  const aware = await dbs.connect(
    testConfig(on, 'peering-on', createInMemoryRegistry([on.wallet]), [], {
      node: { ...fastNode(), peering: { latencyAware: true, pingIntervalMs: 5_000 } },
    }),
  )
  expect(aware.metrics().node.peering).toMatchObject({ latencyAware: true, measuredPeers: 0 })

  const off = generateWallet()
  const quiet = await dbs.connect(
    testConfig(off, 'peering-off', createInMemoryRegistry([off.wallet]), [], {
      node: { ...fastNode(), peering: { latencyAware: false } },
    }),
  )
  expect(quiet.metrics().node.peering).toMatchObject({ latencyAware: false, pings: 0 })

  const bad = generateWallet()
  await expect(
    dbs.connect(
      testConfig(bad, 'peering-bad', createInMemoryRegistry([bad.wallet]), [], {
        node: { ...fastNode(), peering: { rttBandsMs: [50, 10] } },
      }),
    ),
  ).rejects.toMatchObject({ field: 'peering.rttBandsMs[1]' })
})
