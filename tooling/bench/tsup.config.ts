import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { appBundle } from '@depin/tsup-config'
import type { Options } from 'tsup'

const configs: Options[] = [
  // A runnable script, not a library: every bench entry (the CLI and the child processes it forks).
  {
    entry: [
      'src/cli.ts',
      'src/memory-child.ts',
      'src/catch-up-child.ts',
      'src/profile-pubsub.ts',
      'src/diagnose-latency.ts',
      'src/line-process.ts',
    ],
    format: ['esm'],
    clean: true,
    sourcemap: true,
    target: 'node22',
    platform: 'node',
    splitting: false,
    skipNodeModulesBundle: true,
    // consumed as TypeScript source
    noExternal: ['@depin/test-utils'],
  },
  // The node of the vs-go section, as an operator would ship it: one bundled file (lean start-up).
  appBundle({
    entry: ['src/vs-go-node.ts'],
    appDir: dirname(fileURLToPath(import.meta.url)),
    outDir: 'lean',
  }),
]

export default configs
