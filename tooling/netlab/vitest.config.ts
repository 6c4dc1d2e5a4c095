import base from '@depin/vitest-config'
import { defineProject, mergeConfig } from 'vitest/config'

export default mergeConfig(
  base,
  // Each scenario starts several node processes inside network namespaces and waits for
  // reconnection after faults: longer than the unit-test default, still bounded.
  defineProject({ test: { name: 'netlab', testTimeout: 60_000, hookTimeout: 60_000 } }),
)
