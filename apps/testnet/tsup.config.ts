import { defineConfig } from 'tsup'

// An app, not a library: two entry points (the CLI parent and the node child process), no .d.ts.
export default defineConfig({
  entry: ['src/cli.ts', 'src/child.ts'],
  format: ['esm'],
  dts: false,
  clean: true,
  sourcemap: true,
  target: 'node22',
  platform: 'node',
  splitting: false,
})
