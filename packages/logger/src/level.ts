import type { Logger, LogLevel } from './logger.js'

/** Every level, in increasing severity. */
export const logLevels: readonly LogLevel[] = Object.freeze(['debug', 'info', 'warn', 'error'])

const severity: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 }

/** Whether a message at `level` passes a filter set to `threshold`. */
export function levelPasses(level: LogLevel, threshold: LogLevel): boolean {
  return severity[level] >= severity[threshold]
}

/**
 * Whether `logger` writes messages at `level`: its own `isLevelEnabled` when it has one, else `true`.
 * Never throws.
 */
export function isLevelEnabled(logger: Logger, level: LogLevel): boolean {
  if (logger.isLevelEnabled === undefined) return true
  try {
    return logger.isLevelEnabled(level)
  } catch {
    return true
  }
}

/**
 * Parses a level name as found in an environment variable or a config file. Case and surrounding
 * spaces are ignored; `warning` is accepted for `warn`.
 *
 * @throws TypeError when `text` names no level.
 * @example
 * ```ts
 * const level = parseLogLevel(process.env.LOG_LEVEL ?? 'info')
 * ```
 */
export function parseLogLevel(text: string): LogLevel {
  const normalized = typeof text === 'string' ? text.trim().toLowerCase() : ''
  if (normalized === 'warning') return 'warn'
  if ((logLevels as readonly string[]).includes(normalized)) return normalized as LogLevel
  throw new TypeError(
    `Invalid log level ${JSON.stringify(String(text))}: expected one of ${logLevels.join(', ')}`,
  )
}
