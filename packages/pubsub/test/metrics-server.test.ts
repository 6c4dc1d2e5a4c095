import { createServer } from 'node:net'
import { generateWallets, waitFor, waitForEvent } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { connect, InvalidConfigError, isDepinError, MetricsServerStartError } from '../src/index.js'
import {
  bootstrapEntryOf,
  createDatabaseTracker,
  createInMemoryRegistry,
  testConfig,
} from './fixtures/network.js'

const dbs = createDatabaseTracker()
afterEach(() => dbs.disconnectAll())

async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) })
  return { status: response.status, body: await response.text() }
}

describe('connect({ metricsServer })', () => {
  it('serves /healthz (503 until a peer connects, then 200) and Prometheus /metrics with ours and libp2p’s', async () => {
    const [a, b, intruder] = generateWallets(3)
    const registry = createInMemoryRegistry([a!.wallet, b!.wallet])
    const first = await dbs.connect(testConfig(a!, 'metrics', registry, [], { metricsServer: { port: 0 } }))
    expect(first.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect((await get(`${first.metricsUrl}/healthz`)).status).toBe(503)

    await dbs.connect(testConfig(b!, 'metrics', registry, [bootstrapEntryOf(first, a!.wallet)]))
    await first.waitUntilReady({ timeoutMs: 15_000 })
    await waitFor(async () => (await get(`${first.metricsUrl}/healthz`)).status === 200, {
      message: '/healthz 200 once ready',
    })

    // An intruder is refused at the host gater: a peer:denied event, and the refusal shows in Prometheus.
    const denied = waitForEvent<CustomEvent<{ peerId: string }>>(first, 'peer:denied', {
      timeoutMs: 15_000,
      filter: (event) => event.detail.peerId === intruder!.identity.peerId.toString(),
    })
    const stranger = await dbs.connect(
      testConfig(intruder!, 'metrics', createInMemoryRegistry([intruder!.wallet, a!.wallet]), [
        bootstrapEntryOf(first, a!.wallet),
      ]),
    )
    await denied
    expect(first.metrics().hostGater.deniedTotal).toBeGreaterThan(0)
    expect(first.peers()).not.toContain(stranger.peerId)

    const { status, body } = await get(`${first.metricsUrl}/metrics`)
    expect(status).toBe(200)
    expect(body).toMatch(/^depin_node_ready\S* 1$/m)
    expect(body).toMatch(/^depin_host_gater_decisions_total\{[^}]*decision="denied"[^}]*\} [1-9]/m)
    expect(body).toContain('libp2p_connection_manager_connections')
    // Node's process metrics by default.
    expect(body).toMatch(/^nodejs_eventloop_lag_seconds \S+$/m)
    expect(body).toMatch(/^process_cpu_user_seconds_total \S+$/m)
    expect((await get(`${first.metricsUrl}/nope`)).status).toBe(404)

    const url = first.metricsUrl!
    await first.disconnect()
    await expect(fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow()
  })

  it('processMetrics: false serves ours without Node’s process metrics and their event loop monitor', async () => {
    const [a, b] = generateWallets(2)
    const registry = createInMemoryRegistry([a!.wallet, b!.wallet])
    const hosted = await dbs.connect(
      testConfig(a!, 'metrics-hosted', registry, [], { metricsServer: { port: 0, processMetrics: false } }),
    )
    const alone = await dbs.connect(
      testConfig(b!, 'metrics-hosted', registry, [], { metricsServer: { port: 0 } }),
    )
    const [without, withThem] = await Promise.all([
      get(`${hosted.metricsUrl}/metrics`),
      get(`${alone.metricsUrl}/metrics`),
    ])
    expect(without.status).toBe(200)
    expect(without.body).toMatch(/^depin_node_ready\S* 0$/m)
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'nodejs_gc_duration_seconds',
    ]) {
      expect(without.body, name).not.toContain(name)
      expect(withThem.body, name).toContain(name)
    }
  })

  it('rejects a bad metricsServer naming the field', async () => {
    const [a] = generateWallets(1)
    const config = testConfig(a!, 'metrics-bad', createInMemoryRegistry([a!.wallet]), [], {
      metricsServer: { port: 70_000, host: 'localhost', extra: 1, processMetrics: 'no' } as never,
    })
    const err = await connect(config).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidConfigError)
    expect((err as InvalidConfigError).issues.map((i) => i.field)).toEqual(
      expect.arrayContaining([
        'metricsServer.port',
        'metricsServer.host',
        'metricsServer.extra',
        'metricsServer.processMetrics',
      ]),
    )
  })

  it('a taken metrics port fails connect() with MetricsServerStartError, and leaves no node behind', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    try {
      const port = (blocker.address() as { port: number }).port
      const [a] = generateWallets(1)
      const config = testConfig(a!, 'metrics-taken', createInMemoryRegistry([a!.wallet]), [], {
        metricsServer: { port },
      })
      const err = await connect(config).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(MetricsServerStartError)
      expect(isDepinError(err, 'METRICS_SERVER_START_FAILED')).toBe(true)
      expect((err as MetricsServerStartError).address).toBe(`127.0.0.1:${port}`)
      // The same database name connects again at once: the failed attempt released its node.
      const db = await dbs.connect(testConfig(a!, 'metrics-taken', createInMemoryRegistry([a!.wallet]), []))
      expect(db.isReady()).toBe(false)
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()))
    }
  })
})
