import base from '@depin/vitest-config'
import { configDefaults, defineProject, mergeConfig } from 'vitest/config'

// --expose-gc: leak and soak tests count handles after a forced GC, because
// @chainsafe/libp2p-quic closes its client UDP sockets only on garbage collection (docs/toolchain.md).
// The churn test (20 node processes) has its own project, vitest.churn.config.ts, which runs alone:
// next to another test it starves it of the 2 cores (registry-faults timed out beside it in CI).
export default mergeConfig(
  base,
  defineProject({
    test: {
      name: 'reliability',
      execArgv: ['--expose-gc'],
      exclude: [...configDefaults.exclude, 'test/churn.test.ts'],
    },
  }),
)
