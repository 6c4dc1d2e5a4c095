import { expect, test } from 'vitest'

test('the public API is deliberate', async () => {
  expect(Object.keys(await import('../src/index.js')).sort()).toMatchInlineSnapshot(`
    [
      "METRIC_DEFINITIONS",
      "MetricsServerStartError",
      "createDepinCollector",
      "fromFacadeMetrics",
      "libp2pMetrics",
      "startMetricsServer",
    ]
  `)
})

test('runs on Node >= 22 (libp2p 3 and QUIC need it)', () => {
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(22)
})
