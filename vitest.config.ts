import { defineConfig } from 'vitest/config'

// One run over every package's own vitest config, with one summary at the end.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tooling/*'],
    reporters: ['default', '@depin/vitest-config/summary-reporter'],
  },
})
