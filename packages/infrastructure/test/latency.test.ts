import { generateWallet } from '@depin/test-utils'
import { describe, expect, it } from 'vitest'
import { resolveNodeInit } from '../src/config-resolve.js'
import { InvalidNodeConfigError, NODE_DEFAULTS } from '../src/index.js'
import {
  MAX_RTT_BANDS,
  PEERING_DEFAULTS,
  type PeeringOptions,
  type PeerRtt,
  planPeering,
  type ResolvedPeeringOptions,
  rttBand,
  sampleChangesPlan,
} from '../src/latency.js'

const BANDS = PEERING_DEFAULTS.rttBandsMs // [10, 25, 50, 100, 200]

const identity = generateWallet().identity
/** The peering options as a node resolves them: they are checked with the rest of its NodeInit. */
const resolvePeeringOptions = (peering: unknown): ResolvedPeeringOptions =>
  resolveNodeInit({ identity, getBootstrapNodes: async () => [], peering: peering as PeeringOptions }).peering

describe('rttBand', () => {
  it('is the index of the first bound above the RTT; a bound belongs to the band above it', () => {
    expect(rttBand(0, BANDS)).toBe(0)
    expect(rttBand(9.99, BANDS)).toBe(0)
    expect(rttBand(10, BANDS)).toBe(1)
    expect(rttBand(40, BANDS)).toBe(2)
    expect(rttBand(90, BANDS)).toBe(3)
    expect(rttBand(150, BANDS)).toBe(4)
    expect(rttBand(200, BANDS)).toBe(5)
    expect(rttBand(10_000, BANDS)).toBe(5)
    expect(rttBand(3, [5])).toBe(0)
    expect(rttBand(7, [5])).toBe(1)
  })

  it('refuses an RTT that is no measurement', () => {
    for (const bad of [
      -1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '5' as unknown as number,
      undefined as unknown as number,
    ]) {
      expect(() => rttBand(bad, BANDS), String(bad)).toThrow(RangeError)
    }
  })
})

