/**
 * The logging interface every @depin package writes to (the seed's `Logger`): a message and an
 * alternating list of keys and values, e.g. `logger.info('peer connected', 'peer', id, 'count', 3)`.
 * A value may be an `Error`. Adapters turn it into console lines, JSON, pino or LiveKit-style calls.
 */
export interface Logger {
  debug(msg: string, ...keyValues: unknown[]): void
  info(msg: string, ...keyValues: unknown[]): void
  warn(msg: string, ...keyValues: unknown[]): void
  error(msg: string, ...keyValues: unknown[]): void
}

/** Log levels in increasing severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

/** A logger that drops everything; the default when none is injected. */
export const noopLogger: Logger = Object.freeze({
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
})
