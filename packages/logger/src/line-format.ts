import { isError } from './error-value.js'
import { toJsonValue } from './json-value.js'
import type { KeyValuePair } from './key-values.js'
import type { LogLevel } from './logger.js'

/** Keys of a JSON line that fields may not overwrite; a colliding field is written as `fields.<key>`. */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['time', 'level', 'msg'])

const BARE_VALUE = /^[\w.:/@+\-,]+$/

/**
 * One JSON line (no trailing newline): `{"time":"<ISO 8601>","level":"info","msg":"...",...fields}`.
 * Never throws.
 */
export function formatJsonLine(
  time: Date,
  level: LogLevel,
  msg: string,
  pairs: readonly KeyValuePair[],
): string {
  const record: Record<string, unknown> = { time: isoTime(time), level, msg: String(msg) }
  for (const [key, value] of pairs) {
    record[RESERVED_KEYS.has(key) ? `fields.${key}` : key] = toJsonValue(value)
  }
  try {
    return JSON.stringify(record)
  } catch {
    return JSON.stringify({ time: record.time, level, msg: record.msg, logError: 'fields not serializable' })
  }
}

/**
 * One human-readable line: `2026-11-25T11:48:28.123Z INFO  peer connected peer=12D3… count=3`,
 * followed by the indented stack of each Error value. Line breaks inside the message and values are
 * escaped so one call is one line (plus stacks). Never throws.
 */
export function formatPrettyLine(
  time: Date,
  level: LogLevel,
  msg: string,
  pairs: readonly KeyValuePair[],
): string {
  let line = `${isoTime(time)} ${level.toUpperCase().padEnd(5)} ${escapeLineBreaks(String(msg))}`
  let stacks = ''
  for (const [key, value] of pairs) {
    line += ` ${escapeLineBreaks(key)}=${prettyValue(value)}`
    if (isError(value)) stacks += errorStack(value, '    ')
  }
  return line + stacks
}

function prettyValue(value: unknown): string {
  try {
    if (typeof value === 'string') return BARE_VALUE.test(value) ? value : JSON.stringify(value)
    if (value === null || typeof value !== 'object') {
      return typeof value === 'function' ? `[Function: ${value.name || 'anonymous'}]` : String(value)
    }
    if (isError(value)) return JSON.stringify(`${value.name}: ${value.message}`)
    const converted = toJsonValue(value)
    return typeof converted === 'string' && BARE_VALUE.test(converted) ? converted : JSON.stringify(converted)
  } catch {
    return '"[Unserializable]"'
  }
}

function errorStack(error: Error, indent: string): string {
  let out = ''
  let current: unknown = error
  // Follow the cause chain, bounded: a cyclic cause must not loop forever.
  for (let depth = 0; depth < 5 && isError(current); depth++) {
    try {
      const stack = typeof current.stack === 'string' ? current.stack : `${current.name}: ${current.message}`
      out += `\n${indent}${depth > 0 ? 'caused by: ' : ''}${stack.split('\n').join(`\n${indent}`)}`
      current = current.cause
    } catch {
      break
    }
  }
  return out
}

function escapeLineBreaks(text: string): string {
  return text.replace(/\r/g, '\\r').replace(/\n/g, '\\n')
}

function isoTime(time: Date): string {
  try {
    return time.toISOString()
  } catch {
    return new Date().toISOString()
  }
}
