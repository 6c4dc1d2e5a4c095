import type { Logger, LogLevel } from './logger.js'

/** Writes one call at `level`; may throw (the adapter swallows it). */
export type LevelWrite = (level: LogLevel, msg: string, keyValues: unknown[]) => void

/**
 * A {@link Logger} whose four levels all go through `write`. Neither `write` nor `isLevelEnabled`
 * can throw into the caller: a throwing write loses the line; a throwing level check says "enabled".
 * Without `isLevelEnabled` the logger has none (callers assume every level is written).
 */
export function loggerFromWrite(write: LevelWrite, isLevelEnabled?: (level: LogLevel) => boolean): Logger {
  const safeWrite = (level: LogLevel, msg: string, keyValues: unknown[]): void => {
    try {
      write(level, msg, keyValues)
    } catch {
      // A logger must never throw into its caller; the line is lost.
    }
  }
  const logger: Logger = {
    debug: (msg, ...keyValues) => safeWrite('debug', msg, keyValues),
    info: (msg, ...keyValues) => safeWrite('info', msg, keyValues),
    warn: (msg, ...keyValues) => safeWrite('warn', msg, keyValues),
    error: (msg, ...keyValues) => safeWrite('error', msg, keyValues),
  }
  if (isLevelEnabled !== undefined) {
    logger.isLevelEnabled = (level) => {
      try {
        return isLevelEnabled(level)
      } catch {
        return true
      }
    }
  }
  return logger
}
