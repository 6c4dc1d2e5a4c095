import base from '@depin/vitest-config'
import { defineProject, mergeConfig } from 'vitest/config'

export default mergeConfig(base, defineProject({ test: { name: 'solana-registry' } }))
