import { base64 } from 'multiformats/bases/base64'
import { isError, serializeErrorWith } from './error-value.js'

const MAX_DEPTH = 10
const MAX_ENTRIES = 1000

/**
 * Converts any value into one `JSON.stringify` accepts and that keeps its meaning in a log line:
 * Errors as `{ name, message, stack, code, cause }`, BigInt as a decimal string, cycles as
 * `"[Circular]"`, bytes as base64, Maps and Sets as objects and arrays, class instances with their
 * own `toString` (PeerId, Multiaddr, CID) as that string, `toJSON` honored. Nesting deeper than 10
 * levels becomes `"[Object]"`; arrays and objects are cut after 1000 entries. Never throws.
 */
export function toJsonValue(value: unknown): unknown {
  return convert(value, [], 0)
}

/** `JSON.stringify(toJsonValue(value))`, never throwing. */
export function safeJsonStringify(value: unknown): string {
  try {
    return JSON.stringify(toJsonValue(value)) ?? 'null'
  } catch {
    return '"[Unserializable]"'
  }
}

function convert(value: unknown, ancestors: object[], depth: number): unknown {
  try {
    switch (typeof value) {
      case 'string':
      case 'boolean':
      case 'undefined':
        return value
      case 'number':
        return Number.isFinite(value) ? value : String(value)
      case 'bigint':
        return value.toString()
      case 'symbol':
        return value.toString()
      case 'function':
        return `[Function: ${value.name || 'anonymous'}]`
    }
    if (value === null) return null
    const object = value as object
    if (ancestors.includes(object)) return '[Circular]'
    if (depth >= MAX_DEPTH) return Array.isArray(object) ? '[Array]' : '[Object]'
    ancestors.push(object)
    try {
      return convertObject(object, ancestors, depth + 1)
    } finally {
      ancestors.pop()
    }
  } catch {
    return '[Unserializable]'
  }
}

function convertObject(object: object, ancestors: object[], depth: number): unknown {
  const child = (v: unknown): unknown => convert(v, ancestors, depth)
  if (isError(object)) return serializeErrorWith(object, child)
  if (object instanceof Uint8Array) return base64.baseEncode(object)
  if (Array.isArray(object)) return convertList(object, child)
  if (object instanceof Set) return convertList(Array.from(object), child)
  if (object instanceof Map) {
    const record: Record<string, unknown> = Object.create(null)
    let count = 0
    for (const [key, v] of object) {
      if (count++ >= MAX_ENTRIES) break
      record[typeof key === 'string' ? key : String(key)] = child(v)
    }
    return record
  }
  const toJSON = (object as { toJSON?: unknown }).toJSON
  if (typeof toJSON === 'function') return child(toJSON.call(object))
  const proto = Object.getPrototypeOf(object)
  if (proto !== Object.prototype && proto !== null) {
    const ownToString = (object as { toString?: unknown }).toString
    if (typeof ownToString === 'function' && ownToString !== Object.prototype.toString) {
      return String(ownToString.call(object))
    }
  }
  const record: Record<string, unknown> = Object.create(null)
  let count = 0
  for (const key of Object.keys(object)) {
    if (count++ >= MAX_ENTRIES) {
      record['…'] = `${Object.keys(object).length - MAX_ENTRIES} more keys`
      break
    }
    try {
      record[key] = child((object as Record<string, unknown>)[key])
    } catch {
      record[key] = '[Unreadable]'
    }
  }
  return record
}

function convertList(list: readonly unknown[], child: (v: unknown) => unknown): unknown[] {
  const out = list.slice(0, MAX_ENTRIES).map(child)
  if (list.length > MAX_ENTRIES) out.push(`[… ${list.length - MAX_ENTRIES} more items]`)
  return out
}
