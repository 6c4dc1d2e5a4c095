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

/**
 * A libp2p with only what the trimmer reads: connections (slow to close), peers' tags (`tag(id,
 * value)`; untagged otherwise), events.
 */
function fakeLibp2p(closeMs: number) {
  const events = new EventTarget()
  const connections: FakeConnection[] = []
  const tags = new Map<string, Map<string, { value: number }>>()
  const tag = (id: string, value: number): void => {
    tags.set(id, new Map([['test-tag', { value }]]))
  }
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
    peerStore: {
      get: async (peer: { toString(): string }) => ({ tags: tags.get(peer.toString()) ?? new Map() }),
    },
    addEventListener: events.addEventListener.bind(events),
    removeEventListener: events.removeEventListener.bind(events),
  }
  return {
    libp2p: libp2p as unknown as Libp2p,
    events,
    add,
    tag,
    open: () => libp2p.getConnections().length,
    openIds: () => libp2p.getConnections().map((c) => c.id),
  }
}

const stops: Array<() => void> = []
afterEach(() => {
  for (const stop of stops.splice(0)) stop()
})

/** Starts a trimmer over `fake` (stopped after the test) and tells it a connection opened. */
function startTrimmer(
  fake: ReturnType<typeof fakeLibp2p>,
  init: Omit<Parameters<typeof createConnectionTrimmer>[0], 'libp2p' | 'logger'>,
): void {
  const trimmer = createConnectionTrimmer({ libp2p: fake.libp2p, logger: noopLogger, ...init })
  trimmer.start()
  stops.push(() => trimmer.stop())
  fake.events.dispatchEvent(new CustomEvent('connection:open'))
}

it('trims again when the grace-period retry fires while an earlier trim is still closing connections', async () => {
  // Two old connections and three young ones, band 1-3, closes that take 400 ms: the first trim can
  // only close the two old ones (untagged, so they may make room for the young); the retry for the
  // young ones fires (after 100 ms) while those closes are still running. It used to be dropped,
  // leaving 3 connections (= high) open for good.
  const fake = fakeLibp2p(400)
  fake.add('old-1', 10_000)
  fake.add('old-2', 10_000)
  fake.add('young-1', 0)
  fake.add('young-2', 0)
  fake.add('young-3', 0)
  startTrimmer(fake, { low: 1, high: 3, gracePeriodMs: 100 })
  await waitFor(() => fake.open() === 3, { timeoutMs: 2_000, message: 'the old connections closed' })
  await waitFor(() => fake.open() === 1, { timeoutMs: 3_000, message: 'trimmed down to low (1)' })
  expect(fake.open()).toBe(1)
})

it('keeps its GossipSub mesh peers when many young connections arrive, and trims the young once they are judged', async () => {
  // Band 3-6: three old connections to mesh peers (tagged 100, as GossipSub tags them) and five new
  // ones (a burst of dials, untagged). Making room for the young with any old connection made the
  // trimmer close all three mesh peers at once (the only ones past their grace period), cutting the
  // node off its topic.
  const fake = fakeLibp2p(0)
  for (const id of ['mesh-1', 'mesh-2', 'mesh-3']) {
    fake.add(id, 10_000)
    fake.tag(id, 100)
  }
  for (let i = 1; i <= 5; i++) fake.add(`new-${i}`, 0)
  const trims: number[] = []
  startTrimmer(fake, {
    low: 3,
    high: 6,
    gracePeriodMs: 300,
    meshPeers: () => new Set(['mesh-1', 'mesh-2', 'mesh-3']),
    onTrimmed: (closed) => trims.push(closed),
  })
  await waitFor(() => fake.open() === 3, { timeoutMs: 3_000, message: 'trimmed down to low (3)' })
  expect(fake.openIds().sort()).toEqual(['mesh-1', 'mesh-2', 'mesh-3'])
  // What the node counts as trimmed: the five young ones, none of the mesh peers.
  expect(trims.reduce((a, b) => a + b, 0)).toBe(5)
})

it('makes room for young connections with old ones outside the mesh, never with mesh peers', async () => {
  // Band 2-4: two old mesh peers (tagged 100), two old peers outside the mesh, two young. The trim
  // closes the two outside the mesh (the least valuable; closing them also makes room for the
  // young), keeps both mesh peers, and leaves the young to be judged after their grace period.
  const fake = fakeLibp2p(0)
  for (const id of ['mesh-a', 'mesh-b']) {
    fake.add(id, 120_000)
    fake.tag(id, 100)
  }
  fake.add('other-1', 120_000)
  fake.add('other-2', 120_000)
  fake.add('young-1', 0)
  fake.add('young-2', 0)
  startTrimmer(fake, {
    low: 2,
    high: 4,
    gracePeriodMs: 60_000,
    meshPeers: () => new Set(['mesh-a', 'mesh-b']),
  })
  await waitFor(() => fake.open() === 4, {
    timeoutMs: 2_000,
    message: 'the two peers outside the mesh closed',
  })
  expect(fake.openIds().sort()).toEqual(['mesh-a', 'mesh-b', 'young-1', 'young-2'])
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
  startTrimmer(fake, { low: 1, high: 3, gracePeriodMs: 200 })
  await waitFor(() => fake.open() === 1, { timeoutMs: 3_000, message: 'trimmed down to low (1)' })
  expect(fake.open()).toBe(1)
})
