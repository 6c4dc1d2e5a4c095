import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { appBundle } from '@depin/tsup-config'
import type { Options } from 'tsup'

// An app, not a library: the CLI parent, the one-node child process and the many-node host process,
// each one bundled file (the lean start-up path: a node process loads one file instead of ~1,000
// modules).
const config: Options = {
  ...appBundle({
    entry: ['src/cli.ts', 'src/child.ts', 'src/host.ts'],
    appDir: dirname(fileURLToPath(import.meta.url)),
  }),
  // LiteSVM (`--registry litesvm`, the parent only) is a native addon that finds its binary beside
  // its own files: it stays a package, resolved at run time, like the QUIC addon's platform build.
  noExternal: [/^(?!litesvm(\/|$))/],
}

export default config
