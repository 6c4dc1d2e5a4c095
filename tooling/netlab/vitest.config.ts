import base from '@depin/vitest-config'
import { defineProject, mergeConfig } from 'vitest/config'

export default mergeConfig(
  base,
  // Each scenario starts several node processes inside network namespaces and waits for
  // reconnection after faults: longer than the unit-test default, still bounded. Files run one at
  // a time so the scenarios' timings are not skewed by each other (CI runs other packages alongside).
  defineProject({
    test: { name: 'netlab', testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false },
  }),
)
