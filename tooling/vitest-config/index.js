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
    // vitest's default on 2 cores is one worker (cores - 1), and a project with one worker has its
    // files put in the run's sequential group: every file of the suite ran after the other. Most
    // files wait on the network and timers, not the CPU (the whole suite keeps the 2 cores about half
    // busy), so more workers per project: 2 took the run's parallel files 317 s, 3 took them 223 s
    // (2026-12-04). With the suite grown since, 3 took them 331 s and 4 took 289 and 283 s
    // (2026-12-07, all passed; the whole run 635 -> 580 and 574 s). Files that load the machine or
    // measure latency run alone instead (`fileParallelism: false`), after the parallel ones.
    maxWorkers: 4,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
    restoreMocks: true,
    unstubGlobals: true,
  },
})