describe('NodeInit.peering', () => {
  it('applies the defaults, written once', () => {
    expect(resolvePeeringOptions(undefined)).toEqual(PEERING_DEFAULTS)
    expect(resolvePeeringOptions({})).toEqual(PEERING_DEFAULTS)
    expect(NODE_DEFAULTS.peering).toBe(PEERING_DEFAULTS)
    expect(PEERING_DEFAULTS).toEqual({
      latencyAware: true,
      rttBandsMs: [10, 25, 50, 100, 200],
      keepPerFarBand: 2,
      pingIntervalMs: 60_000,
    })
  })

  it('keeps valid settings', () => {
    expect(
      resolvePeeringOptions({
        latencyAware: true,
        rttBandsMs: [2.5, 30],
        keepPerFarBand: 3,
        pingIntervalMs: 100,
      }),
    ).toEqual({ latencyAware: true, rttBandsMs: [2.5, 30], keepPerFarBand: 3, pingIntervalMs: 100 })
  })

  it.each([
    ['peering', null],
    ['peering', 'on'],
    ['peering.latencyAware', { latencyAware: 'yes' }],
    ['peering.keepPerFarBand', { keepPerFarBand: 0 }],
    ['peering.keepPerFarBand', { keepPerFarBand: -1 }],
    ['peering.keepPerFarBand', { keepPerFarBand: 1.5 }],
    ['peering.keepPerFarBand', { keepPerFarBand: '2' }],
    ['peering.pingIntervalMs', { pingIntervalMs: 99 }],
    ['peering.pingIntervalMs', { pingIntervalMs: Number.NaN }],
    ['peering.pingIntervalMs', { pingIntervalMs: '60000' }],
    ['peering.rttBandsMs', { rttBandsMs: [] }],
    ['peering.rttBandsMs', { rttBandsMs: 10 }],
    ['peering.rttBandsMs', { rttBandsMs: Array.from({ length: MAX_RTT_BANDS + 1 }, (_, i) => i + 1) }],
    ['peering.rttBandsMs[1]', { rttBandsMs: [10, 10] }],
    ['peering.rttBandsMs[1]', { rttBandsMs: [25, 10] }],
    ['peering.rttBandsMs[0]', { rttBandsMs: [0, 10] }],
    ['peering.rttBandsMs[0]', { rttBandsMs: [-5] }],
    ['peering.rttBandsMs[1]', { rttBandsMs: [10, Number.POSITIVE_INFINITY] }],
    ['peering.rttBandsMs[0]', { rttBandsMs: ['10'] }],
  ])('refuses a bad %s: %j', (field, value) => {
    let error: unknown
    try {
      resolvePeeringOptions(value as never)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(InvalidNodeConfigError)
    expect((error as InvalidNodeConfigError).field).toBe(field)
  })

  it('is checked with the rest of the node config', () => {
    const init = { identity: generateWallet().identity, getBootstrapNodes: async () => [] }
    expect(resolveNodeInit(init).peering).toEqual(PEERING_DEFAULTS)
    expect(() => resolveNodeInit({ ...init, peering: { keepPerFarBand: 0 } })).toThrow(
      /peering\.keepPerFarBand/,
    )
  })
})

/** Peers of a node in region a: `n` per region at the given RTTs (ms), with a little spread. */
function regions(rtts: Record<string, number>, n: number): PeerRtt[] {
  return Object.entries(rtts).flatMap(([region, rtt]) =>
    Array.from({ length: n }, (_, i) => ({ peerId: `${region}${i}`, rttMs: rtt + i * 0.5 })),
  )
}

describe('planPeering', () => {
  const options = { rttBandsMs: BANDS, keepPerFarBand: 2 }

  it('prefers every near peer and the lowest-RTT ones of each far band', () => {
    const plan = planPeering(regions({ a: 5, b: 40, c: 150 }, 4), options)
    expect(plan.nearBand).toBe(0)
    expect([...plan.near].sort()).toEqual(['a0', 'a1', 'a2', 'a3'])
    expect([...plan.keptFar].sort()).toEqual(['b0', 'b1', 'c0', 'c1'])
    expect([...plan.preferred].sort()).toEqual(['a0', 'a1', 'a2', 'a3', 'b0', 'b1', 'c0', 'c1'])
    expect(plan.farBands).toEqual([2, 4])
    expect(plan.bands.get('c3')).toBe(4)
  })

  it('counts the band after the nearest as near too (a site straddling a bound under load)', () => {
    const plan = planPeering(
      [
        { peerId: 'x', rttMs: 6 },
        { peerId: 'y', rttMs: 14 },
        { peerId: 'z', rttMs: 40 },
      ],
      options,
    )
    expect([...plan.near].sort()).toEqual(['x', 'y'])
    expect([...plan.keptFar]).toEqual(['z'])
  })

  it('makes the nearest peers near when a node is alone in its region', () => {
    const plan = planPeering(regions({ b: 40, c: 150 }, 3), options)
    expect(plan.nearBand).toBe(2)
    // 40 ms is band 2, the next band (50-100 ms) is near too; 150 ms is far.
    expect([...plan.near].sort()).toEqual(['b0', 'b1', 'b2'])
    expect([...plan.keptFar].sort()).toEqual(['c0', 'c1'])
  })

  it('leaves peers without an RTT out of every set', () => {
    const plan = planPeering(
      [
        { peerId: 'new', rttMs: undefined },
        { peerId: 'near', rttMs: 3 },
      ],
      options,
    )
    expect([...plan.preferred]).toEqual(['near'])
    expect(plan.bands.has('new')).toBe(false)
    expect(planPeering([{ peerId: 'new', rttMs: undefined }], options).nearBand).toBeUndefined()
    expect(planPeering([], options)).toMatchObject({ nearBand: undefined, farBands: [] })
  })

  it('breaks RTT ties by PeerId, so a plan does not flip between equal peers', () => {
    const peers = ['c9', 'c1', 'c5'].map((peerId) => ({ peerId, rttMs: 150 }))
    const plan = planPeering([{ peerId: 'a', rttMs: 5 }, ...peers], { rttBandsMs: BANDS, keepPerFarBand: 1 })
    expect([...plan.keptFar]).toEqual(['c1'])
    expect([
      ...planPeering([{ peerId: 'a', rttMs: 5 }, ...peers.reverse()], {
        rttBandsMs: BANDS,
        keepPerFarBand: 1,
      }).keptFar,
    ]).toEqual(['c1'])
  })

  it('keeps min(keepPerFarBand, peers in it) of every far band, whatever the mix (no band is cut off)', () => {
    // A seeded PRNG: random regions, sizes and RTTs, the same every run.
    let seed = 18
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed / 2_147_483_648
    }
    for (let run = 0; run < 500; run++) {
      const peers: PeerRtt[] = []
      const count = Math.floor(next() * 40)
      for (let i = 0; i < count; i++) {
        peers.push({ peerId: `p${i}`, rttMs: next() < 0.1 ? undefined : next() * 400 })
      }
      const keepPerFarBand = 1 + Math.floor(next() * 3)
      const plan = planPeering(peers, { rttBandsMs: BANDS, keepPerFarBand })
      const perBand = new Map<number, string[]>()
      for (const [peerId, band] of plan.bands) perBand.set(band, [...(perBand.get(band) ?? []), peerId])
      for (const [band, members] of perBand) {
        const kept = members.filter((p) => plan.preferred.has(p)).length
        if (plan.nearBand !== undefined && band < plan.nearBand + 2) {
          expect(kept, `near band ${band}`).toBe(members.length)
        } else {
          expect(kept, `far band ${band} (run ${run})`).toBe(Math.min(keepPerFarBand, members.length))
        }
      }
      for (const p of plan.keptFar) expect(plan.near.has(p)).toBe(false)
    }
  })
})

describe('sampleChangesPlan', () => {
  const bounds = PEERING_DEFAULTS.rttBandsMs // 10, 25, 50, 100, 200
  const plan = { nearBand: 0 } // near: bands 0 and 1 (under 25 ms); far: 2 and up

  it('a first or confirming sample, or a move to another band, changes the plan', () => {
    expect(sampleChangesPlan(plan, undefined, 7, false, bounds)).toBe(true)
    expect(sampleChangesPlan(plan, 7, 7, true, bounds)).toBe(true)
    expect(sampleChangesPlan(plan, 7, 12, false, bounds)).toBe(true)
    expect(sampleChangesPlan(plan, 60, 40, false, bounds)).toBe(true)
  })

  it("a near peer's RTT moving within its band does not; a far peer's does (the kept ones are the lowest)", () => {
    expect(sampleChangesPlan(plan, 12, 20, false, bounds)).toBe(false)
    expect(sampleChangesPlan(plan, 3, 3, false, bounds)).toBe(false)
    expect(sampleChangesPlan(plan, 60, 80, false, bounds)).toBe(true)
    expect(sampleChangesPlan({ nearBand: undefined }, 12, 20, false, bounds)).toBe(true)
  })
})
