import base from '@depin/vitest-config'
import { defineProject, mergeConfig } from 'vitest/config'

// The 20-process churn test alone: `fileParallelism: false` puts it in vitest's sequential group,
// which runs after every parallel file, one file at a time (with tooling/netlab's scenarios).
const config = mergeConfig(
  base,
  defineProject({ test: { name: 'reliability-churn', fileParallelism: false } }),
)
// mergeConfig concatenates arrays: replace the base's `test/**/*.test.ts` instead.
config.test = { ...config.test, include: ['test/churn.test.ts'] }
export default config
