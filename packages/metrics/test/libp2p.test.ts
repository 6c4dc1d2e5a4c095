import { Registry } from 'prom-client'
import { expect, test } from 'vitest'
import { createDepinCollector, libp2pMetrics } from '../src/index.js'

test("libp2p's metrics go to the same registry without clearing the @depin metrics", async () => {
  const registry = new Registry()
  createDepinCollector({ registry, read: () => ({}) })
  const metrics = libp2pMetrics({ registry, collectDefaultMetrics: false })({
    logger: {
      forComponent: () =>
        Object.assign(() => {}, { enabled: false, trace: () => {}, error: () => {}, newScope: () => {} }),
    } as never,
  })
  metrics.registerMetric('libp2p_test_dials_total', { help: 'test' }).increment()
  const text = await registry.metrics()
  expect(text).toContain('# TYPE depin_node_peers gauge')
  expect(text).toContain('libp2p_test_dials_total 1')
})
