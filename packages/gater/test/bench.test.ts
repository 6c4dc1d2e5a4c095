import { expect, test } from 'vitest'
import { runGaterBench } from '../bench/gater-bench.js'

// The bench must not rot: a tiny run returns numbers (its timings are never asserted).
test('the bench runs with 1k wallets and returns figures', async () => {
  const result = await runGaterBench({ wallets: 1000, hitOps: 10_000, missOps: 100 })
  for (const [name, value] of Object.entries(result)) {
    if (name === 'node') continue
    expect(value, name).toBeTypeOf('number')
    expect(Number.isFinite(value), name).toBe(true)
  }
  expect(result.wallets).toBe(1000)
})
