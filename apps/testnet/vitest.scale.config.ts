import base from '@depin/vitest-config'
import { defineProject, mergeConfig } from 'vitest/config'

// The testnet at scale alone: `fileParallelism: false` puts it in vitest's sequential group, which
// runs after every parallel file, one file at a time (with the churn test and netlab's scenarios).
const config = mergeConfig(base, defineProject({ test: { name: 'testnet-scale', fileParallelism: false } }))
// mergeConfig concatenates arrays: replace the base's `test/**/*.test.ts` instead.
config.test = { ...config.test, include: ['test/scale.test.ts'] }
export default config
