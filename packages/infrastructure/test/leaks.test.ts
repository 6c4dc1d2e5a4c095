import { existsSync, readdirSync, readlinkSync } from 'node:fs'
import { waitFor } from '@depin/test-utils'
import { describe, expect, it } from 'vitest'
import { bootstrapEntryOf, createTestNetwork } from './helpers.js'

// Run with --expose-gc (vitest.config.ts execArgv): @chainsafe/libp2p-quic releases its client UDP
// sockets only when they are garbage collected (checked: without gc() they stay open), and libp2p
// keeps one timer ~1 s after stop.

function resources(): string[] {
  ;(globalThis as { gc?: () => void }).gc?.()
  // QUIC's sockets live in native code (napi), invisible to getActiveResourcesInfo: count the
  // process's socket file descriptors too (Linux).
  return [...process.getActiveResourcesInfo(), ...socketFds()].sort()
}

function socketFds(): string[] {
  if (!existsSync('/proc/self/fd')) return []
  const sockets: string[] = []
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) sockets.push('socket fd')
    } catch {
      // closed while listing
    }
  }
  return sockets
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
  it('leaves no timers, sockets or listeners behind (QUIC, TCP, relay, retry loop, rendezvous)', {
    timeout: 60_000,
  }, async () => {
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
    // Timers and Node handles (TCP servers and sockets) go at once.
    const handles = () => difference(resources(), baseline).filter((r) => r !== 'socket fd')
    const leftHandles = await waitFor(() => (handles().length === 0 ? [] : undefined), {
      timeoutMs: 5_000,
      intervalMs: 100,
      message: 'timers and handles back to the baseline',
    }).catch(handles)
    expect(leftHandles).toEqual([])
    // A QUIC client UDP socket (native, seen only as a file descriptor) can outlive stop() by ~10 s
    // when a dial to a peer that was stopping at the same moment is still in its handshake.
    const leftSockets = await waitFor(
      () => (difference(resources(), baseline).length === 0 ? [] : undefined),
      {
        timeoutMs: 20_000,
        intervalMs: 200,
        message: 'socket file descriptors back to the baseline',
      },
    ).catch(() => difference(resources(), baseline))
    expect(leftSockets).toEqual([])
  })
})
