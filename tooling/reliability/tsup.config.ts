import { defineConfig } from 'tsup'

// A tool, not a library: the soak CLI only, no .d.ts.
export default defineConfig({
  entry: ['src/soak-cli.ts'],
  format: ['esm'],
  dts: false,
  clean: true,
  sourcemap: true,
  target: 'node22',
  platform: 'node',
  splitting: false,
  // consumed as TypeScript source (the PNG chart)
  noExternal: ['@depin/test-utils'],
})
