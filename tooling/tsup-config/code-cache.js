// @ts-check
import { createHash } from 'node:crypto'
import { parse } from 'acorn'

/**
 * What an app bundle's launcher loads: the ES module bundle esbuild wrote, as the body of an async
 * function expression the launcher compiles with `vm.Script` and calls (`__depinMeta` for
 * `import.meta`, `__depinCreateRequire` for the banner's import of `createRequire`).
 *
 * The function's head and tail are written into the file, so the text the launcher reads is the
 * script's whole source: V8 keeps that string (external, one byte a character) as the script's
 * source for the life of the process. Wrapped by the launcher, the source was a second copy in V8's
 * heap (2.2 MB for a node), and the text read stayed resident until a full garbage collection,
 * which an idle process may not run for hours (a lone node: 73.4 -> 71.2 MB resident).
 *
 * Why not import the bundle: Node's compile cache (`module.enableCompileCache()`) stores V8's code
 * cache right after compiling a module, when only its top level is compiled; every function a
 * node's start calls was compiled again on every start (~1,100 of them, `--log-function-events`).
 * A `vm.Script` can hand V8 a code cache taken later, once the process has started
 * (`script.createCachedData()`), which holds them all: see {@link launcher}.
 *
 * The text is kept where it was: `import.meta` (11 characters) becomes `__depinMeta` (11), a
 * hashbang and the banner's import are blanked with spaces, so the source map still points where
 * it did (the function's head opens the first line, which holds no mapped code; its tail is a line
 * of its own after the last). An ES module bundle with a top-level await is a valid async function
 * body with `'use strict'` in front (a module is strict; esbuild writes the directive only into its
 * lazily initialised module wrappers, not above the code it hoists to the top level).
 * Any other import or an export throws: a bundle with one could not run this way (esbuild puts
 * them at the top level only; `import()` expressions stay and go through Node's loader).
 *
 * @param {string} code the bundle esbuild wrote (ES module, banner of `appBundle`)
 * @returns {{ code: string, metas: number }}
 */
export function launcherScript(code) {
  const program = parse(code, { ecmaVersion: 'latest', sourceType: 'module', allowHashBang: true })
  /** @type {{ start: number, end: number, text: string }[]} */
  const edits = []
  // A hashbang (an entry's `#!/usr/bin/env node`, kept by esbuild) is not valid in a function body.
  if (code.startsWith('#!')) {
    const end = code.indexOf('\n')
    edits.push({ start: 0, end, text: ' '.repeat(end) })
  }
  for (const statement of program.body) {
    if (statement.type === 'ImportDeclaration') {
      const text = code.slice(statement.start, statement.end)
      if (!BANNER_IMPORT.test(text))
        throw new Error(
          `app bundle: an import the launcher cannot provide (bundle it, or load it with import()): ${text}`,
        )
      edits.push({ start: statement.start, end: statement.end, text: ' '.repeat(text.length) })
    } else if (statement.type.startsWith('Export')) {
      throw new Error(
        `app bundle: an entry cannot export (${code.slice(statement.start, statement.start + 80)})`,
      )
    }
  }
  let metas = 0
  for (const node of walk(program)) {
    if (node.type !== 'MetaProperty' || node.meta.name !== 'import') continue
    edits.push({ start: node.start, end: node.end, text: META })
    metas++
  }
  edits.sort((a, b) => a.start - b.start)
  let out = ''
  let from = 0
  for (const { start, end, text } of edits) {
    out += code.slice(from, start) + text
    from = end
  }
  return { code: `${SCRIPT_HEAD}${out}${code.slice(from)}${SCRIPT_TAIL}`, metas }
}

/**
 * What {@link launcherScript} puts around a bundle: an async function of `import.meta` and
 * `createRequire`, the script's value. Run by the launcher (`vm.Script`), the script's `this` is the
 * global object; run by mistake as a file of its own (ES module or CommonJS), it is not, and the
 * script throws "__depinMeta is not defined" instead of exiting quietly without doing anything.
 */
