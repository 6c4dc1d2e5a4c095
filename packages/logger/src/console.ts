import { loggerFromWrite } from './adapter.js'
import { toKeyValuePairs } from './key-values.js'
import { levelPasses, parseLogLevel } from './level.js'
import { formatJsonLine, formatPrettyLine } from './line-format.js'
import type { Logger, LogLevel } from './logger.js'

/** Where the console logger writes: anything with a `write(text)` method, like a Node stream. */
export interface LogStream {
  write(chunk: string): unknown
}

/** Options of {@link createConsoleLogger}. */
export interface ConsoleLoggerOptions {
  /**
   * The lowest level written; calls below it return at once.
   * @default 'info'
   */
  level?: LogLevel | undefined
  /**
   * `pretty`: one human-readable line per call (`<time> INFO  msg key=value`, Error stacks indented
   * below). `json`: one JSON object per line (`{"time","level","msg",...fields}`), Errors as
   * `{name,message,stack,code,cause}`.
   * @default 'pretty'
   */
  format?: 'pretty' | 'json' | undefined
  /**
   * The destination.
   * @default process.stderr (or `console.error` where there is no `process`)
   */
  stream?: LogStream | undefined
  /**
   * Fields written on every line, before the call's own key/values.
   * @default {}
   */
  fields?: Readonly<Record<string, unknown>> | undefined
  /**
   * The clock stamping each line (tests pass a fixed one).
   * @default () => new Date()
   */
  now?: (() => Date) | undefined
}

/**
 * A logger that writes human-readable or JSON lines to stderr (or any stream), filtered by level.
 * Logging never throws: a failing stream or an unserializable value costs the line, not the caller.
 *
 * @throws TypeError when `level` or `format` is not one of the documented values.
 *
 * @example
 * ```ts
 * import { createConsoleLogger } from '@depin/logger'
 *
 * const logger = createConsoleLogger({ level: 'debug', format: 'json', fields: { service: 'node-1' } })
 * logger.info('peer connected', 'peer', '12D3KooW…', 'count', 3)
 * // {"time":"2026-11-25T12:00:00.000Z","level":"info","msg":"peer connected","service":"node-1","peer":"12D3KooW…","count":3}
 * ```
 */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const threshold = options.level === undefined ? 'info' : parseLogLevel(options.level)
  if (options.format !== undefined && options.format !== 'pretty' && options.format !== 'json') {
    throw new TypeError(
      `Invalid console logger format ${JSON.stringify(String(options.format))}: expected 'pretty' or 'json'`,
    )
  }
  const stream = options.stream ?? defaultStream()
  const format = options.format === 'json' ? formatJsonLine : formatPrettyLine
  const now = options.now ?? (() => new Date())
  const boundKeyValues = Object.entries(options.fields ?? {}).flat()

  return loggerFromWrite(
    (level, msg, keyValues) => {
      if (!levelPasses(level, threshold)) return
      const pairs = toKeyValuePairs(boundKeyValues.length > 0 ? [...boundKeyValues, ...keyValues] : keyValues)
      stream.write(`${format(now(), level, msg, pairs)}\n`)
    },
    (level) => levelPasses(level, threshold),
  )
}

function defaultStream(): LogStream {
  const stderr = (globalThis as { process?: { stderr?: LogStream } }).process?.stderr
  if (stderr !== undefined) return stderr
  return { write: (chunk: string) => console.error(chunk.replace(/\n$/, '')) }
}
