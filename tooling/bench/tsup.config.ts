import { defineConfig } from 'tsup'

// A runnable script, not a library: every bench entry (the CLI and the child processes it forks).
export default defineConfig({
  entry: ['src/cli.ts', 'src/memory-child.ts', 'src/profile-pubsub.ts', 'src/diagnose-latency.ts'],
  format: ['esm'],
  clean: true,
  sourcemap: true,
  target: 'node22',
  platform: 'node',
  splitting: false,
  skipNodeModulesBundle: true,
  // consumed as TypeScript source
  noExternal: ['@depin/test-utils'],
})
