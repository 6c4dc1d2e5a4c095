/**
 * The logging interface every @depin package writes to (the Go implementation's `Logger`): a message and an
 * alternating list of keys and values, e.g. `logger.info('peer connected', 'peer', id, 'count', 3)`.
 * A value may be an `Error`. Adapters turn it into console lines, JSON, pino or LiveKit-style calls.
 *
 * An implementation must never throw into its caller.
 *
 * @example
 * ```ts
 * const logger: Logger = createConsoleLogger({ level: 'debug' })
 * logger.warn('registry refresh failed', 'attempt', 3, 'error', err)
 * ```
 */
export interface Logger {
  debug(msg: string, ...keyValues: unknown[]): void
  info(msg: string, ...keyValues: unknown[]): void
  warn(msg: string, ...keyValues: unknown[]): void
  error(msg: string, ...keyValues: unknown[]): void
  /**
   * Optional: whether a call at `level` would be written. Callers that build expensive messages
   * (the libp2p bridge) ask first and skip the work when it returns `false`; a logger without it
   * is assumed to write every level.
   */
  isLevelEnabled?(level: LogLevel): boolean
}

/** Log levels in increasing severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

/** A logger that drops everything; the default when none is injected. */
export const noopLogger: Logger = Object.freeze({
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  isLevelEnabled: () => false,
})
