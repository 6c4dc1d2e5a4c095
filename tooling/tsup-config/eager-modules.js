// @ts-check

/**
 * esbuild wraps each bundled module that is initialised on first use (`__esm` for ES modules,
 * `__commonJS` for CommonJS ones) in a method of an object literal:
 *
 * ```js
 * var init_foo = __esm({
 *   "../node_modules/foo/index.js"() {
 *     ...
 *   }
 * });
 * ```
 *
 * V8 compiles such a method lazily, when the module is first initialised, and Node's compile cache
 * stores the code cache it takes right after compiling the file: only functions compiled eagerly
 * are in it. Every module body was therefore compiled again on every start (40 ms of self time in
 * esbuild's `__init` in a CPU profile of the vs-go node's start). A function expression in
 * parentheses is compiled eagerly (V8's PIFE heuristic), so written as
 * `"../node_modules/foo/index.js": (function() { ... })` every module body is in the code cache.
 *
 * Line-preserving: only the wrapper's opening and closing lines change, so the source map stays
 * right for every other line. On the opening line text is inserted after the key; a module is
 * left as it is when the source map maps anything on that line past its first column (esbuild maps
 * at most column 0 there), so no mapping moves.
 *
 * @param {string} code the bundle esbuild wrote
 * @param {string} mappings the `mappings` field of its source map
 * @returns {{ code: string, wrapped: number, modules: number }}
 */
export function eagerModuleBodies(code, mappings) {
  const lines = code.split('\n')
  const lineMappings = mappings.split(';')
  let wrapped = 0
  let modules = 0
  let open = false
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (open) {
      // The module's closing: its body is indented one level deeper than this brace.
      if (line === '  }' && lines[i + 1] === '});') {
        lines[i] = '  })'
        open = false
      }
      continue
    }
    if (!WRAPPER_START.test(lines[i - 1] ?? '')) continue
    const m = METHOD.exec(line)
    if (m === null) continue
    modules++
    if (!mapsOnlyColumnZero(lineMappings[i] ?? '')) continue
    lines[i] = `  ${m[1]}: (function(${m[2]}) {`
    wrapped++
    open = true
  }
  if (open) throw new Error('eagerModuleBodies: a module wrapper was opened and never closed')
  return { code: lines.join('\n'), wrapped, modules }
}

const WRAPPER_START = /^var [\w$]+ = __(?:esm|commonJS)\(\{$/
const METHOD = /^ {2}("(?:[^"\\]|\\.)*")\(([\w$, ]*)\) \{$/

/**
 * True when one line of a source map's `mappings` has no segment past column 0: no segment, or one
 * whose first field (the column, absolute for a line's first segment) is the base64 VLQ for 0 ('A').
 *
 * @param {string} line
 */
function mapsOnlyColumnZero(line) {
  return line === '' || (line.startsWith('A') && !line.includes(','))
}
