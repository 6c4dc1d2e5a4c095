import { loggerFromWrite } from './adapter.js'
import { toKeyValuePairs } from './key-values.js'
import type { Logger } from './logger.js'

/**
 * A logger that prepends `keyValues` to every call of `logger`: a child logger with bound fields.
 * Works over any `Logger` and nests (`withFields(withFields(l, 'a', 1), 'b', 2)` writes `a` then `b`).
 * An odd list is normalized first (a trailing key becomes `'!BADKEY', key`), so bound fields never
 * swallow a call's first key. Never throws.
 *
 * @example
 * ```ts
 * import { createConsoleLogger, withFields } from '@depin/logger'
 *
 * const log = withFields(createConsoleLogger(), 'database', 'my-depin', 'topic', 'rooms')
 * log.info('joined')   // ... INFO  joined database=my-depin topic=rooms
 * ```
 */
export function withFields(logger: Logger, ...keyValues: unknown[]): Logger {
  const bound = toKeyValuePairs(keyValues).flat()
  const isLevelEnabled = logger.isLevelEnabled
  return loggerFromWrite(
    (level, msg, callKeyValues) => logger[level](msg, ...bound, ...callKeyValues),
    isLevelEnabled === undefined ? undefined : (level) => isLevelEnabled.call(logger, level),
  )
}
