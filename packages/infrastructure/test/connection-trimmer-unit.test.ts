import { noopLogger } from '@depin/logger'
import { waitFor } from '@depin/test-utils'
import type { Libp2p } from '@libp2p/interface'
import { afterEach, expect, it } from 'vitest'
import { createConnectionTrimmer } from '../src/connection-trimmer.js'

interface FakeConnection {
  id: string
  status: 'open' | 'closed'
  remotePeer: { toString(): string }
  streams: never[]
  timeline: { open: number }
  close(): Promise<void>
  abort(): void
}

/** A libp2p with only what the trimmer reads: connections (slow to close), untagged peers, events. */
function fakeLibp2p(closeMs: number) {
  const events = new EventTarget()
  const connections: FakeConnection[] = []
  const add = (id: string, openedAgoMs: number): FakeConnection => {
    const connection: FakeConnection = {
      id,
      status: 'open',
      remotePeer: { toString: () => id },
      streams: [],
      timeline: { open: Date.now() - openedAgoMs },
      close: () =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            connection.status = 'closed'
            resolve()
          }, closeMs),
        ),
      abort: () => {
        connection.status = 'closed'
      },
    }
    connections.push(connection)
    return connection
  }
  const libp2p = {
    getConnections: () => connections.filter((c) => c.status === 'open'),
    peerStore: { get: async () => ({ tags: new Map() }) },
    addEventListener: events.addEventListener.bind(events),
    removeEventListener: events.removeEventListener.bind(events),
  }
  return { libp2p: libp2p as unknown as Libp2p, events, add, open: () => libp2p.getConnections().length }
}

const stops: Array<() => void> = []
afterEach(() => {
  for (const stop of stops.splice(0)) stop()
})

it('trims again when the grace-period retry fires while an earlier trim is still closing connections', async () => {
  // Two old connections and three young ones, band 1-3, closes that take 400 ms: the first trim can
  // only close the two old ones; the retry for the young ones fires (after 100 ms) while those
  // closes are still running. It used to be dropped, leaving 3 connections (= high) open for good.
  const fake = fakeLibp2p(400)
  fake.add('old-1', 10_000)
  fake.add('old-2', 10_000)
  fake.add('young-1', 0)
  fake.add('young-2', 0)
  fake.add('young-3', 0)
  const trimmer = createConnectionTrimmer({
    libp2p: fake.libp2p,
    low: 1,
    high: 3,
    gracePeriodMs: 100,
    logger: noopLogger,
  })
  trimmer.start()
  stops.push(() => trimmer.stop())
  fake.events.dispatchEvent(new CustomEvent('connection:open'))
  await waitFor(() => fake.open() === 3, { timeoutMs: 2_000, message: 'the old connections closed' })
  await waitFor(() => fake.open() === 1, { timeoutMs: 3_000, message: 'trimmed down to low (1)' })
  expect(fake.open()).toBe(1)
})

it('finishes a trim down to low when the young connections that held it leave their grace period at different times', async () => {
  // Band 1-3, three connections: one old, two young whose grace periods end 300 ms apart. The
  // first retry can close only the connection that aged first, which leaves 2 (below high); the
  // trim must still go on to low once the last one is old enough. It used to stop at 2 for good
  // (seen as a CI flake when a loaded machine spread two dials apart).
  const fake = fakeLibp2p(0)
  fake.add('old', 10_000)
  fake.add('young-early', 0)
  fake.add('young-late', -300)
  const trimmer = createConnectionTrimmer({
    libp2p: fake.libp2p,
    low: 1,
    high: 3,
    gracePeriodMs: 200,
    logger: noopLogger,
  })
  trimmer.start()
  stops.push(() => trimmer.stop())
  fake.events.dispatchEvent(new CustomEvent('connection:open'))
  await waitFor(() => fake.open() === 1, { timeoutMs: 3_000, message: 'trimmed down to low (1)' })
  expect(fake.open()).toBe(1)
})