const SCRIPT_HEAD =
  "(this === globalThis || __depinMeta, async function (__depinMeta, __depinCreateRequire) {'use strict';"
const SCRIPT_TAIL = '\n})'

/** The launcher's stand-in for `import.meta`: as long as it, so that no mapped column moves. */
const META = '__depinMeta'
/** `appBundle`'s banner import, the only one a bundle may have. */
const BANNER_IMPORT =
  /^import\s*\{\s*createRequire\s+as\s+__depinCreateRequire\s*\}\s*from\s*['"]node:module['"];?$/

/**
 * Every node of an ESTree, depth first.
 *
 * @param {import('acorn').Node} root
 * @returns {Generator<import('acorn').Node & Record<string, any>>}
 */
function* walk(root) {
  /** @type {any[]} */
  const stack = [root]
  while (stack.length > 0) {
    const node = stack.pop()
    yield node
    for (const key in node) {
      const value = node[key]
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) stack.push(item)
      } else if (isNode(value)) stack.push(value)
    }
  }
}

/** @param {any} value */
function isNode(value) {
  return typeof value === 'object' && value !== null && typeof value.type === 'string'
}

/** A short fingerprint of a launcher script, written into its launcher: a code cache is for one build. */
export function buildId(/** @type {string} */ code) {
  return createHash('sha256').update(code).digest('hex').slice(0, 16)
}

/**
 * The launcher of an app bundle (`<name>.js` beside `<name>.main.js`), the entry a user runs.
 *
 * It turns Node's compile cache on (for itself and anything loaded with `import()`), reads the
 * bundle, compiles it as {@link launcherScript} says with `vm.Script`, handing V8 the code cache
 * it finds in Node's compile cache folder (`module.getCompileCacheDir()`), and calls it. When there
 * was none, or V8 rejected it (another Node, other V8 flags, another build), it takes one a few
 * seconds later (`DEPIN_CODE_CACHE_AFTER_MS`, 5,000 by default; timer unreferenced), once the
 * process has started and compiled what a start needs, and writes it (a temporary file renamed
 * into place: processes starting together each write whole files).
 *
 * The file is named after the bundle's path, the process's flags (`execArgv`, `NODE_OPTIONS`: V8
 * rejects a cache made under other flags, so two sets of flags must not overwrite each other's)
 * and whether the thread is a worker (the testnet's host process routes, its workers run nodes). It
 * begins with the build's id (another build finds it stale) and the CRC-32 of the rest: V8 checks a
 * cache's version, flags and source length, not its bytes. `NODE_DISABLE_COMPILE_CACHE=1`, a Node
 * without the compile cache or `zlib.crc32` (before 22.8), or a folder it cannot use: the bundle is
 * compiled as it would be without a cache. With source maps on (`--enable-source-maps`), it is
 * compiled as a CommonJS module instead, without the code cache: Node maps stack traces only of
 * code its own loaders compiled. `NODE_DEBUG=depin-code-cache` says what happened.
 *
 * `import.meta` in the bundle is the launcher's (so a worker started with
 * `new Worker(new URL(import.meta.url))` runs the launcher), `require` resolves from its folder.
 *
 * @param {string} main the bundle's file name, beside the launcher
 * @param {string} build {@link buildId} of the bundle
 */
