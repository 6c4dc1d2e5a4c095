import base from '@depin/vitest-config'
import { configDefaults, defineProject, mergeConfig } from 'vitest/config'

// Each scenario starts several node processes inside network namespaces of its own (the names carry
// the test process's pid, so files can run side by side) and waits for reconnection after faults:
// longer than the unit-test default, still bounded. They run beside other files; the regions test,
// which measures propagation latency, has its own project (vitest.regions.config.ts) and runs alone.
export default mergeConfig(
  base,
  defineProject({
    test: {
      name: 'netlab',
      testTimeout: 60_000,
      hookTimeout: 60_000,
      exclude: [...configDefaults.exclude, 'test/regions.test.ts'],
    },
  }),
)
