import { base32 } from 'multiformats/bases/base32'
import { base58btc } from 'multiformats/bases/base58'
import { base64 } from 'multiformats/bases/base64'
import { isError } from './error-value.js'
import { safeJsonStringify, toJsonValue } from './json-value.js'

type Specifier = (value: unknown) => string

// The specifiers @libp2p/logger registers on its `debug` fork (weald), plus the printf ones Node's
// `util.format` applies afterwards. See @libp2p/logger's src/index.ts. Bytes go through the same
// multiformats encoders as there, without the multibase prefix.
const printfOnly = { s: true, d: true, i: true, f: true, j: true } as const

const specifiers: Readonly<Record<string, Specifier>> = {
  s: (v) => (typeof v === 'string' ? v : describe(v)),
  d: (v) => (typeof v === 'bigint' ? `${v}n` : String(Number(v))),
  i: (v) => (typeof v === 'bigint' ? `${v}n` : String(Number.parseInt(String(v), 10))),
  f: (v) => String(Number.parseFloat(String(v))),
  j: (v) => safeJsonStringify(v),
  o: (v) => describe(v),
  O: (v) => describe(v),
  b: (v) => bytes(v, base58btc),
  t: (v) => bytes(v, base32),
  m: (v) => bytes(v, base64),
  p: (v) => (v == null ? 'undefined' : describe(v)),
  c: (v) => (v == null ? 'undefined' : describe(v)),
  k: (v) => (v == null ? 'undefined' : describe(v)),
  a: (v) => (v == null ? 'undefined' : describe(v)),
  e: (v) => (v == null ? 'undefined' : isError(v) ? printError(v, '') : describe(v)),
}

/**
 * Formats one libp2p log call (`log('dialing %p on %a', peerId, addr)`) into a plain string the way
 * @libp2p/logger would print it, without colors, namespace or timestamp: `%p` peer id, `%a`
 * multiaddr, `%c` CID, `%k` datastore key (their `toString()`), `%b` base58btc, `%t` base32, `%m`
 * base64 of bytes, `%e` an error with its stack, `%s %d %i %f %j %o %O` as in `util.format`, `%%` a
 * percent sign. Arguments left over are appended, separated by spaces. An `Error` as the formatter
 * prints its stack. Never throws.
 */
export function formatLibp2pMessage(formatter: unknown, args: readonly unknown[]): string {
  try {
    let template: string
    if (typeof formatter === 'string') {
      template = formatter
    } else if (isError(formatter)) {
      template = formatter.stack ?? formatter.message
    } else {
      return [formatter, ...args].map(describe).join(' ')
    }
    // A hand-written scan: String#replace with a callback costs about 20 times more per call.
    let index = 0
    let text = ''
    let copied = 0
    let percent = template.indexOf('%')
    while (percent !== -1 && percent + 1 < template.length) {
      const letter = template[percent + 1] as string
      let next = percent + 1
      if (letter === '%') {
        text += `${template.slice(copied, percent)}%`
        copied = next = percent + 2
      } else if (isAsciiLetter(letter)) {
        next = percent + 2
        const specifier = specifiers[letter]
        // util.format leaves its own specifiers in place when the arguments ran out.
        if (specifier !== undefined && (index < args.length || !(letter in printfOnly))) {
          text += template.slice(copied, percent) + specifier(args[index++])
          copied = next
        }
      }
      percent = template.indexOf('%', next)
    }
    text += template.slice(copied)
    for (; index < args.length; index++) text += ` ${describe(args[index])}`
    return text
  } catch {
    return typeof formatter === 'string' ? formatter : '[unformattable libp2p log line]'
  }
}

/**
 * A short, single-line rendering of any value: strings as they are, errors as their stack, objects
 * with their own `toString` (PeerId, Multiaddr, CID) as that, bytes as `Uint8Array(n) [...]`,
 * everything else as safe JSON.
 */
function describe(value: unknown): string {
  try {
    switch (typeof value) {
      case 'string':
        return value
      case 'bigint':
        return `${value}n`
      case 'symbol':
        return value.toString()
      case 'function':
        return `[Function: ${value.name || 'anonymous'}]`
      case 'object':
        break
      default:
        return String(value)
    }
    if (value === null) return 'null'
    if (isError(value)) return printError(value, '')
    if (value instanceof Uint8Array) {
      const shown = Array.from(value.subarray(0, 32)).join(', ')
      return `Uint8Array(${value.length}) [ ${shown}${value.length > 32 ? ', …' : ''} ]`
    }
    if (!Array.isArray(value)) {
      const ownToString = (value as { toString?: unknown }).toString
      if (typeof ownToString === 'function' && ownToString !== Object.prototype.toString) {
        return String(ownToString.call(value))
      }
    }
    const converted = toJsonValue(value)
    return typeof converted === 'string' ? converted : JSON.stringify(converted)
  } catch {
    return '[unprintable]'
  }
}

function bytes(value: unknown, base: { baseEncode(bytes: Uint8Array): string }): string {
  if (value == null) return 'undefined'
  return value instanceof Uint8Array ? base.baseEncode(value) : describe(value)
}

// As @libp2p/logger's printError: the stack (with the message when the stack lacks it), and the
// inner errors of an AggregateError indented below. Depth-bounded.
function printError(error: Error, indent: string, depth = 0): string {
  const message = notEmpty(error.message)
  const stack = notEmpty(error.stack)
  let out: string
  if (message !== undefined && stack !== undefined) {
    out = stack.includes(message)
      ? stack.split('\n').join(`\n${indent}`)
      : `${message}\n${indent}${stack.split('\n').join(`\n${indent}`)}`
  } else if (stack !== undefined) {
    out = stack.split('\n').join(`\n${indent}`)
  } else {
    out = message ?? String(error)
  }
  const inner = (error as { errors?: unknown }).errors
  if (
    depth < 3 &&
    Array.isArray(inner) &&
    (error instanceof AggregateError || error.name === 'AggregateError')
  ) {
    const innerIndent = `${indent}    `
    out +=
      inner.length > 0
        ? `\n${innerIndent}${inner
            .map((e) => (isError(e) ? printError(e, innerIndent, depth + 1) : describe(e)))
            .join(`\n${innerIndent}`)}`
        : `\n${innerIndent}[Error list was empty]`
    out = out.trim()
  }
  return out
}

function notEmpty(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined
  const trimmed = text.trim()
  return trimmed.length === 0 ? undefined : trimmed
}

function isAsciiLetter(char: string): boolean {
  const code = char.charCodeAt(0)
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122)
}