export function launcher(main, build) {
  return `#!/usr/bin/env node
// Generated by @depin/tsup-config appBundle: runs ${main} with V8's code cache of a started process.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import nodeModule from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { debuglog } from 'node:util'
import vm from 'node:vm'
import { isMainThread } from 'node:worker_threads'
import zlib from 'node:zlib'

const BUILD = ${JSON.stringify(build)}
// Then the CRC-32 of the cache, 8 hex digits, and a newline: V8 checks a cache's version, flags and
// source length, not its bytes (release builds), and a damaged one could crash the process.
const HEADER = Buffer.from(\`depin-code-cache \${BUILD} \`, 'latin1')
const HEADER_LENGTH = HEADER.length + 9
const debug = debuglog('depin-code-cache')
nodeModule.enableCompileCache?.()
const meta = { url: import.meta.url, filename: fileURLToPath(import.meta.url), dirname: import.meta.dirname }
await compile()(meta, nodeModule.createRequire)

/** The bundle's function; the code cache's bytes are not kept once V8 has read them. */
function compile() {
  const file = fileURLToPath(new URL(${JSON.stringify(main)}, import.meta.url))
  // The bundle is ASCII and already the function's whole text: read as latin1, the string V8 keeps
  // as the script's source, at one byte a character, with no second copy.
  const source = readFileSync(file, 'latin1')
  if (process.sourceMapsEnabled) return compileWithSourceMap(file, source)
  const cacheFile = codeCacheFile(file)
  const cachedData = cacheFile === undefined ? undefined : readCodeCache(cacheFile)
  const script = new vm.Script(source, {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  })
  if (cacheFile !== undefined && cachedData !== undefined && !script.cachedDataRejected) {
    debug('code cache accepted for %s', file)
  } else if (cacheFile !== undefined) {
    debug('%s code cache for %s: writing one after the start', cachedData === undefined ? 'no' : 'rejected the', file)
    const after = Number(process.env.DEPIN_CODE_CACHE_AFTER_MS) || 5000
    setTimeout(() => writeCodeCache(script, cacheFile), after).unref()
  }
  return script.runInThisContext()
}

/**
 * Node maps stack traces (--enable-source-maps) only through modules its loaders compiled, not a
 * vm.Script: compiled as a CommonJS module, without the code cache.
 */
function compileWithSourceMap(file, source) {
  debug('source maps on: %s compiled without the code cache', file)
  const module = new nodeModule.Module(file)
  module.filename = file
  // \`this\` as the launcher's script has it (a CommonJS module's is its exports).
  module._compile(\`module.exports = function () { return \${source} }.call(globalThis)\`, file)
  return module.exports
}

function codeCacheFile(file) {
  const dir = nodeModule.getCompileCacheDir?.()
  // zlib.crc32: Node 22.2 (getCompileCacheDir: 22.8).
  if (dir === undefined || typeof zlib.crc32 !== 'function') return undefined
  // FNV-1a of what decides whether V8 accepts the cache, besides Node's version (the folder's), and
  // of the thread's role: a process's main thread and its workers may run different parts.
  let hash = 0x811c9dc5
  const key = [file, process.execArgv.join(' '), process.env.NODE_OPTIONS ?? '', isMainThread].join('\\0')
  for (const c of key)
    hash = Math.imul(hash ^ c.charCodeAt(0), 0x01000193) >>> 0
  return join(dir, \`depin-\${hash.toString(16).padStart(8, '0')}.v8\`)
}

function readCodeCache(path) {
  let data
  try {
    data = readFileSync(path)
  } catch {
    return undefined
  }
  if (!data.subarray(0, HEADER.length).equals(HEADER)) {
    debug('code cache %s is of another build', path)
    return undefined
  }
  const cache = data.subarray(HEADER_LENGTH)
  if (data.toString('latin1', HEADER.length, HEADER_LENGTH) !== \`\${crc32(cache)}\\n\`) {
    debug('code cache %s is damaged', path)
    return undefined
  }
  return cache
}

function crc32(data) {
  return zlib.crc32(data).toString(16).padStart(8, '0')
}

function writeCodeCache(script, path) {
  const temporary = \`\${path}.\${process.pid}-\${Math.random().toString(36).slice(2)}\`
  try {
    const started = performance.now()
    const cache = script.createCachedData()
    writeFileSync(temporary, Buffer.concat([HEADER, Buffer.from(\`\${crc32(cache)}\\n\`, 'latin1'), cache]))
    renameSync(temporary, path)
    debug('code cache written to %s (%d KB in %d ms)', path, cache.length >> 10, Math.round(performance.now() - started))
  } catch (err) {
    debug('code cache not written to %s: %s', path, err.message)
    rmSync(temporary, { force: true })
  }
}
`
}
