import base from '@depin/vitest-config'
import { defineProject, mergeConfig } from 'vitest/config'

export default mergeConfig(
  base,
  // The Go program is built once, before any test runs (see test/global-setup.ts).
  defineProject({ test: { name: 'interop-go', globalSetup: ['./test/global-setup.ts'] } }),
)
