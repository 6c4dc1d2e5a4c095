import base from '@depin/vitest-config'
import { defineProject, mergeConfig } from 'vitest/config'

// The regions test alone: it compares propagation p99 with latency-aware peering off and on, so no
// other file may load the 2 cores meanwhile. `fileParallelism: false` puts it in vitest's sequential
// group, which runs after every parallel file, one file at a time (with the churn and scale tests).
const config = mergeConfig(
  base,
  defineProject({
    test: { name: 'netlab-regions', testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false },
  }),
)
// mergeConfig concatenates arrays: replace the base's `test/**/*.test.ts` instead.
config.test = { ...config.test, include: ['test/regions.test.ts'] }
export default config
