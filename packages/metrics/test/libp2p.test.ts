import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
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

test("two nodes in one process, each with its registry: each registry gets its own node's metrics (patched upstream)", () => {
  // Upstream kept every metric in one module-level map: the second node's registry got no
  // `libp2p_*` series, and the first node's counted both nodes. Checked in a plain Node process
  // (the package as a node resolves it): under vitest's module runner two real nodes did not show
  // the bug, even against the unpatched package.
  const script = `
    const registries = [new Registry(), new Registry()]
    registries.forEach((registry, i) => {
      const metrics = prometheusMetrics({ registry, collectDefaultMetrics: false, preserveExistingMetrics: true })({ logger })
      metrics.registerMetricGroup('libp2p_test_connections', { label: 'direction', calculate: () => ({ inbound: i + 1 }) })
      metrics.registerCounter('libp2p_test_dials_total').increment(10 * (i + 1))
    })
    const texts = await Promise.all(registries.map((registry) => registry.metrics()))
    console.log(JSON.stringify(texts.map((text) => text.split('\\n').filter((line) => line.startsWith('libp2p_test')))))
  `
  expect(inPlainNode(script)).toEqual([
    ['libp2p_test_connections{direction="inbound"} 1', 'libp2p_test_dials_total 10'],
    ['libp2p_test_connections{direction="inbound"} 2', 'libp2p_test_dials_total 20'],
  ])
})

test('bytes per protocol are counted on every tracked stream, sent and received, across scrapes (patched upstream)', () => {
  // The patch builds each stream's two counter keys once instead of per message: the series and
  // their sums must stay what upstream reports (streams of one protocol add up; each scrape adds
  // what was counted since the last one).
  const script = `
    const registry = new Registry()
    const metrics = prometheusMetrics({ registry, collectDefaultMetrics: false, preserveExistingMetrics: true })({ logger })
    const stream = (protocol) => {
      const s = { protocol, dispatchEvent: () => true, send: () => true }
      metrics.trackProtocolStream(s)
      return s
    }
    const [a, b, c] = [stream('/meshsub/1.1.0'), stream('/meshsub/1.1.0'), stream('/ipfs/id/1.0.0')]
    const message = (n) => ({ type: 'message', data: { byteLength: n } })
    a.dispatchEvent(message(100)); b.dispatchEvent(message(50)); a.send(new Uint8Array(7))
    c.send(new Uint8Array(20)); c.dispatchEvent({ type: 'close' })
    const lines = async () => (await registry.metrics()).split('\\n').filter((l) => l.startsWith('libp2p_data_transfer'))
    const first = await lines()
    a.dispatchEvent(message(1)); c.send(new Uint8Array(2))
    console.log(JSON.stringify([first, await lines()]))
  `
  expect(inPlainNode(script)).toEqual([
    [
      'libp2p_data_transfer_bytes_total{protocol="/meshsub/1.1.0 received"} 150',
      'libp2p_data_transfer_bytes_total{protocol="/meshsub/1.1.0 sent"} 7',
      'libp2p_data_transfer_bytes_total{protocol="/ipfs/id/1.0.0 sent"} 20',
    ],
    [
      'libp2p_data_transfer_bytes_total{protocol="/meshsub/1.1.0 received"} 151',
      'libp2p_data_transfer_bytes_total{protocol="/meshsub/1.1.0 sent"} 7',
      'libp2p_data_transfer_bytes_total{protocol="/ipfs/id/1.0.0 sent"} 22',
    ],
  ])
})

/**
 * Runs `body` (an ES module) in a plain Node process, as this package resolves
 * `@libp2p/prometheus-metrics` (the patched copy), with `prometheusMetrics`, `Registry` and a
 * silent `logger` in scope, and parses the JSON it prints.
 */
function inPlainNode(body: string): unknown {
  const script = `
    import { prometheusMetrics } from '@libp2p/prometheus-metrics'
    import { Registry } from 'prom-client'
    const logger = { forComponent: () => Object.assign(() => {}, { error() {}, trace() {} }) }
    ${body}
  `
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
  })
  return JSON.parse(out)
}
