import { walletToPeerId } from '@depin/identity'
import { createCounts } from '@depin/metrics-schema'
import { generateWallet } from '@depin/test-utils'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createRendezvous, RENDEZVOUS_METRICS, type Rendezvous } from '../src/rendezvous.js'
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

function standIn(providers: () => PeerId[]) {
  const lookups: number[] = []
  const dials: string[] = []
  const connected = new Set<string>()
  const dht = {
    async *findProviders() {
      lookups.push(Date.now())
      yield { name: 'PROVIDER', providers: providers().map((id) => ({ id, multiaddrs: [] })) }
    },
    async *provide() {},
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
  const rendezvous = createRendezvous({
    libp2p,
    dhts: [dht],
    namespace: 'p2p-database-discovery_unit',
    findIntervalMs: 100,
    maxFindIntervalMs: 800,
    advertiseIntervalMs: 3_600_000,
    dialTimeoutMs: 1_000,
    logger: createTestLogger('rdv'),
    counters: createCounts(RENDEZVOUS_METRICS),
  })
  running.push(rendezvous)
  return { rendezvous, lookups, dials }
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
