// @ts-check
import { copyFileSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { builtinModules, findPackageJSON } from 'node:module'
import { basename, dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { defineConfig } from 'tsup'
import { buildId, launcher, launcherScript } from './code-cache.js'

/**
 * The native QUIC addon next to a bundle: @chainsafe/libp2p-quic's loader (napi-rs) first tries
 * `./libp2p-quic.<platform>.node` beside its own file, which in a bundle is the bundle's folder;
 * the platform package it would otherwise require is not resolvable from an app in pnpm's layout.
 * Copies every installed platform build (normally the one of this machine). Returns their names.
 *
 * @param {string} appDir the app package's folder (it depends on @depin/pubsub or @depin/infrastructure)
 * @param {string} outDir where the bundle is written
 */
export function copyQuicAddons(appDir, outDir) {
  // An app reaches QUIC through @depin/pubsub, or @depin/infrastructure, or depends on it itself.
  let quicRoot
  for (const chain of [
    ['@depin/pubsub', '@depin/infrastructure', '@chainsafe/libp2p-quic'],
    ['@depin/infrastructure', '@chainsafe/libp2p-quic'],
    ['@chainsafe/libp2p-quic'],
  ]) {
    quicRoot ??= resolveThrough(appDir, chain)
  }
  if (quicRoot === undefined) return []
  // pnpm links a package's optional platform builds beside it, in the same scope folder.
  const scopeDir = dirname(quicRoot)
  const copied = []
  for (const name of readdirSync(scopeDir)) {
    if (!name.startsWith('libp2p-quic-')) continue
    const dir = realpathSync(join(scopeDir, name))
    for (const file of readdirSync(dir)) {
      if (!file.endsWith('.node')) continue
      copyFileSync(join(dir, file), join(outDir, file))
      copied.push(file)
    }
  }
  return copied
}

/**
 * The real folder of the last package of a chain of dependencies, each resolved from the real
 * folder of the one before (pnpm links a package's own dependencies beside its real folder, so a
 * dependency's dependency is found only from there). Undefined when a link is missing.
 *
 * @param {string} fromDir where the first one is resolved from
 * @param {string[]} chain
 */
export function resolveThrough(fromDir, chain) {
  let base = pathToFileURL(join(fromDir, 'package.json')).href
  let found
  for (const name of chain) {
    // findPackageJSON does not go through a package's `exports` (ESM-only packages resolve too);
    // it throws when the package is not there.
    let pkg
    try {
      pkg = findPackageJSON(name, base)
    } catch {
      return undefined
    }
    if (pkg === undefined) return undefined
    found = dirname(realpathSync(pkg))
    base = pathToFileURL(join(found, 'package.json')).href
  }
  return found
}

/**
 * The size of the slabs Node cuts small `Buffer.allocUnsafe()` results from, in an app's threads:
 * 8 KiB, Node's default for ten years, raised to 64 KiB by nodejs/node#63597 (Node 24.21 here has
 * it) for the throughput of short-lived buffers. A slice keeps its whole slab alive, and a node
 * keeps many small buffers for as long as a peer stays (multiaddr bytes, peer id digests, DHT
 * distances: all through uint8arrays' `allocUnsafe`): in a testnet host thread of 25 nodes, 876
 * slabs of 64 KiB (55 MB) were held by such slices, one to a few dozen each (heap snapshot;
 * bench/README.md, "Buffer slabs, per-node process metrics, malloc arenas").
 */
export const BUFFER_POOL_SIZE = 8 * 1024

/**
 * A runnable app entry built as one file with its dependencies inside (the lean start-up path):
 * Node then reads and compiles one file instead of resolving and loading ~1,000 modules, which
 * took 430-470 ms of a node's 520-560 ms from spawn to listening (bench vs-go). Native addons stay
 * outside (see {@link copyQuicAddons}).
 *
 * Each `src/<name>.ts` becomes `<outDir>/<name>.main.js` (the bundle, as a function body: see
 * {@link launcherScript}) and `<outDir>/<name>.js`, its launcher, the file to run: it compiles the
 * bundle with the V8 code cache a started process of the same build wrote (see {@link launcher}),
 * so that neither the bundle nor the functions a start calls are compiled again (spawn ->
 * listening of the vs-go node, alone: ~135 -> ~95 ms).
 *
 * @param {{ entry: string[], appDir: string, outDir?: string }} options
 */
export function appBundle({ entry, appDir, outDir = 'dist' }) {
  const names = entry.map((file) => basename(file).replace(/\.[cm]?ts$/, ''))
  return defineConfig({
    entry: Object.fromEntries(entry.map((file, i) => [`${names[i]}.main`, file])),
    outDir,
    format: ['esm'],
    dts: false,
    clean: true,
    sourcemap: true,
    target: 'node22',
    platform: 'node',
    splitting: false,
    noExternal: [/.*/],
    // Node keeps a module's whole source in memory for as long as the process runs (V8 compiles
    // functions from it lazily): whitespace minification (comments and indentation) makes the
    // bundle 3.6 -> 2.2 MB, and ASCII output (non-ASCII escaped; tsup's default is UTF-8) lets Node
    // hold it as one byte per character instead of two: 7.3 -> 2.2 MB resident. Identifiers and
    // syntax are left as written (syntax minification cost 4% CPU per event in one interleaved run,
    // bench/results/vs-go-minified-2026-12-04.md), and stack traces map back through the source map
    // (`node --enable-source-maps`).
    minifyWhitespace: true,
    esbuildOptions(options) {
      options.charset = 'ascii'
    },
    esbuildPlugins: [lazyNodeBuiltins],
    // tsup would otherwise mark `node:` imports external before the plugin above sees them.
    removeNodeProtocol: false,
    // Bundled CommonJS code calls require(); an ESM bundle has none of its own. Then Buffer's pool
    // (see BUFFER_POOL_SIZE), in the banner so that it runs in every thread that loads the bundle
    // (the testnet's host workers too). It sizes the pools made from then
    // on: the thread's first one, made at Node's default size when the thread started, is used up
    // first (one 64 KiB slab per thread).
    banner: {
      js: [
        "import { createRequire as __depinCreateRequire } from 'node:module';",
        'const require = __depinCreateRequire(import.meta.url);',
        `Buffer.poolSize = ${BUFFER_POOL_SIZE};`,
      ].join('\n'),
    },
    async onSuccess() {
      const dir = resolve(appDir, outDir)
      for (const name of names) {
        const build = launcherBundle(join(dir, `${name}.main.js`))
        writeFileSync(join(dir, `${name}.js`), launcher(`./${name}.main.js`, build))
      }
      const copied = copyQuicAddons(appDir, dir)
      if (copied.length === 0)
        console.warn('app bundle: no native QUIC addon found to copy; QUIC will not load')
    },
  })
}

/**
 * Node's built-in modules as `require()` calls inside the bundle instead of ESM imports. esbuild
 * hoists a bundled module's `import http from 'node:http'` to the bundle's top, so every built-in
 * any bundled module names was loaded before the first line ran, even one only a lazily imported
 * part uses (UPnP's SSDP client: http and https); and importing a built-in through ESM builds its
 * namespace object, reading every export, which on Node 24 made `node:http` load undici (20 ms of a
 * 150 ms start, CPU profile of the vs-go node). As CommonJS modules in the bundle, built-ins load
 * when the code that needs them is first evaluated, and as plain objects.
 *
 * @type {import('esbuild').Plugin}
 */
const lazyNodeBuiltins = {
  name: 'lazy-node-builtins',
  setup(build) {
    const names = new Set(builtinModules.map((name) => name.replace(/^node:/, '')))
    build.onResolve({ filter: /^(node:)?[a-z0-9_/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '')
      // Only ESM imports: a require() of a built-in already loads when it runs.
      if (!names.has(name) || args.kind !== 'import-statement') return undefined
      return { path: name, namespace: 'node-builtin' }
    })
    build.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(`node:${args.path}`)})`,
      loader: 'js',
    }))
  },
}

/**
 * Rewrites a bundle as its launcher loads it ({@link launcherScript}) and returns its build id.
 * Warns when the bundle is not ASCII (Node would hold its source at two bytes a character).
 *
 * @param {string} file
 */
function launcherBundle(file) {
  const { code } = launcherScript(readFileSync(file, 'utf8'))
  if (/[\u0080-\uffff]/.test(code)) console.warn(`app bundle: ${file} is not ASCII`)
  writeFileSync(file, code)
  return buildId(code)
}
