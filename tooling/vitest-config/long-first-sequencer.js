// @ts-check
import { BaseSequencer } from 'vitest/node'

/**
 * Seconds each of the suite's longest files took on the 2-core CI machine (a run of 2026-12-04).
 * Only the order of files depends on them: nothing is timed against them, and a stale figure costs
 * some wall time, never a failure.
 */
const EXPECTED_SECONDS = new Map([
  ['tooling/reliability/test/soak.test.ts', 122],
  ['tooling/interop-go/test/mixed-network.test.ts', 76],
  ['apps/testnet/test/testnet.test.ts', 64],
  ['tooling/netlab/test/partition-heal.test.ts', 32],
  ['tooling/bench/test/catch-up.test.ts', 31],
  ['tooling/bench/test/smoke.test.ts', 30],
  ['tooling/reliability/test/restart.test.ts', 26],
  ['tooling/netlab/test/nat-relay.test.ts', 25],
  ['packages/infrastructure/test/rendezvous.test.ts', 17],
  ['tooling/netlab/test/hole-punch.test.ts', 17],
  ['tooling/reliability/test/registry-faults.test.ts', 13],
  ['tooling/netlab/test/topology.test.ts', 12],
])

/**
 * Longest files first, across projects. vitest's own order runs projects one after the other
 * (alphabetically) and, in a fresh clone with no timings cached, larger files first: the 2-minute
 * soak test of `reliability` started 150 s into the run and ended the parallel phase alone. Known
 * long files go first (longest-processing-time-first keeps every worker busy to the end); the rest
 * keep vitest's order.
 */
export default class LongFirstSequencer extends BaseSequencer {
  /** @param {import('vitest/node').TestSpecification[]} files */
  async sort(files) {
    const sorted = await super.sort(files)
    const root = this.ctx.config.root.replace(/\/$/, '')
    /** @param {import('vitest/node').TestSpecification} spec */
    const expected = (spec) => EXPECTED_SECONDS.get(spec.moduleId.slice(root.length + 1)) ?? 0
    // Array.prototype.sort is stable: files without a figure keep vitest's order among themselves.
    return sorted.sort((a, b) => expected(b) - expected(a))
  }
}
