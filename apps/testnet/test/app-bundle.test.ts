import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runInThisContext } from 'node:vm'
import { Worker } from 'node:worker_threads'
import { crc32 } from 'node:zlib'
import { appBundle, BUFFER_POOL_SIZE, buildId, launcherScript } from '@depin/tsup-config'
import { build } from 'tsup'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

// The banner appBundle writes, then a bundle's code as esbuild leaves it (an entry with a hashbang,
// a top-level await and import.meta; an import() is in the fixture app below).
const BUNDLE = [
  '#!/usr/bin/env node',
  "import { createRequire as __depinCreateRequire } from 'node:module';",
  'const require = __depinCreateRequire(import.meta.url);',
  'var s="import.meta.url";var u=import.meta.url;const os=await Promise.resolve({hostname(){}});',
  'globalThis.launched = [u, s, typeof os.hostname, typeof require];',
].join('\n')

describe('launcherScript', () => {
  test('rewrites a bundle as an async function expression, every other character where it was', async () => {
    const { code, metas } = launcherScript(BUNDLE)
    expect(metas).toBe(2)
    // The function's head opens the first line (blank: it held the hashbang), its tail is a line of
    // its own: every other line is as long as it was, so the source map needs no change.
    const lines = code.split('\n')
    expect(lines[0]).toBe(
      `(this === globalThis || __depinMeta, async function (__depinMeta, __depinCreateRequire) {'use strict';${' '.repeat(19)}`,
    )
    expect(lines.at(-1)).toBe('})')
    expect(lines.slice(1, -1).map((line) => line.length)).toEqual(
      BUNDLE.split('\n')
        .slice(1)
        .map((line) => line.length),
    )
    expect(code).toContain('var s="import.meta.url";var u=__depinMeta.url;')
    expect(lines[1]?.trim()).toBe('')
    // As the launcher runs it: the file's text is the script, whole.
    const body = runInThisContext(code) as (...a: unknown[]) => Promise<unknown>
    const { createRequire } = await import('node:module')
    await body({ url: 'file:///app/x.js' }, createRequire)
    expect((globalThis as { launched?: unknown }).launched).toEqual([
      'file:///app/x.js',
      'import.meta.url',
      'function',
      'function',
    ])
  })

  test('refuses a bundle the launcher could not run: another import, an export, bad syntax', () => {
    expect(() => launcherScript("import x from 'litesvm';\nvar a=1;")).toThrow(
      /an import the launcher cannot provide.*litesvm/,
    )
    expect(() => launcherScript('var a=1;export { a };')).toThrow(/an entry cannot export/)
    expect(() => launcherScript(BUNDLE.slice(0, -20))).toThrow(SyntaxError)
  })

  test("the testnet's built bundles are launcher scripts of their launchers' build, and ASCII", () => {
    for (const name of ['cli', 'child', 'host']) {
      const code = readFileSync(fileURLToPath(new URL(`../dist/${name}.main.js`, import.meta.url)), 'utf8')
      const launcher = readFileSync(fileURLToPath(new URL(`../dist/${name}.js`, import.meta.url)), 'utf8')
      expect(launcher, name).toContain(`const BUILD = "${buildId(code)}"`)
      // A script whose value is the launcher's function (compiled, not run), without import.meta.
      expect(runInThisContext(code), name).toBeTypeOf('function')
      // Node holds a source with any other character at two bytes per character.
      expect(/[\u0080-\uffff]/.test(code), name).toBe(false)
    }
  })
})

// A real app built with appBundle, run through its launcher as a user would.
const FIXTURE = `
import { isMainThread, parentPort, Worker } from 'node:worker_threads'

/** A 52-byte Buffer.allocUnsafe(), 2,000 times: the size of the slab the last one is cut from. */
function slab(): number {
  let b = Buffer.allocUnsafe(0)
  for (let i = 0; i < 2000; i++) b = Buffer.allocUnsafe(52)
  return b.buffer.byteLength
}

function fail(): never {
  throw new Error('fixture failed on purpose')
}

/** Until the test closes this process's stdin: it does once the launcher wrote its code cache. */
function untilStdinEnds(): Promise<void> {
  return new Promise((resolve) => {
    process.stdin.once('end', resolve).resume()
  })
}

if (!isMainThread) {
  parentPort?.postMessage({ slab: slab(), url: import.meta.url })
  // Alive until the main thread says so (after this worker's launcher wrote its cache).
  await new Promise((resolve) => parentPort?.once('message', resolve))
} else {
  const mode = process.argv[2]
  if (mode === 'throw') fail()
  const { hostname } = await import('node:os')
  let worker: unknown
  if (mode === 'worker') {
    const w = new Worker(new URL(import.meta.url))
    worker = await new Promise((resolve) => w.once('message', resolve))
    await untilStdinEnds()
    w.postMessage('exit')
    await new Promise((resolve) => w.once('exit', resolve))
  }
  if (mode === 'linger') await untilStdinEnds()
  // Strict, as the ES module it was written as: a function called without a receiver has none.
  const strict = (function (this: unknown) {
    return this === undefined
  })()
  console.log(JSON.stringify({ url: import.meta.url, slab: slab(), hostname: typeof hostname, worker, strict }))
}
`

