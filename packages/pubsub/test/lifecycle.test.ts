import { generateWallets, waitFor } from '@depin/test-utils'
import { describe, expect, it } from 'vitest'
import { connect } from '../src/index.js'
import { bootstrapEntryOf, createInMemoryRegistry, testConfig } from './fixtures/network.js'

// Resources that would keep a process alive or leak: sockets, servers, timers.
const WATCHED = /TCP|UDP|Pipe|Timeout|Immediate|Interval/i

function watchedResources(): string[] {
  return process.getActiveResourcesInfo().filter((name) => WATCHED.test(name))
}

describe('disconnect()', () => {
  it('is idempotent and leaves no sockets or timers behind', async () => {
    const before = watchedResources().length
    const [a, b] = generateWallets(2)
    const registry = createInMemoryRegistry([a!.wallet, b!.wallet])
    const dbA = await connect(testConfig(a!, 'life', registry))
    const dbB = await connect(testConfig(b!, 'life', registry, [bootstrapEntryOf(dbA, a!.wallet)]))
    try {
      await dbB.waitUntilReady({ signal: AbortSignal.timeout(10_000) })
      await dbA.subscribe('t', () => {})
      await dbB.waitForTopicPeers('t', { timeoutMs: 10_000 })
      await dbB.publish('t', 1)
      expect(watchedResources().length).toBeGreaterThan(before)
    } finally {
      await Promise.all([dbA.disconnect(), dbB.disconnect()])
    }
    await dbA.disconnect()
    await dbB.disconnect()
    expect(dbA.isReady()).toBe(false)
    const gc = (globalThis as { gc?: () => void }).gc
    await waitFor(
      () => {
        gc?.()
        return watchedResources().length <= before
      },
      {
        timeoutMs: 5_000,
        intervalMs: 100,
        message: `resources back to ${before}: ${watchedResources().join(', ')}`,
      },
    )
  })
})
