import { describe, expect, test } from 'vitest'
import { MESH_PROBE_SENDERS, PROBE_DELIVERIES_PER_S, probeRate, probeSenders } from '../src/mesh-check.js'

describe('the mesh check', () => {
  test('every member probes in a network of up to 100', () => {
    const members = Array.from({ length: MESH_PROBE_SENDERS }, (_, i) => i)
    expect(probeSenders(members)).toEqual(members)
  })

  test('beyond 100 members, 100 probe, spread over the start order with the first and the last', () => {
    const members = Array.from({ length: 1000 }, (_, i) => i)
    const senders = probeSenders(members)
    expect(senders).toHaveLength(MESH_PROBE_SENDERS)
    expect(new Set(senders).size).toBe(MESH_PROBE_SENDERS)
    expect(senders[0]).toBe(0)
    expect(senders.at(-1)).toBe(999)
    // Every start batch of 25 has probing members.
    for (let batch = 0; batch < 1000; batch += 25)
      expect(senders.filter((s) => s >= batch && s < batch + 25).length).toBeGreaterThanOrEqual(2)
  })

  test('the probe rate keeps the network near its delivery budget whatever N is', () => {
    for (const n of [10, 50, 100, 250, 1000]) {
      const senders = Math.min(n, MESH_PROBE_SENDERS)
      const rate = probeRate(senders, 1, n)
      const deliveriesPerS = rate * senders * (n - 1)
      expect(deliveriesPerS).toBeLessThanOrEqual(PROBE_DELIVERIES_PER_S + 1e-9)
      if (rate < 4) expect(deliveriesPerS).toBeCloseTo(PROBE_DELIVERIES_PER_S)
    }
    // Small networks probe at most 4 rounds a second each.
    expect(probeRate(3, 3, 3)).toBe(4)
  })
})