interface Run {
  code: number | null
  out: string
  err: string
}

describe('an app bundle run through its launcher', () => {
  let dir: string
  let cacheDir: string
  let launcherPath: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'depin-app-bundle-'))
    mkdirSync(join(dir, 'src'))
    writeFileSync(join(dir, 'src', 'app.ts'), FIXTURE)
    // An ES module package, as the apps are (a bundle under one is compiled once).
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }))
    // outDir absolute: tsup would resolve a relative one from this process's folder (the app's).
    const outDir = join(dir, 'dist')
    await build({ ...appBundle({ entry: [join(dir, 'src', 'app.ts')], appDir: dir, outDir }), silent: true })
    launcherPath = join(dir, 'dist', 'app.js')
    cacheDir = join(dir, 'compile-cache')
  }, 60_000)

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  /**
   * Runs the fixture through its launcher (or `script`). A `linger` or `worker` run stays until
   * its stdin is closed: once the launcher has said `writes` times that it wrote (or failed to
   * write) a code cache, so no run depends on how long a write takes.
   */
  function run(
    args: string[],
    {
      env = {},
      nodeArgs = [],
      writes = args[0] === 'linger' || args[0] === 'worker' ? 1 : 0,
      script = launcherPath,
    }: { env?: Record<string, string>; nodeArgs?: string[]; writes?: number; script?: string } = {},
  ): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
        env: {
          ...process.env,
          NODE_COMPILE_CACHE: cacheDir,
          NODE_DEBUG: 'depin-code-cache',
          DEPIN_CODE_CACHE_AFTER_MS: '200',
          ...env,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      let out = ''
      let err = ''
      // A fixture that exited first (a failing run) must not turn the close into an error.
      child.stdin.on('error', () => {})
      const releaseWhenWritten = (): void => {
        if (child.stdin.writableEnded) return
        if ((err.match(/code cache (?:not )?written/g)?.length ?? 0) >= writes) child.stdin.end()
      }
      child.stdout.on('data', (chunk) => {
        out += chunk
      })
      child.stderr.on('data', (chunk) => {
        err += chunk
        releaseWhenWritten()
      })
      releaseWhenWritten()
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`the fixture did not exit within 20 s: ${err}`))
      }, 20_000)
      child.once('exit', (code) => {
        clearTimeout(timer)
        resolve({ code, out, err })
      })
    })
  }

  /** The code cache files the launcher wrote (any Node version's folder). */
  function cacheFiles(): string[] {
    if (!existsSync(cacheDir)) return []
    return readdirSync(cacheDir, { recursive: true, encoding: 'utf8' })
      .filter((name) => /depin-[0-9a-f]{8}\.v8$/.test(name))
      .map((name) => join(cacheDir, name))
  }

  function output(result: Run): {
    url: string
    slab: number
    hostname: string
    strict: boolean
    worker?: { slab: number; url: string }
  } {
    expect(result.code, result.err).toBe(0)
    return JSON.parse(result.out.trim())
  }

  test('the first run writes a code cache once started; the next runs use it', async () => {
    rmSync(cacheDir, { recursive: true, force: true })
    const first = await run(['linger'])
    const app = output(first)
    // import.meta is the launcher's; import() went through Node's loader; Buffer's pool is the banner's.
    expect(app.url).toBe(new URL(`file://${launcherPath}`).href)
    expect(app.hostname).toBe('function')
    expect(app.slab).toBe(BUFFER_POOL_SIZE)
    expect(app.strict).toBe(true)
    expect(first.err).toMatch(/no code cache for .*app\.main\.js: writing one after the start/)
    expect(first.err).toMatch(/code cache written to /)
    expect(cacheFiles()).toHaveLength(1)

    const second = await run([])
    expect(output(second).url).toBe(app.url)
    expect(second.err).toMatch(/code cache accepted for .*app\.main\.js/)
    expect(second.err).not.toMatch(/written/)
  }, 60_000)

  test('a damaged cache or one of another build is not used, and is written again', async () => {
    rmSync(cacheDir, { recursive: true, force: true })
    output(await run(['linger']))
    const [file] = cacheFiles()
    if (file === undefined) throw new Error('no code cache written')
    const bytes = readFileSync(file)
    // One bit flipped in the middle of V8's data: V8 itself would not notice (release builds).
    const damaged = Buffer.from(bytes)
    const middle = Math.floor(damaged.length / 2)
    damaged[middle] = (damaged[middle] ?? 0) ^ 1
    writeFileSync(file, damaged)
    const afterDamage = await run(['linger'])
    output(afterDamage)
    expect(afterDamage.err).toMatch(/is damaged/)
    expect(afterDamage.err).toMatch(/code cache written to /)
    expect(readFileSync(file).equals(damaged)).toBe(false)

    // Another build's cache (its id differs): not handed to V8.
    const other = readFileSync(file)
    other.write('0000000000000000', 'depin-code-cache '.length, 'latin1')
    writeFileSync(file, other)
    const afterBuild = await run([])
    output(afterBuild)
    expect(afterBuild.err).toMatch(/is of another build/)

    // One V8 rejects (its build and checksum right, its data not V8's): written again, then used.
    output(await run(['linger']))
    const garbage = Buffer.alloc(4096, 7)
    const header = readFileSync(file).subarray(0, `depin-code-cache ${'0'.repeat(16)} `.length)
    const sum = `${crc32(garbage).toString(16).padStart(8, '0')}\n`
    writeFileSync(file, Buffer.concat([header, Buffer.from(sum, 'latin1'), garbage]))
    const afterRejection = await run(['linger'])
    output(afterRejection)
    expect(afterRejection.err).toMatch(/rejected the code cache/)
    expect(afterRejection.err).toMatch(/code cache written to /)
    expect((await run([])).err).toMatch(/code cache accepted/)
  }, 60_000)

  test('other flags, a worker thread: a cache of their own; the compile cache off: none', async () => {
    rmSync(cacheDir, { recursive: true, force: true })
    output(await run(['linger']))
    expect(cacheFiles()).toHaveLength(1)
    // V8 rejects a cache made under other flags: they must not overwrite each other's.
    const flagged = await run(['linger'], { nodeArgs: ['--max-semi-space-size=1'] })
    output(flagged)
    expect(flagged.err).toMatch(/no code cache/)
    expect(cacheFiles()).toHaveLength(2)
    expect((await run([])).err).toMatch(/code cache accepted/)

    // A worker started from import.meta.url runs the launcher: the banner's pool, its own cache.
    const withWorker = output(await run(['worker']))
    expect(withWorker.worker).toEqual({ slab: BUFFER_POOL_SIZE, url: withWorker.url })
    expect(cacheFiles()).toHaveLength(3)

    rmSync(cacheDir, { recursive: true, force: true })
    const off = await run(['linger'], { env: { NODE_DISABLE_COMPILE_CACHE: '1' }, writes: 0 })
    expect(output(off).slab).toBe(BUFFER_POOL_SIZE)
    expect(off.err).not.toMatch(/code cache/)
    expect(cacheFiles()).toHaveLength(0)
  }, 60_000)

  test('an error is reported, and maps back to the TypeScript source with --enable-source-maps', async () => {
    const mapped = await run([], { nodeArgs: ['--enable-source-maps'] })
    expect(output(mapped).strict).toBe(true)
    const failed = await run(['throw'], { nodeArgs: ['--enable-source-maps'] })
    expect(failed.code).not.toBe(0)
    expect(failed.err).toContain('fixture failed on purpose')
    expect(failed.err).toMatch(/src[/\\]app\.ts:\d+/)
    expect(failed.err).toMatch(/source maps on: .*app\.main\.js compiled without the code cache/)
  }, 30_000)

  test('the bundle run without its launcher fails loudly instead of doing nothing', async () => {
    const result = await run([], { script: join(dir, 'dist', 'app.main.js') })
    expect(result.code).not.toBe(0)
    expect(result.err).toMatch(/__depin(CreateRequire|Meta) is not defined/)
  }, 30_000)
})

/**
 * The size of the slab a 52-byte `Buffer.allocUnsafe()` is cut from in a new worker thread without
 * the banner, once the thread's first pool is used up: Node's own default.
 */
async function slabInPlainWorker(): Promise<number> {
  const worker = new Worker(
    "let b\nfor (let i = 0; i < 2000; i++) b = Buffer.allocUnsafe(52)\nrequire('node:worker_threads').parentPort.postMessage(b.buffer.byteLength)\n",
    { eval: true },
  )
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('probe worker did not answer within 10 s')), 10_000)
      worker.once('message', (size: number) => {
        clearTimeout(timer)
        resolve(size)
      })
      worker.once('error', (err) => {
        clearTimeout(timer)
        reject(err)
      })
    })
  } finally {
    await worker.terminate()
  }
}

test("without the banner a thread's slabs are Node's default (the control of the slab checks above)", async () => {
  expect(BUFFER_POOL_SIZE).toBe(8 * 1024)
  // Node's default: 64 KiB from Node 24.21 on (nodejs/node#63597).
  expect(await slabInPlainWorker()).toBe(Buffer.poolSize)
})
