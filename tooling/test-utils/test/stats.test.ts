import { describe, expect, it } from 'vitest'
import { median, percentile, percentiles } from '../src/stats.js'

const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1)

describe('percentile (nearest rank)', () => {
  it('is NaN for no values', () => {
    expect(percentile([], 0)).toBeNaN()
    expect(percentile([], 50)).toBeNaN()
    expect(percentile([], 100)).toBeNaN()
    expect(median([])).toBeNaN()
  })

  it('is the value itself for one value, at every p', () => {
    for (const p of [0, 1, 50, 99, 100]) expect(percentile([7.5], p)).toBe(7.5)
  })

  it('p0 is the minimum, p100 the maximum', () => {
    expect(percentile([3, 1, 2], 0)).toBe(1)
    expect(percentile([3, 1, 2], 100)).toBe(3)
  })

  it('p50 is the middle value, the lower one for an even count', () => {
    expect(percentile([5, 1, 3], 50)).toBe(3)
    expect(percentile([4, 1, 3, 2], 50)).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2)
  })

  it('p99 is the value of rank ⌈0.99 n⌉', () => {
    expect(percentile(oneToHundred, 99)).toBe(99)
    expect(
      percentile(
        Array.from({ length: 1000 }, (_, i) => i + 1),
        99,
      ),
    ).toBe(990)
    // Fewer than 100 values: the maximum.
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10)
  })

  it('is always one of the values, on the textbook example', () => {
    const values = [15, 20, 35, 40, 50]
    expect([5, 30, 40, 50, 100].map((p) => percentile(values, p))).toEqual([15, 20, 20, 35, 50])
  })

  it('does not go up a rank on a floating-point rounding error', () => {
    // 7 / 100 * 100 is 7.000000000000001 in floating point.
    expect(percentile(oneToHundred, 7)).toBe(7)
    expect(
      percentile(
        Array.from({ length: 1000 }, (_, i) => i + 1),
        99.9,
      ),
    ).toBe(999)
  })

  it('sorts unsorted input numerically, without changing it', () => {
    const values = [10, 9, 100, 1, 25]
    expect(percentile(values, 50)).toBe(10)
    expect(percentile(values, 100)).toBe(100)
    expect(values).toEqual([10, 9, 100, 1, 25])
  })

  it('rejects a p outside 0..100', () => {
    expect(() => percentile([1], -1)).toThrow(RangeError)
    expect(() => percentile([1], 101)).toThrow(RangeError)
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError)
  })
})

describe('percentiles', () => {
  it('gives each p in order, as percentile does', () => {
    const values = [8, 3, 5, 1, 9, 2]
    const ps = [0, 50, 99, 100]
    expect(percentiles(values, ps)).toEqual(ps.map((p) => percentile(values, p)))
    expect(percentiles(values, ps)).toEqual([1, 3, 9, 9])
  })
})
