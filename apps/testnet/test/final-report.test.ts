import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, expect, test } from 'vitest'
import { endpointsCheck, probeEndpoints } from '../src/final-report.js'
import type { Network } from '../src/network.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

const METRICS = 'depin_node_ready 1\ndepin_messaging_published_total 0\n'

/** A node's metrics server that answers /healthz with `statuses` in turn (the last one from then on). */
async function endpoint(statuses: number[]): Promise<string> {
  let asked = 0
  const server = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(statuses[Math.min(asked++, statuses.length - 1)] as number).end()
      return
    }
    res.writeHead(200).end(METRICS)
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function network(urls: string[]): Network {
  const nodes = urls.map((metricsUrl, i) => ({
    label: `${i}`,
    status: 'running',
    metricsUrl,
    wallet: `w${i}`,
  }))
  return {
    nodes,
    registry: new Set(nodes.map((n) => n.wallet)),
    placement: { kind: 'process' },
  } as unknown as Network
}

test('every node probed, a node that answers on the second try passes, the failures are named first', async () => {
  const healthy = await Promise.all(Array.from({ length: 20 }, () => endpoint([200])))
  const slow = await endpoint([503, 200])
  const down = await endpoint([503])
  const probes = await probeEndpoints(network([...healthy, slow, down]))
  expect(probes).toHaveLength(22)
  expect(probes[20]).toEqual({ label: '20', healthz: 200, metrics: true })
  const check = endpointsCheck(probes)
  expect(check.ok).toBe(false)
  expect(check.detail).toBe('1 of 22 nodes failed: 21: /healthz 503, /metrics ok')
  expect(endpointsCheck(probes.slice(0, 21))).toMatchObject({
    ok: true,
    detail: '21 nodes: /healthz 200, /metrics ok',
  })
})

/** A metrics server that takes requests and never answers (a node whose event loop is saturated). */
async function silentEndpoint(requests: string[] = []): Promise<string> {
  const server = createServer((req) => {
    requests.push(req.url ?? '')
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

test('the probes end with their budget: nodes not reached by then are counted as not probed', async () => {
  // 9 silent nodes: 8 probes hang in flight until the budget ends them, the ninth never starts.
  // Without the budget each would wait two tries of 10 s (the test's 5 s timeout fails it).
  const healthy = await endpoint([200])
  const silent = await Promise.all(Array.from({ length: 9 }, () => silentEndpoint()))
  const probes = await probeEndpoints(network([healthy, ...silent]), { budgetMs: 500 })
  expect(probes[0]).toEqual({ label: '0', healthz: 200, metrics: true })
  expect(probes.slice(1).every((p) => p.probed === false)).toBe(true)
  const check = endpointsCheck(probes, 500)
  expect(check.ok).toBe(false)
  expect(check.detail).toBe("9 of 10 nodes not probed within the probes' 0.5 s")
})

test('an interrupted run probes no node', async () => {
  const healthy = await endpoint([200])
  const probes = await probeEndpoints(network([healthy]), { signal: AbortSignal.abort() })
  expect(probes).toEqual([{ label: '0', healthz: 0, metrics: false, probed: false }])
})

test('a node whose request timed out is not asked again: only one that answered with an error is', async () => {
  const asked: string[] = []
  const silent = await silentEndpoint(asked)
  const probes = await probeEndpoints(network([silent]), { requestTimeoutMs: 200 })
  expect(probes).toEqual([{ label: '0', healthz: 0, metrics: false }])
  expect(asked).toEqual(['/healthz'])
  expect(endpointsCheck(probes).detail).toBe('1 of 1 nodes failed: 0: /healthz 0, /metrics MISSING')
})
