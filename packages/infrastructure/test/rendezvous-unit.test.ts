import { walletToPeerId } from '@depin/identity'
import { createCounts } from '@depin/metrics-schema'
import { generateWallet } from '@depin/test-utils'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createRendezvous, type Rendezvous } from '../src/rendezvous.js'
import { RENDEZVOUS_METRICS } from '../src/rendezvous-metrics.js'
import { createTestLogger } from './helpers.js'

// The lookup schedule against a stand-in DHT that answers at once, on fake timers: when each lookup
// starts, whatever the machine's load.
const running: Rendezvous[] = []
beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()))
  vi.useRealTimers()
})

/** `reaches()` says whether an advertisement reaches a peer (false: the routing table is empty). */
function standIn(
  providers: () => PeerId[],
  reaches: () => boolean = () => true,
  walk: () => Promise<void> = async () => {},
  enoughPeers?: () => boolean,
) {
  const lookups: number[] = []
  const advertisements: number[] = []
  const dials: string[] = []
  const connected = new Set<string>()
  const dht = {
    async *findProviders() {
      lookups.push(Date.now())
      yield { name: 'PROVIDER', providers: providers().map((id) => ({ id, multiaddrs: [] })) }
    },
    async *provide() {
      advertisements.push(Date.now())
      await walk()
      if (reaches()) yield { name: 'PEER_RESPONSE', messageName: 'ADD_PROVIDER' }
    },
    async cancelReprovide() {},
  } as unknown as KadDHT
  const libp2p = {
    peerId: walletToPeerId(generateWallet().wallet),
    getConnections: (peer: PeerId) => (connected.has(peer.toString()) ? [{}] : []),
    peerStore: { merge: async () => {} },
    dial: async (peer: PeerId) => {
      dials.push(peer.toString())
      connected.add(peer.toString())
    },
  } as unknown as Libp2p
  const counters = createCounts(RENDEZVOUS_METRICS)
  const rendezvous = createRendezvous({
    libp2p,
    dhts: [dht],
    namespace: 'p2p-database-discovery_unit',
    findIntervalMs: 100,
    maxFindIntervalMs: 800,
    advertiseIntervalMs: 3_600_000,
    dialTimeoutMs: 1_000,
    logger: createTestLogger('rdv'),
    counters,
    ...(enoughPeers === undefined ? {} : { enoughPeers }),
  })
  running.push(rendezvous)
  return { rendezvous, lookups, dials, advertisements, counters }
}

const gaps = (times: number[]): number[] => times.slice(1).map((t, i) => t - (times[i] as number))

describe('rendezvous lookup backoff', () => {
  it('doubles the wait after each lookup that finds nobody new, up to maxFindIntervalMs', async () => {
    const { rendezvous, lookups } = standIn(() => [])
    await rendezvous.start()
    await vi.advanceTimersByTimeAsync(5_000)
    // The wait set when a lookup starts is the one its predecessor left: 100, 200, 400, 800, 800...
    expect(gaps(lookups).slice(0, 6)).toEqual([100, 200, 400, 800, 800, 800])
    expect(lookups.length).toBeLessThan(12)
  })

  it('findNow() looks at once and brings the wait back to findIntervalMs', async () => {
    const { rendezvous, lookups } = standIn(() => [])
    await rendezvous.start()
    await vi.advanceTimersByTimeAsync(3_000)
    const before = lookups.length
    rendezvous.findNow()
    await vi.advanceTimersByTimeAsync(0)
    expect(lookups.length).toBe(before + 1)
    const resetAt = lookups.at(-1) as number
    await vi.advanceTimersByTimeAsync(1_000)
    expect(gaps(lookups.filter((t) => t >= resetAt)).slice(0, 3)).toEqual([100, 200, 400])
  })

  it('a lookup that finds someone new to dial keeps the base interval', async () => {
    // A new provider on every lookup (a network still growing): every lookup dials, none backs off.
    const { rendezvous, lookups, dials } = standIn(() => [walletToPeerId(generateWallet().wallet)])
    await rendezvous.start()
    await vi.advanceTimersByTimeAsync(1_000)
    const n = lookups.length
    expect(n).toBeGreaterThanOrEqual(9)
    expect(new Set(gaps(lookups))).toEqual(new Set([100]))
    expect(dials.length).toBe(n)
  })
})

