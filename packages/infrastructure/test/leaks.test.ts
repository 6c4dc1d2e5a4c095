import { waitFor } from '@depin/test-utils'
import { describe, expect, it } from 'vitest'
import { bootstrapEntryOf, createTestNetwork } from './helpers.js'

// Run with --expose-gc (vitest.config.ts execArgv): @chainsafe/libp2p-quic releases its client UDP
// sockets only when they are garbage collected, and libp2p keeps one timer ~1 s after stop.

function resources(): string[] {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.getActiveResourcesInfo().sort()
}

// Ref'd timers: none of ours may survive stop(). The baseline can hold a transient one of the test
// runner's, which would mask a leaked timer, so timers are compared with zero, not with the baseline.
function withoutTimers(list: string[]): string[] {
  return list.filter((r) => r !== 'Timeout')
}

function difference(now: string[], baseline: string[]): string[] {
  const left = [...baseline]
  const extra: string[] = []
  for (const r of now) {
    const i = left.indexOf(r)
    if (i === -1) extra.push(r)
    else left.splice(i, 1)
  }
  return extra
}

describe('stop()', () => {
  it('leaves no timers, sockets or listeners behind (QUIC, TCP, relay, retry loop, rendezvous)', async () => {
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('function')
    const baseline = withoutTimers(resources())
    const net = createTestNetwork()
    try {
      const a = await net.start({ name: 'leak-a' })
      const b = await net.start({ name: 'leak-b', bootstrap: [bootstrapEntryOf(a.node)] })
      const c = await net.start({
        name: 'leak-c',
        bootstrap: [bootstrapEntryOf(a.node)],
        init: { transports: { quic: false } },
      })
      // A node whose retry loop is running when it stops.
      const lonely = await net.start({ name: 'leak-lonely' })
      await waitFor(() => b.node.isReady() && c.node.isReady(), { message: 'b and c ready' })
      await waitFor(() => lonely.node.metrics().retryAttempts > 0, { message: 'the lonely node retrying' })
      expect(difference(resources(), baseline).length).toBeGreaterThan(0)
    } finally {
      await net.stopAll()
    }
    await net.stopAll() // idempotent
    const leftover = await waitFor(
      () => {
        const extra = difference(resources(), baseline)
        return extra.length === 0 ? [] : undefined
      },
      { timeoutMs: 10_000, intervalMs: 100, message: 'active resources back to the baseline' },
    ).catch(() => difference(resources(), baseline))
    expect(leftover).toEqual([])
  })
})
