import { createServer } from 'node:net'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, test } from 'vitest'
import {
  createDepinCollector,
  fromFacadeMetrics,
  type MetricsServer,
  MetricsServerStartError,
  startMetricsServer,
} from '../src/index.js'
import { sampleMetrics } from './sample.js'

const servers: MetricsServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function start(isReady: () => boolean, registry = new Registry()): Promise<MetricsServer> {
  const server = await startMetricsServer({ port: 0, registry, isReady })
  servers.push(server)
  return server
}

describe('startMetricsServer', () => {
  test('/metrics answers Prometheus text from the registry', async () => {
    const collector = createDepinCollector({ read: () => fromFacadeMetrics('db', sampleMetrics()) })
    const server = await start(() => true, collector.registry)
    const response = await fetch(`${server.url}/metrics`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/plain')
    expect(await response.text()).toContain('depin_node_peers 4')
  })

  test('/healthz is 200 when ready and 503 when not', async () => {
    let ready = true
    const server = await start(() => ready)
    const ok = await fetch(`${server.url}/healthz`)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ ready: true })
    ready = false
    const down = await fetch(`${server.url}/healthz`)
    expect(down.status).toBe(503)
    expect(await down.json()).toEqual({ ready: false })
  })

  test('/healthz is 503 when isReady throws; unknown paths are 404; POST is 405', async () => {
    const server = await start(() => {
      throw new Error('boom')
    })
    expect((await fetch(`${server.url}/healthz`)).status).toBe(503)
    expect((await fetch(`${server.url}/nope`)).status).toBe(404)
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405)
  })

  test('close() frees the port and is idempotent', async () => {
    const server = await startMetricsServer({ port: 0, registry: new Registry(), isReady: () => true })
    await fetch(`${server.url}/healthz`, { headers: { connection: 'keep-alive' } })
    await server.close()
    await server.close()
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
    const again = await startMetricsServer({
      port: server.port,
      registry: new Registry(),
      isReady: () => true,
    })
    servers.push(again)
    expect(again.port).toBe(server.port)
  })

  test('a taken port rejects with MetricsServerStartError naming the address and the fix', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as { port: number }).port
    try {
      const err = await startMetricsServer({ port, registry: new Registry(), isReady: () => true }).catch(
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(MetricsServerStartError)
      expect((err as MetricsServerStartError).code).toBe('METRICS_SERVER_START_FAILED')
      expect((err as MetricsServerStartError).address).toBe(`127.0.0.1:${port}`)
      expect((err as Error).message).toMatch(/EADDRINUSE.*metricsServer\.port/s)
      expect(((err as Error).cause as { code?: string }).code).toBe('EADDRINUSE')
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()))
    }
  })
})
