import { describe, expect, it } from 'vitest'
import { cpuMsBetween, limitOutcome, sizeLimitS } from '../src/scale-bench.js'

// One sample a second, 500 ms of CPU a second.
const samples = [0, 1, 2, 3, 4, 5].map((s) => ({ atMs: 1_000 + s * 1_000, cpuMs: s * 500, rssMb: 0 }))

describe('scale bench: CPU in a window', () => {
  it('reads the CPU between the samples inside the window, scaled to its length', () => {
    expect(cpuMsBetween(samples, 1_000, 6_000)).toBeCloseTo(2_500)
    // A window wider than the samples inside it: scaled from the 2 s sampled to the 3 s asked.
    expect(cpuMsBetween(samples, 1_500, 4_500)).toBeCloseTo(1_500)
  })

  it('answers null when fewer than two samples half a second apart fall inside', () => {
    expect(cpuMsBetween(samples, 1_100, 1_900)).toBeNull()
    expect(cpuMsBetween([], 0, 10_000)).toBeNull()
    expect(cpuMsBetween(samples, 10_000, 20_000)).toBeNull()
  })
})

describe('scale bench: a size and its limit', () => {
  it('allows a bigger network more time: 15 minutes plus 2 s a node', () => {
    expect(sizeLimitS(250)).toBe(1_400)
    expect(sizeLimitS(1_000)).toBe(2_900)
  })

  it('counts a size stopped by its limit after its counted events drained as run', () => {
    expect(limitOutcome(false, 90_000, 1_900).status).toBe('ran')
    expect(limitOutcome(true, 90_000, 1_900).status).toBe('ran')
    expect(limitOutcome(true, 90_000, 1_900).cutShort).toBe(
      'stopped by the 1900 s limit after its counted events drained',
    )
    expect(limitOutcome(true, undefined, 1_900).status).toBe('stopped after the 1900 s limit')
  })
})
