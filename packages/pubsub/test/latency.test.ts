import { generateWallets, waitFor } from '@depin/test-utils'
import { percentile } from '@depin/test-utils/stats'
import { afterEach, describe, expect, it } from 'vitest'
import type { Database } from '../src/index.js'
import {
  bootstrapEntryOf,
  createDatabaseTracker,
  createInMemoryRegistry,
  fastNode,
  testConfig,
} from './fixtures/network.js'

// Figures for the log only: nothing here asserts a timing.
const dbs = createDatabaseTracker()
afterEach(() => dbs.disconnectAll())

describe.each([
  ['QUIC', { quic: true, tcp: false }],
  ['TCP', { quic: false, tcp: true }],
])('latency over %s (logged, not asserted)', (name, transports) => {
  it('1000 events from one node to two others', async () => {
    const wallets = generateWallets(3)
    const registry = createInMemoryRegistry(wallets.map((w) => w.wallet))
    const node = fastNode(transports)
    const first = await dbs.connect(testConfig(wallets[0]!, 'latency', registry, [], { node }))
    const entry = bootstrapEntryOf(first, wallets[0]!.wallet)
    const second = await dbs.connect(testConfig(wallets[1]!, 'latency', registry, [entry], { node }))

    // Subscribe to first delivery, two nodes: subscribe, the publisher waits for the subscription, publishes.
    await second.waitUntilReady({ signal: AbortSignal.timeout(10_000) })
    let firstDeliveredAt = 0
    const subscribedAt = performance.now()
    await first.subscribe('first', () => {
      firstDeliveredAt ||= performance.now()
    })
    await second.waitForTopicPeers('first', { timeoutMs: 10_000 })
    await second.publish('first', 'hello')
    await waitFor(() => firstDeliveredAt > 0, { message: 'the first delivery' })

    const third = await dbs.connect(testConfig(wallets[2]!, 'latency', registry, [entry], { node }))
    const receivers: Database[] = [first, third]
    const latencies = new Map(receivers.map((db) => [db.peerId, [] as number[]]))
    for (const db of receivers) {
      await db.subscribe<{ sentAt: number }>('bench', (event) => {
        latencies.get(db.peerId)!.push(performance.now() - event.message.sentAt)
      })
    }
    await second.waitForTopicPeers('bench', { min: 2, timeoutMs: 10_000 })
    const started = performance.now()
    // Paced at about one event per millisecond (as the toolchain spike): all three nodes share this
    // process, so publishing back-to-back would starve the receivers and measure the publish loop.
    for (let seq = 0; seq < 1000; seq++) {
      await second.publish('bench', { seq, sentAt: performance.now() })
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    const publishMs = performance.now() - started
    await waitFor(() => receivers.every((db) => latencies.get(db.peerId)!.length === 1000), {
      timeoutMs: 20_000,
      message: '1000 events at both receivers',
    })
    const all = [...latencies.values()].flat().sort((a, b) => a - b)
    const f = (n: number): string => n.toFixed(2)
    console.info(
      `[latency ${name}] subscribe->first delivery ${f(firstDeliveredAt - subscribedAt)} ms; ` +
        `1000 events x 2 receivers (published in ${f(publishMs)} ms): ` +
        `p50 ${f(percentile(all, 50))} ms, p99 ${f(percentile(all, 99))} ms, max ${f(all.at(-1) ?? Number.NaN)} ms`,
    )
    expect(all).toHaveLength(2000)
    for (const db of receivers) expect(db.metrics().messaging.dropped).toBe(0)
  })
})
