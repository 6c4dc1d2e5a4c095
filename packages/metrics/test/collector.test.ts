import { Registry } from 'prom-client'
import { describe, expect, test } from 'vitest'
import { createDepinCollector, fromFacadeMetrics } from '../src/index.js'
import { sampleMetrics } from './sample.js'

async function valuesOf(registry: Registry, name: string) {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name)
  return metric?.values ?? []
}

describe('createDepinCollector', () => {
  test('renders node, gater and messaging metrics with real label names', async () => {
    const m = sampleMetrics()
    const collector = createDepinCollector({ read: () => fromFacadeMetrics('rooms-db', m) })
    const text = await collector.metrics()

    expect(text).toContain('# TYPE depin_gater_decisions_total counter')
    expect(text).toContain(
      'depin_gater_decisions_total{database="rooms-db",hook="inbound-encrypted",decision="denied",reason="not-in-registry"} 3',
    )
    expect(text).toContain(
      'depin_gater_decisions_total{database="rooms-db",hook="inbound-encrypted",decision="allowed"} 7',
    )
    expect(text).toContain('depin_node_ready 1')
    expect(text).toContain('depin_node_peers 4')
    expect(text).toContain('depin_node_time_to_first_ready_seconds 1.5')
    expect(text).toContain('depin_gater_authorized_wallets{database="rooms-db"} 12')
    expect(text).toContain('depin_gater_refreshes_total{database="rooms-db",result="failed"} 1')
    expect(text).toContain('depin_messaging_rejected_total{database="rooms-db",reason="too-large"} 2')
    expect(text).toContain('depin_messaging_delivered_total{database="rooms-db"} 400')
    expect(text).toContain('depin_history_recovered_total{database="rooms-db"} 20')
    expect(text).toContain('depin_history_rejected_total{database="rooms-db",reason="bad-signature"} 1')
    expect(text).toContain('depin_history_events{database="rooms-db"} 120')
    expect(text).toContain('# TYPE depin_node_peers gauge')
  })

  test('values follow the plain objects on every scrape, with no bookkeeping of its own', async () => {
    const m = sampleMetrics()
    const collector = createDepinCollector({ read: () => fromFacadeMetrics('db', m) })
    expect(await valuesOf(collector.registry, 'depin_messaging_published_total')).toEqual([
      { labels: { database: 'db' }, value: 100 },
    ])
    m.messaging.published = 250
    m.node.ready = false
    expect(await valuesOf(collector.registry, 'depin_messaging_published_total')).toEqual([
      { labels: { database: 'db' }, value: 250 },
    ])
    expect(await valuesOf(collector.registry, 'depin_node_ready')).toEqual([{ labels: {}, value: 0 }])
  })

  test('fromFacadeMetrics passes the host gater through when the facade reports it', async () => {
    const m = sampleMetrics()
    const collector = createDepinCollector({
      read: () =>
        fromFacadeMetrics('db', {
          ...m,
          hostGater: { ...m.gater, members: 1, connectionsClosed: 2, suspendedPeers: 1, suspensions: 1 },
        }),
    })
    const text = await collector.metrics()
    expect(text).toContain('depin_host_gater_members 1')
    expect(text).toContain('depin_host_gater_connections_closed_total 2')
    expect(text).toContain('depin_host_gater_suspended_peers 1')
  })

  test('undefined figures are omitted, not reported as 0', async () => {
    const collector = createDepinCollector({ read: () => fromFacadeMetrics('db', sampleMetrics()) })
    expect(await valuesOf(collector.registry, 'depin_node_last_recovery_seconds')).toEqual([])
  })

  test('several databases, host gater, constant labels and a prefix in a shared registry', async () => {
    const m = sampleMetrics()
    const registry = new Registry()
    const collector = createDepinCollector({
      registry,
      prefix: 'edge_',
      labels: { node: 'n1' },
      read: () => ({
        node: m.node,
        hostGater: { ...m.gater, members: 2, connectionsClosed: 0, suspendedPeers: 0, suspensions: 0 },
        databases: [
          { name: 'a', messaging: m.messaging },
          { name: 'b', gater: m.gater },
        ],
      }),
    })
    const text = await registry.metrics()
    expect(text).toContain('edge_messaging_published_total{node="n1",database="a"} 100')
    expect(text).not.toContain('edge_messaging_published_total{node="n1",database="b"}')
    expect(text).toContain('edge_gater_authorized_wallets{node="n1",database="b"} 12')
    expect(text).toContain('edge_host_gater_members{node="n1"} 2')
    expect(text).toContain(
      'edge_host_gater_decisions_total{node="n1",hook="inbound-encrypted",decision="denied",reason="not-in-registry"} 3',
    )
    collector.remove()
    collector.remove()
    expect(await registry.metrics()).not.toContain('edge_')
  })

  test('an empty snapshot renders no samples and does not throw', async () => {
    const collector = createDepinCollector({ read: () => ({}) })
    expect(await collector.metrics()).not.toMatch(/^depin_\w+(\{.*\})? \d/m)
  })

  // Sums that Prometheus computes itself (sum by ...) are deliberately not exported.
  const DERIVED = new Set([
    'gater.allowedTotal',
    'gater.deniedTotal',
    'messaging.rejectedTotal',
    'messaging.history.rejectedTotal',
  ])

  test('every figure the lower packages report reaches Prometheus (a new field fails here until mapped)', async () => {
    const leaves = (value: unknown, path: string[]): string[][] =>
      value !== null && typeof value === 'object'
        ? Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]))
        : [path]
    const render = (m: ReturnType<typeof sampleMetrics>) =>
      createDepinCollector({ read: () => fromFacadeMetrics('db', m) }).metrics()
    const before = await render(sampleMetrics())
    const unmapped: string[] = []
    for (const path of leaves(sampleMetrics(), [])) {
      if (DERIVED.has(path.join('.'))) continue
      const changed = sampleMetrics()
      let target = changed as unknown as Record<string, unknown>
      for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>
      const last = path.at(-1) as string
      const value = target[last]
      target[last] =
        typeof value === 'boolean'
          ? !value
          : typeof value === 'number'
            ? value + 7
            : typeof value === 'string'
              ? 'client'
              : 12_345
      if ((await render(changed)) === before) unmapped.push(path.join('.'))
    }
    expect(unmapped).toEqual([])
  })
})
