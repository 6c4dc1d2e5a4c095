import { generateWallet } from '@depin/test-utils'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { describe, expect, it } from 'vitest'
import { createFarBandKeeper } from '../src/far-bands.js'
import { PEERING_DEFAULTS, planPeering } from '../src/latency.js'

const options = { ...PEERING_DEFAULTS, keepPerFarBand: 1, pingIntervalMs: 1_000 }
/** A far band is redialed after it has been short this long (REDIAL_AFTER_MIN_MS at these options). */
const REDIAL_AFTER_MS = 10_000
/** A clock far from 0 (redials are also spaced REDIAL_BACKOFF_MS from time 0). */
const T = 1_000_000

function keeper(rtts: Map<string, number>) {
  const dialed: PeerId[] = []
  const stop = new AbortController()
  const libp2p = {
    dial: async (peerId: PeerId) => {
      dialed.push(peerId)
      throw new Error('unreachable in this test')
    },
  } as unknown as Libp2p
  const counts = { farRedials: 0 }
  const far = createFarBandKeeper({
    libp2p,
    options,
    logger: { debug() {}, info() {}, warn() {}, error() {} } as never,
    stop: stop.signal,
    rttOf: (key) => rtts.get(key),
    counts,
  })
  return { far, dialed, counts, stop }
}

const peer = (): PeerId => generateWallet().identity.peerId
const plan = (rtts: Map<string, number>, connected: Map<string, PeerId>) =>
  planPeering(
    [...connected.keys()].map((peerId) => ({ peerId, rttMs: rtts.get(peerId) })),
    options,
  )

describe('far-band keeper: when it has anything to look at', () => {
  it('waits for nothing once every far band has its links; a band short of links is watched until redialed', async () => {
    const [near, far] = [peer(), peer()]
    // 2 ms: band 0 (near); 150 ms: band 4 (far).
    const rtts = new Map([
      [near.toString(), 2],
      [far.toString(), 150],
    ])
    const { far: keeping, dialed, counts, stop } = keeper(rtts)
    expect(keeping.waiting()).toBe(false)
    keeping.remember(near.toString(), near, T)
    keeping.remember(far.toString(), far, T)
    expect(keeping.waiting()).toBe(true)

    const both = new Map([
      [near.toString(), near],
      [far.toString(), far],
    ])
    keeping.keep(both, plan(rtts, both), T)
    expect(keeping.waiting()).toBe(false)
    // A fresher sample in the same band is no news.
    keeping.remember(far.toString(), far, T + 500)
    expect(keeping.waiting()).toBe(false)

    // The far peer leaves: its band is short, and stays watched while it waits to redial.
    const nearOnly = new Map([[near.toString(), near]])
    keeping.keep(nearOnly, plan(rtts, nearOnly), T + 1_000)
    expect(keeping.waiting()).toBe(true)
    expect(dialed).toEqual([])
    keeping.keep(nearOnly, plan(rtts, nearOnly), T + 1_000 + REDIAL_AFTER_MS)
    expect(dialed.map(String)).toEqual([far.toString()])
    expect(counts.farRedials).toBe(1)
    // The redial failed: the peer is forgotten, which is news for the next look.
    await new Promise((resolve) => setImmediate(resolve))
    expect(keeping.waiting()).toBe(true)
    keeping.keep(nearOnly, plan(rtts, nearOnly), T + 2_000 + REDIAL_AFTER_MS)
    expect(keeping.waiting()).toBe(false)
    stop.abort()
  })

  it('a remembered peer that moved to another band is news', () => {
    const p = peer()
    const rtts = new Map([[p.toString(), 2]])
    const { far: keeping } = keeper(rtts)
    keeping.remember(p.toString(), p, T)
    const connected = new Map([[p.toString(), p]])
    keeping.keep(connected, plan(rtts, connected), T)
    expect(keeping.waiting()).toBe(false)
    rtts.set(p.toString(), 150)
    keeping.remember(p.toString(), p, T + 100)
    expect(keeping.waiting()).toBe(true)
  })
})
