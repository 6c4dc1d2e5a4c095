import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { eagerModuleBodies } from '@depin/tsup-config'
import { describe, expect, test } from 'vitest'

// The shape esbuild gives a bundle's lazily initialised modules (one ES module, one CommonJS one).
const BUNDLE = [
  'var __getOwnPropNames = Object.getOwnPropertyNames, a;',
  'var __esm = (fn, res) => function __init() { return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res; };',
  'var __commonJS = (cb, mod) => function __require() { return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports; };',
  'var init_a = __esm({',
  '  "node_modules/a/index.js"() {',
  '    "use strict";',
  '    a = 1;',
  '  }',
  '});',
  'var require_b = __commonJS({',
  '  "node_modules/b/index.js"(exports, module) {',
  '    module.exports = { nested: { x: 1 } };',
  '  }',
  '});',
  'init_a();',
].join('\n')

describe('eagerModuleBodies', () => {
  test('wraps every module body in parentheses and keeps every line where it was', () => {
    const out = eagerModuleBodies(BUNDLE, '')
    expect(out).toMatchObject({ wrapped: 2, modules: 2 })
    const lines = out.code.split('\n')
    expect(lines).toHaveLength(BUNDLE.split('\n').length)
    expect(lines[4]).toBe('  "node_modules/a/index.js": (function() {')
    expect(lines[7]).toBe('  })')
    expect(lines[10]).toBe('  "node_modules/b/index.js": (function(exports, module) {')
    expect(lines[12]).toBe('  })')
    // The same program: esbuild's helpers still initialise each module once, on first use.
    const run = new Function(`${out.code}\nreturn [a, require_b().nested.x, require_b() === require_b()]`)
    expect(run()).toEqual([1, 1, true])
  })

  test('leaves a module whose opening line the source map maps past column 0', () => {
    // Lines 0-3 unmapped, line 4 (a's opening) has a second segment at column 4, b's only column 0.
    const out = eagerModuleBodies(BUNDLE, ';;;;AAAA,IAAI;;;;;;AAAA')
    expect(out).toMatchObject({ wrapped: 1, modules: 2 })
    expect(out.code.split('\n')[4]).toBe('  "node_modules/a/index.js"() {')
    expect(out.code.split('\n')[10]).toBe('  "node_modules/b/index.js": (function(exports, module) {')
  })

  test('throws on a wrapper it opened and could not close, instead of writing a broken bundle', () => {
    // Cut after b's body: its wrapper has no closing lines.
    const broken = BUNDLE.split('\n').slice(0, 12).join('\n')
    expect(() => eagerModuleBodies(broken, '')).toThrow(/never closed/)
  })

  test("the testnet's built bundles have every module body wrapped", () => {
    for (const name of ['cli', 'child', 'host']) {
      const code = readFileSync(fileURLToPath(new URL(`../dist/${name}.main.js`, import.meta.url)), 'utf8')
      const wrappers = code.match(/^var [\w$]+ = __(?:esm|commonJS)\(\{$/gm) ?? []
      const eager = code.match(/^ {2}"(?:[^"\\]|\\.)*": \(function\([\w$, ]*\) \{$/gm) ?? []
      expect(wrappers.length, name).toBeGreaterThan(100)
      expect(eager.length, name).toBe(wrappers.length)
    }
  })
})
