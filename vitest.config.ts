import { defineConfig } from 'vitest/config'

// One run over every package's own vitest config, with one summary at the end.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tooling/*'],
    reporters: ['default', '@depin/vitest-config/summary-reporter'],
    // vitest's default on 2 cores is one worker (cores - 1): every file would run after the other.
    // Most files wait on the network and timers, not the CPU, so two workers halve the wall time.
    maxWorkers: 2,
  },
})
