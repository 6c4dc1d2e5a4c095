import { createTestLibp2p, generateWallet, waitFor } from '@depin/test-utils'
import type { Libp2p } from '@libp2p/interface'
import { Registry } from 'prom-client'
import { afterEach, expect, test } from 'vitest'
import { createDepinCollector, libp2pMetrics } from '../src/index.js'

const nodes: Libp2p[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()))
})

test("libp2p's own metrics from a real libp2p 3 node land in the same registry as the @depin metrics", async () => {
  const registry = new Registry()
  createDepinCollector({ registry, read: () => ({}) })
  const a = await createTestLibp2p({
    privateKey: generateWallet().identity.privateKey,
    transports: ['tcp'],
    options: { metrics: libp2pMetrics({ registry, collectDefaultMetrics: false }) },
  })
  nodes.push(a)
  const b = await createTestLibp2p({ privateKey: generateWallet().identity.privateKey, transports: ['tcp'] })
  nodes.push(b)
  const address = b.getMultiaddrs()[0]
  if (address === undefined) throw new Error('b has no address')
  await a.dial(address)
  await waitFor(() => a.getConnections().length > 0, { timeoutMs: 5_000, message: 'a connected to b' })

  const text = await registry.metrics()
  expect(text).toContain('# TYPE depin_node_peers gauge')
  expect(text).toMatch(/^libp2p_\w+/m)
  expect(text).toMatch(
    /libp2p_connection_manager_connections\{libp2p_connection_manager_connections="outbound"\} 1/,
  )
  expect(text).toMatch(/libp2p_noise_xxhandshake_successes_total 1/)
})

test('process metrics are registered once even if libp2pMetrics is called again on the registry', async () => {
  const registry = new Registry()
  for (let i = 0; i < 2; i++) {
    const node = await createTestLibp2p({
      privateKey: generateWallet().identity.privateKey,
      transports: ['tcp'],
      options: { metrics: libp2pMetrics({ registry }) },
    })
    nodes.push(node)
  }
  const text = await registry.metrics()
  expect(text.match(/^# TYPE process_cpu_user_seconds_total /gm)).toHaveLength(1)
})
