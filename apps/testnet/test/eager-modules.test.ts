import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { BUFFER_POOL_SIZE, eagerModuleBodies } from '@depin/tsup-config'
import { decode, encode, type SourceMapSegment } from '@jridgewell/sourcemap-codec'
import { describe, expect, test } from 'vitest'

// The shape esbuild gives a whitespace-minified bundle's lazily initialised modules (one ES module,
// one CommonJS one), on two lines as a bundle's banner leaves it.
const BUNDLE = [
  "import{createRequire}from'node:module';",
  [
    'var __getOwnPropNames=Object.getOwnPropertyNames,a;',
    'var __esm=(fn,res)=>function __init(){return fn&&(res=(0,fn[__getOwnPropNames(fn)[0]])(fn=0)),res};',
    'var __commonJS=(cb,mod)=>function __require(){return mod||(0,cb[__getOwnPropNames(cb)[0]])((mod={exports:{}}).exports,mod),mod.exports};',
    'var init_a=__esm({"node_modules/a/index.js"(){"use strict";a=1}});',
    'var require_b=__commonJS({"node_modules/b/index.js"(exports,module){module.exports={nested:{x:"}"}}}});',
    // Not a module wrapper: an object with a method of the same shape stays as it is.
    'var other={"key"(){return 2}};',
    'init_a();',
  ].join(''),
].join('\n')

/** A source map segment at the first occurrence of `text` on line 1, mapped to source 0, line `line`. */
function segmentAt(code: string, text: string, line: number): SourceMapSegment {
  const column = code.split('\n')[1]?.indexOf(text) ?? -1
  if (column < 0) throw new Error(`${text} not in the bundle`)
  return [column, 0, line, 0]
}

describe('eagerModuleBodies', () => {
  test('wraps every module body in parentheses and keeps the program as it was', () => {
    const out = eagerModuleBodies(BUNDLE, '')
    expect(out.wrapped).toBe(2)
    expect(out.code).toContain('__esm({"node_modules/a/index.js":(function(){"use strict";a=1})})')
    expect(out.code).toContain(
      '__commonJS({"node_modules/b/index.js":(function(exports,module){module.exports={nested:{x:"}"}}})})',
    )
    expect(out.code).toContain('var other={"key"(){return 2}}')
    // The same program: esbuild's helpers still initialise each module once, on first use.
    const body = out.code.split('\n')[1]
    const run = new Function(
      `${body}\nreturn [a, require_b().nested.x, require_b() === require_b(), other.key()]`,
    )
    expect(run()).toEqual([1, '}', true, 2])
  })

  test('moves the source map with the inserted text: every segment still points at its code', () => {
    const texts = ['var init_a', 'a=1', 'var require_b', 'module.exports', 'var other', 'init_a();']
    const mappings = encode([[[0, 0, 0, 0]], texts.map((text, i) => segmentAt(BUNDLE, text, i + 1))])
    const out = eagerModuleBodies(BUNDLE, mappings)
    const [first, second] = decode(out.mappings)
    expect(first).toEqual([[0, 0, 0, 0]])
    const line = out.code.split('\n')[1] ?? ''
    expect(second?.map((segment) => texts.find((text) => line.startsWith(text, segment[0])))).toEqual(texts)
    // Original positions untouched.
    expect(second?.map((segment) => segment[2])).toEqual(texts.map((_, i) => i + 1))
  })

  test('throws on code it cannot parse, instead of writing a broken bundle', () => {
    expect(() => eagerModuleBodies(BUNDLE.slice(0, -20), '')).toThrow(SyntaxError)
  })

  test("the testnet's built bundles have every module body wrapped, and are ASCII", () => {
    for (const name of ['cli', 'child', 'host']) {
      const code = readFileSync(fileURLToPath(new URL(`../dist/${name}.main.js`, import.meta.url)), 'utf8')
      const wrappers = code.match(/=__(?:esm|commonJS)\(\{"/g) ?? []
      const eager = code.match(/=__(?:esm|commonJS)\(\{"(?:[^"\\]|\\.)*":\(function\(/g) ?? []
      expect(wrappers.length, name).toBeGreaterThan(100)
      expect(eager.length, name).toBe(wrappers.length)
      // Node holds a source with any other character at two bytes per character.
      expect(/[\u0080-\uffff]/.test(code), name).toBe(false)
    }
  })
})

/**
 * The size of the slab a 52-byte `Buffer.allocUnsafe()` (a multiaddr's) is cut from in a new worker
 * thread running `code`, once the thread's first pool (made when Node starts it, at Node's default
 * size) is used up: 2,000 of them, 112 KB.
 */
async function slabInWorker(dir: string, code: string): Promise<number> {
  const file = join(dir, `probe-${Math.random().toString(36).slice(2)}.mjs`)
  writeFileSync(
    file,
    `${code}\nimport { parentPort } from 'node:worker_threads'\nlet b\nfor (let i = 0; i < 2000; i++) b = Buffer.allocUnsafe(52)\nparentPort.postMessage(b.buffer.byteLength)\n`,
  )
  const worker = new Worker(file)
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

describe("the bundles' Buffer pool", () => {
  test('every thread that loads a testnet bundle cuts small buffers from 8 KiB slabs, not 64 KiB', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'depin-pool-'))
    try {
      // Control: what this Node gives a thread without the banner (64 KiB from Node 24.21 on).
      const nodeDefault = await slabInWorker(dir, '')
      expect(nodeDefault).toBe(Buffer.poolSize)
      expect(BUFFER_POOL_SIZE).toBe(8 * 1024)
      for (const name of ['cli', 'child', 'host']) {
        const code = readFileSync(fileURLToPath(new URL(`../dist/${name}.main.js`, import.meta.url)), 'utf8')
        // The bundle's banner, as a worker thread runs it (host workers load the bundle directly).
        const banner = code.slice(0, code.indexOf('\nvar '))
        expect(banner, name).toContain('Buffer.poolSize')
        expect(await slabInWorker(dir, banner), name).toBe(BUFFER_POOL_SIZE)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
