// @ts-check
import { BaseSequencer } from 'vitest/node'

/**
 * Seconds each of the suite's longest parallel files took on the 2-core CI machine (a run of
 * 2026-12-07, four workers per project). Only the order of files depends on them: nothing is timed
 * against them, and a stale figure costs some wall time, never a failure. (The files that run alone,
 * after the parallel ones, keep vitest's order among themselves.)
 */
const EXPECTED_SECONDS = new Map([
  ['tooling/reliability/test/soak.test.ts', 127],
  ['tooling/interop-go/test/mixed-network.test.ts', 80],
  ['apps/testnet/test/testnet.test.ts', 66],
  ['tooling/netlab/test/partition-heal.test.ts', 38],
  ['tooling/bench/test/catch-up.test.ts', 36],
  ['tooling/reliability/test/leak.test.ts', 35],
  ['tooling/bench/test/smoke.test.ts', 34],
  ['tooling/reliability/test/restart.test.ts', 29],
  ['tooling/netlab/test/hole-punch-retry.test.ts', 28],
  ['tooling/netlab/test/nat-relay.test.ts', 22],
  ['packages/infrastructure/test/rendezvous.test.ts', 19],
  ['tooling/netlab/test/hole-punch.test.ts', 18],
  ['tooling/reliability/test/registry-faults.test.ts', 17],
  ['tooling/netlab/test/port-mapping.test.ts', 13],
  ['tooling/reliability/test/gating-load.test.ts', 13],
  ['packages/messaging/test/history.test.ts', 13],
  ['tooling/netlab/test/topology.test.ts', 12],
  ['packages/solana-registry/test/litesvm-watch.test.ts', 12],
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
