// @ts-check
import { decode, encode } from '@jridgewell/sourcemap-codec'
import { parse } from 'acorn'

/**
 * esbuild wraps each bundled module that is initialised on first use (`__esm` for ES modules,
 * `__commonJS` for CommonJS ones) in a method of an object literal:
 *
 * ```js
 * var init_foo=__esm({"../node_modules/foo/index.js"(){...}});
 * ```
 *
 * V8 compiles such a method lazily, when the module is first initialised, and Node's compile cache
 * stores the code cache it takes right after compiling the file: only functions compiled eagerly
 * are in it. Every module body was therefore compiled again on every start (40 ms of self time in
 * esbuild's `__init` in a CPU profile of the vs-go node's start). A function expression in
 * parentheses is compiled eagerly (V8's PIFE heuristic), so written as
 * `"../node_modules/foo/index.js":(function(){...})` every module body is in the code cache.
 *
 * The bundle is parsed (acorn), so the rewrite does not depend on how esbuild lays the code out
 * (the app bundles are whitespace-minified: a few long lines); the source map's mappings are moved
 * with the text inserted, so every mapped position still points where it did.
 *
 * @param {string} code the bundle esbuild wrote
 * @param {string} mappings the `mappings` field of its source map
 * @returns {{ code: string, mappings: string, wrapped: number }}
 */
export function eagerModuleBodies(code, mappings) {
  /** @type {{ at: number, text: string }[]} */
  const inserts = []
  for (const method of moduleWrappers(code)) {
    // `"key"(params){body}` -> `"key":(function(params){body})`
    inserts.push({ at: method.start, text: ':(function' }, { at: method.end, text: ')' })
  }
  inserts.sort((a, b) => a.at - b.at)
  let out = ''
  let from = 0
  for (const { at, text } of inserts) {
    out += code.slice(from, at) + text
    from = at
  }
  out += code.slice(from)
  return { code: out, mappings: shiftMappings(code, mappings, inserts), wrapped: inserts.length / 2 }
}

/**
 * The function of each esbuild module wrapper: the method of `__esm({...})` or `__commonJS({...})`
 * (the object's one property, a method whose key is the module's path).
 *
 * @param {string} code
 * @returns {{ start: number, end: number }[]} the method's function, from its `(` to its `}`
 */
function moduleWrappers(code) {
  const program = parse(code, { ecmaVersion: 'latest', sourceType: 'module', allowHashBang: true })
  /** @type {{ start: number, end: number }[]} */
  const found = []
  for (const statement of program.body) {
    if (statement.type !== 'VariableDeclaration') continue
    for (const { init } of statement.declarations) {
      if (init?.type !== 'CallExpression' || init.callee.type !== 'Identifier') continue
      if (init.callee.name !== '__esm' && init.callee.name !== '__commonJS') continue
      const [object] = init.arguments
      if (object?.type !== 'ObjectExpression' || object.properties.length !== 1) continue
      const [property] = object.properties
      if (property?.type !== 'Property' || !property.method || property.key.type !== 'Literal') continue
      found.push({ start: property.value.start, end: property.value.end })
    }
  }
  return found
}

/**
 * Source map mappings after inserting text: a generated position at or after an insertion on its
 * line moves right by the inserted length (no insertion spans lines).
 *
 * @param {string} code the code before the insertions
 * @param {string} mappings
 * @param {{ at: number, text: string }[]} inserts sorted by offset
 */
function shiftMappings(code, mappings, inserts) {
  if (mappings === '') return mappings
  const lines = decode(mappings)
  // Offset of each line's first character, to turn an insertion's offset into line and column.
  const lineStarts = [0]
  for (let i = code.indexOf('\n'); i !== -1; i = code.indexOf('\n', i + 1)) lineStarts.push(i + 1)
  let line = 0
  /** @type {Map<number, { column: number, length: number }[]>} */
  const byLine = new Map()
  for (const { at, text } of inserts) {
    while (line + 1 < lineStarts.length && (lineStarts[line + 1] ?? Infinity) <= at) line++
    const list = byLine.get(line) ?? []
    list.push({ column: at - (lineStarts[line] ?? 0), length: text.length })
    byLine.set(line, list)
  }
  for (const [index, list] of byLine) {
    const segments = lines[index]
    if (segments === undefined) continue
    // Both in column order (a line's segments are, in a source map): one pass.
    let next = 0
    let shift = 0
    for (const segment of segments) {
      while (next < list.length && (list[next]?.column ?? Infinity) <= segment[0]) {
        shift += list[next]?.length ?? 0
        next++
      }
      segment[0] += shift
    }
  }
  return encode(lines)
}