/**
 * A rendezvous whose advertisements reach a peer only while `table.peers > 0` (its routing table),
 * and whose database has enough peers while `table.enough`.
 */
async function advertiser(walk?: () => Promise<void>) {
  const table = { peers: 0, enough: false }
  const standing = standIn(
    () => [],
    () => table.peers > 0,
    walk,
    () => table.enough,
  )
  await standing.rendezvous.start()
  return { ...standing, table }
}

/** The times of `times` from its `from`-th on, counted from that one. */
const since = (times: number[], from = 0): number[] =>
  times.slice(from).map((t) => t - (times[from] as number))

describe('rendezvous advertisements', () => {
  it('an advertisement that reached nobody is retried, less often while they keep failing, until one reaches a peer', async () => {
    const { advertisements, table } = await advertiser()
    await vi.advanceTimersByTimeAsync(3_100)
    // Waits of findIntervalMs (100), doubling up to maxFindIntervalMs (800).
    expect(since(advertisements)).toEqual([0, 100, 300, 700, 1_500, 2_300, 3_100])
    table.peers = 1
    await vi.advanceTimersByTimeAsync(800)
    expect(advertisements).toHaveLength(8)
    await vi.advanceTimersByTimeAsync(5_000)
    expect(advertisements).toHaveLength(8)
  })

  it('after an advertisement reaches a peer, the next failing one is retried after findIntervalMs again', async () => {
    const { rendezvous, advertisements, table } = await advertiser()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(advertisements).toHaveLength(4)
    table.peers = 1
    await vi.advanceTimersByTimeAsync(800)
    expect(advertisements).toHaveLength(5)
    // The network emptied (a partition); the node, ready again, advertises; nobody takes it.
    table.peers = 0
    const before = advertisements.length
    rendezvous.advertiseNow()
    await vi.advanceTimersByTimeAsync(350)
    expect(since(advertisements, before)).toEqual([0, 100, 300])
  })

  it('a failed advertisement is not retried while the database has enough peers, and is once it lacks them', async () => {
    const { advertisements, table, counters } = await advertiser()
    await vi.advanceTimersByTimeAsync(10)
    expect(advertisements).toHaveLength(1)
    // The node holds targetPeers of its database: the retries (100, 200, 400, 800, 800 ms later) walk nowhere.
    table.enough = true
    await vi.advanceTimersByTimeAsync(2_300)
    expect(advertisements).toHaveLength(1)
    expect(counters.rendezvousAdvertiseRetriesSkipped).toBe(5)
    // Short of peers again: the next retry (at most maxFindIntervalMs later) walks.
    table.enough = false
    await vi.advanceTimersByTimeAsync(800)
    expect(advertisements).toHaveLength(2)
  })

  it('advertising at once (the node became ready) replaces the pending retry: one walk, not two', async () => {
    const { rendezvous, advertisements, table } = await advertiser()
    await vi.advanceTimersByTimeAsync(10)
    expect(advertisements).toHaveLength(1)
    // Ready: the bootstrap node is in the table, and the node advertises again at once.
    table.peers = 1
    rendezvous.advertiseNow()
    await vi.advanceTimersByTimeAsync(5_000)
    // Before, the retry of the first advertisement walked to the same peers again 100 ms later.
    expect(advertisements).toHaveLength(2)
  })

  it('asked while an advertisement is in flight that then reaches nobody: advertises again at once', async () => {
    let endWalk = (): void => {}
    const { rendezvous, advertisements, table } = await advertiser(
      () => new Promise<void>((resolve) => (endWalk = resolve)),
    )
    await vi.advanceTimersByTimeAsync(10)
    expect(advertisements).toHaveLength(1)
    rendezvous.advertiseNow()
    endWalk()
    await vi.advanceTimersByTimeAsync(10)
    // Not 100 ms later (the retry), but as soon as the walk in flight ended with nobody reached.
    expect(advertisements).toHaveLength(2)
    table.peers = 1
    endWalk()
    await vi.advanceTimersByTimeAsync(5_000)
    expect(advertisements).toHaveLength(2)
  })
})
