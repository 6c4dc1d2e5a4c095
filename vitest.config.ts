import LongFirstSequencer from '@depin/vitest-config/long-first-sequencer'
import { defineConfig } from 'vitest/config'

// One run over every package's own vitest config, with one summary at the end.
export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'apps/*',
      'tooling/*',
      'tooling/reliability/vitest.churn.config.ts',
      'tooling/netlab/vitest.regions.config.ts',
      'apps/testnet/vitest.scale.config.ts',
    ],
    reporters: ['default', '@depin/vitest-config/summary-reporter'],
    // The longest files first, whatever their project (see the sequencer).
    sequence: { sequencer: LongFirstSequencer },
    // The worker count is set per project, in @depin/vitest-config (vitest groups files by the
    // project's own maxWorkers).
  },
})
