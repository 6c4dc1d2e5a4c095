import { loggerFromWrite } from './adapter.js'
import { isError } from './error-value.js'
import { toJsonValue } from './json-value.js'
import { toKeyValuePairs } from './key-values.js'
import type { Logger } from './logger.js'

/** One level method of a pino logger: `(mergeObject, msg)`. */
export type PinoLogMethod = (mergeObject: object, msg: string) => void

/**
 * The part of a pino logger the adapter uses (structural, so this package does not depend on pino).
 * A `pino()` instance or a `pino().child(...)` satisfies it.
 */
export interface PinoLike {
  debug: PinoLogMethod
  info: PinoLogMethod
  warn: PinoLogMethod
  error: PinoLogMethod
  isLevelEnabled?(level: string): boolean
}

/**
 * Adapts a pino logger. The key/values become pino's merge object; the first `Error` given as
 * `'err'`, `'error'` or a bare `Error` argument goes under `err`, where pino's standard serializer
 * writes its type, message and stack. Other Error values are serialized as
 * `{name,message,stack,code,cause}`; a BigInt value becomes a decimal string. Pino's own level filter
 * applies. Never throws.
 *
 * @example
 * ```ts
 * import pino from 'pino'
 * import { createPinoLogger } from '@depin/logger'
 *
 * const logger = createPinoLogger(pino({ level: 'debug' }))
 * logger.warn('dial failed', 'peer', peerId, 'error', err)
 * // {"level":40,"time":…,"peer":"12D3KooW…","err":{"type":"Error","message":"…","stack":"…"},"msg":"dial failed"}
 * ```
 */
export function createPinoLogger(pino: PinoLike): Logger {
  return loggerFromWrite(
    (level, msg, keyValues) => {
      if (pino.isLevelEnabled !== undefined && !pino.isLevelEnabled(level)) return
      pino[level](toMergeObject(keyValues), msg)
    },
    (level) => pino.isLevelEnabled?.(level) ?? true,
  )
}

function toMergeObject(keyValues: readonly unknown[]): Record<string, unknown> {
  const merge: Record<string, unknown> = {}
  let errPlaced = false
  for (const [key, value] of toKeyValuePairs(keyValues)) {
    if (isError(value)) {
      if (!errPlaced && (key === 'err' || key === 'error')) {
        merge.err = value
        errPlaced = true
        continue
      }
      setField(merge, key, toJsonValue(value))
    } else if (key === 'err' && errPlaced) {
      setField(merge, 'err.value', value)
    } else if (typeof value === 'bigint') {
      // pino would write a JSON number that most readers round past 2^53.
      setField(merge, key, value.toString())
    } else {
      setField(merge, key, value)
    }
  }
  return merge
}

// A plain object is what pino expects; define the property so a `__proto__` key stays a key.
function setField(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}
