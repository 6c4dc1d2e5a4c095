import { expect, test } from 'vitest'
import { loggedIndex } from '../src/node-runner.js'

test('DEPIN_TESTNET_LOG_NODES picks node indices by ranges; unset or empty logs every node; junk logs none', () => {
  expect([0, 5, 999].every((i) => loggedIndex(i, undefined))).toBe(true)
  expect(loggedIndex(7, ' ')).toBe(true)
  const ranges = '0,950-999'
  expect([0, 950, 975, 999].map((i) => loggedIndex(i, ranges))).toEqual([true, true, true, true])
  expect([1, 949, 1000].map((i) => loggedIndex(i, ranges))).toEqual([false, false, false])
  expect(loggedIndex(12, '12')).toBe(true)
  expect(loggedIndex(12, 'twelve')).toBe(false)
  expect(loggedIndex(12, '20-10')).toBe(false)
})
