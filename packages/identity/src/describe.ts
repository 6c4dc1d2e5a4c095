const MAX_SHOWN = 64

/**
 * A short rendering of an untrusted value for an error message: primitives as themselves (strings
 * quoted and cut at 64 characters), anything else by its kind. It never calls the value's own
 * `toString`/`valueOf`/`Symbol.toPrimitive` (a registry record or a config read from JSON may
 * carry `{"toString": 0}`, on which `String(value)` throws a TypeError), so it never throws.
 *
 * @example
 * describeValue(70000)              // '70000'
 * describeValue('x'.repeat(100))    // '"xxxx…"' (64 characters and an ellipsis)
 * describeValue({ toString: 0 })    // 'an object'
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value)
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value)
    case 'bigint':
      return `${value}n`
    case 'symbol':
      return 'a symbol'
    case 'function':
      return 'a function'
    default:
      if (value === null) return 'null'
      if (Array.isArray(value)) return `an array of ${value.length}`
      if (value instanceof Uint8Array) return `${value.length} bytes`
      return 'an object'
  }
}
