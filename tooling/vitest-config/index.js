// @ts-check
import { defineConfig } from 'vitest/config'

/**
 * The base vitest config. Each package's `vitest.config.ts` merges it:
 *
 * @example
 * import { mergeConfig } from 'vitest/config'
 * import base from '@depin/vitest-config'
 * export default mergeConfig(base, { test: { name: 'identity' } })
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Integration tests start real libp2p nodes; a fork per file keeps native QUIC sockets and
    // process-wide state (the shared node registry) isolated between files.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
    restoreMocks: true,
    unstubGlobals: true,
  },
})
