import base from '@depin/tsup-config'
import { defineConfig } from 'tsup'

// A second entry, `@depin/metrics/errors`, lets the facade export MetricsServerStartError without
// loading prom-client at start-up; splitting keeps one copy of the class for both entries.
export default defineConfig({ ...base, entry: ['src/index.ts', 'src/errors.ts'], splitting: true })
