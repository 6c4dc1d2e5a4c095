import { describe, expect, expectTypeOf, test } from 'vitest'
import {
  type CountsOf,
  counter,
  countsBy,
  createCounts,
  each,
  field,
  flag,
  gauge,
  oneHot,
  type ReadsOf,
  type SnapshotOf,
  seconds,
  snapshotOf,
} from '../src/index.js'

const REASONS = ['too-large', 'not-json'] as const

const INNER = {
  /** Pings sent. */
  pings: counter('inner_pings_total', 'Pings sent.'),
  median: seconds<number | null>('inner_rtt_seconds', 'Median RTT.'),
}

const GROUP = {
  ready: flag('ready', '1 when ready.'),
  peers: gauge('peers', 'Connected peers.'),
  published: counter('published_total', 'Events published.'),
  rejected: countsBy('rejected_total', 'Rejected, by reason.', 'reason', REASONS),
  rejectedTotal: field<number>(),
  mode: gauge<'server' | 'client'>('server', '1 in server mode.', (mode) => (mode === 'server' ? 1 : 0)),
  nat: oneHot('nat_type', 'NAT type.', 'type', ['public', 'symmetric'] as const),
  mapped: each('mapped', 'Mapped sockets.', 'address'),
  inner: INNER,
}

describe('declarations', () => {
  test('the snapshot, counts and reads types are derived from the group', () => {
    expectTypeOf<SnapshotOf<typeof GROUP>>().toEqualTypeOf<{
      ready: boolean
      peers: number
      published: number
      rejected: Record<'too-large' | 'not-json', number>
      rejectedTotal: number
      mode: 'server' | 'client'
      nat: 'public' | 'symmetric'
      mapped: string[]
      inner: { pings: number; median: number | null }
    }>()
    expectTypeOf<CountsOf<typeof GROUP>>().toEqualTypeOf<{
      published: number
      rejected: Record<'too-large' | 'not-json', number>
    }>()
    expectTypeOf<keyof ReadsOf<typeof GROUP>>().toEqualTypeOf<
      'ready' | 'peers' | 'rejectedTotal' | 'mode' | 'nat' | 'mapped' | 'inner'
    >()
  })

  test('createCounts starts every count at zero, nested groups keep their own', () => {
    expect(createCounts(GROUP)).toEqual({ published: 0, rejected: { 'too-large': 0, 'not-json': 0 } })
    expect(createCounts(INNER)).toEqual({ pings: 0 })
  })

  test('snapshotOf follows the group key order and copies the counts', () => {
    const counts = createCounts(GROUP)
    counts.published++
    counts.rejected['not-json'] += 2
    const inner = snapshotOf(INNER, createCounts(INNER), { median: null })
    const snapshot = snapshotOf(GROUP, counts, {
      ready: true,
      peers: 3,
      rejectedTotal: 2,
      mode: 'client',
      nat: 'symmetric',
      mapped: ['/ip4/203.0.113.7/udp/4001'],
      inner,
    })
    expect(Object.keys(snapshot)).toEqual(Object.keys(GROUP))
    expect(snapshot.rejected).toEqual({ 'too-large': 0, 'not-json': 2 })
    counts.rejected['not-json']++
    counts.published++
    expect(snapshot.rejected['not-json']).toBe(2)
    expect(snapshot.published).toBe(1)
    expect(snapshot.inner).toEqual({ pings: 0, median: null })
  })

  test('each helper turns its value into Prometheus samples', () => {
    expect(GROUP.ready.metric?.samples(true)).toEqual([[{}, 1]])
    expect(GROUP.ready.metric?.samples(false)).toEqual([[{}, 0]])
    expect(GROUP.peers.metric?.samples(4)).toEqual([[{}, 4]])
    expect(GROUP.published.metric?.type).toBe('counter')
    expect(GROUP.rejected.metric?.samples({ 'too-large': 1, 'not-json': 2 })).toEqual([
      [{ reason: 'too-large' }, 1],
      [{ reason: 'not-json' }, 2],
    ])
    expect(GROUP.mode.metric?.samples('server')).toEqual([[{}, 1]])
    expect(GROUP.nat.metric?.samples('symmetric')).toEqual([
      [{ type: 'public' }, 0],
      [{ type: 'symmetric' }, 1],
    ])
    expect(GROUP.mapped.metric?.samples(['a', 'b'])).toEqual([
      [{ address: 'a' }, 1],
      [{ address: 'b' }, 1],
    ])
    expect(INNER.median.metric?.samples(1500)).toEqual([[{}, 1.5]])
    expect(INNER.median.metric?.samples(null)).toEqual([])
    expect(seconds('t', 'T.').metric?.samples(undefined)).toEqual([])
    expect(GROUP.rejectedTotal.metric).toBeUndefined()
  })
})
