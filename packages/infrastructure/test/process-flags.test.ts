import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'
import { NODE_PROCESS_FLAGS } from '../src/index.js'

const run = promisify(execFile)

// The young generation's largest size in a process, after allocating 64 MB of short-lived objects
// (V8 grows the semi-spaces up to their maximum while objects survive a scavenge).
const YOUNG = `
const { getHeapSpaceStatistics } = require('node:v8')
let largest = 0, keep = []
for (let i = 0; i < 2_000_000; i++) {
  keep.push({ i, s: 'x' + i })
  if (keep.length === 4096) keep = []
  if (i % 1024 === 0) {
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')
    largest = Math.max(largest, young.space_size)
  }
}
process.stdout.write(String(largest))
`

describe('NODE_PROCESS_FLAGS', () => {
  test('this Node accepts them and they bound the young generation', async () => {
    const youngWith = async (flags: readonly string[]): Promise<number> => {
      const { stdout, stderr } = await run(process.execPath, [...flags, '-e', YOUNG], { timeout: 30_000 })
      // A flag Node does not know ends the process ("bad option") before any code runs.
      expect(stderr).toBe('')
      return Number(stdout)
    }
    const [withFlags, withDefaults] = await Promise.all([youngWith(NODE_PROCESS_FLAGS), youngWith([])])
    // Node 24: 5 MB with 1 MB semi-spaces (7.25 MB with 2 MB ones), 32 MB with V8's defaults.
    expect(withFlags).toBeGreaterThan(0)
    expect(withFlags).toBeLessThanOrEqual(6 * 1024 * 1024)
    // Without them V8 lets it grow past that, so the bound above is the flags' doing.
    expect(withDefaults).toBeGreaterThan(16 * 1024 * 1024)
  })
})
