// @ts-check
import { defineConfig } from 'tsup'

export { appBundle, BUFFER_POOL_SIZE, copyQuicAddons, resolveThrough } from './app-bundle.js'
export { buildId, launcher, launcherScript } from './code-cache.js'

/** ESM + .d.ts from `src/index.ts`, for Node >= 22. Each package's tsup.config.ts re-exports it. */
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node22',
  platform: 'node',
  splitting: false,
})
