import base from '@depin/vitest-config'
import { defineProject, mergeConfig } from 'vitest/config'

// The smoke test runs every benchmark at a tiny size; it checks shapes, never timings.
export default mergeConfig(base, defineProject({ test: { name: 'bench', testTimeout: 120_000 } }))
