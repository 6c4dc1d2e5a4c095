import base from '@depin/vitest-config'
import { configDefaults, defineProject, mergeConfig } from 'vitest/config'

// The scale tests (100 nodes in host processes; the degree band) have their own project,
// vitest.scale.config.ts, which runs alone: they use both cores for a minute or more.
export default mergeConfig(
  base,
  defineProject({ test: { name: 'testnet', exclude: [...configDefaults.exclude, 'test/scale.test.ts'] } }),
)
