import { loggerFromWrite } from './adapter.js'
import { isError } from './error-value.js'
import type { Logger } from './logger.js'

/**
 * A LiveKit-style keyed logger (the Go implementation's `LiveKitLogger`): `debugw`/`infow` take key/values,
 * `warnw`/`errorw` take the error separately. Structural, so any object with these methods fits.
 */
export interface LiveKitLike {
  debugw(msg: string, ...keyValues: unknown[]): void
  infow(msg: string, ...keyValues: unknown[]): void
  warnw(msg: string, err: Error | undefined, ...keyValues: unknown[]): void
  errorw(msg: string, err: Error | undefined, ...keyValues: unknown[]): void
}

/**
 * Adapts a LiveKit-style logger. `debug`/`info` pass the key/values through unchanged. `warn` and
 * `error` pull one `Error` out of the key/values and pass it as `err` (`undefined` when there is
 * none), the rest as key/values. The Error is, in order of preference: the value of an `'error'` or
 * `'err'` key (that pair is removed), a bare `Error` in key position (removed), or the first Error
 * value under any other key (that pair is kept, so its key is not lost). Never throws.
 *
 * (The Go adapter in dTelecom/p2p-pubsub always passes `nil`; extracting the error gives LiveKit's
 * logger the error field it is built around.)
 *
 * @example
 * ```ts
 * import { createLiveKitLogger } from '@depin/logger'
 *
 * const logger = createLiveKitLogger(livekitLogger)
 * logger.error('registry refresh failed', 'attempt', 3, 'error', err)
 * // livekitLogger.errorw('registry refresh failed', err, 'attempt', 3)
 * ```
 */
export function createLiveKitLogger(livekit: LiveKitLike): Logger {
  return loggerFromWrite((level, msg, keyValues) => {
    if (level === 'debug') livekit.debugw(msg, ...keyValues)
    else if (level === 'info') livekit.infow(msg, ...keyValues)
    else {
      const { err, rest } = extractError(keyValues)
      if (level === 'warn') livekit.warnw(msg, err, ...rest)
      else livekit.errorw(msg, err, ...rest)
    }
  })
}

/** Finds the Error to pass separately; see {@link createLiveKitLogger} for the order. */
function extractError(keyValues: readonly unknown[]): { err: Error | undefined; rest: unknown[] } {
  let bare = -1
  let other: Error | undefined
  let index = 0
  while (index < keyValues.length) {
    const key = keyValues[index]
    if (typeof key !== 'string' && isError(key)) {
      if (bare < 0) bare = index
      index += 1
      continue
    }
    const value = keyValues[index + 1]
    if (index + 1 < keyValues.length && isError(value)) {
      if (key === 'error' || key === 'err') {
        return { err: value, rest: [...keyValues.slice(0, index), ...keyValues.slice(index + 2)] }
      }
      other ??= value
    }
    index += 2
  }
  if (bare >= 0) {
    return {
      err: keyValues[bare] as Error,
      rest: [...keyValues.slice(0, bare), ...keyValues.slice(bare + 1)],
    }
  }
  return { err: other, rest: [...keyValues] }
}
