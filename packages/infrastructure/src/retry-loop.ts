import type { Logger } from '@depin/logger'
import { interruptibleDelay } from './abort.js'

export interface RetryLoopInit {
  /** Delay before the first attempt. */
  initialDelayMs: number
  /** Delay between attempts. */
  intervalMs: number
  /** Whether the node is ready; the loop ends as soon as it is. */
  isReady: () => boolean
  /** One attempt (re-read the bootstrap list and dial); `signal` aborts when the loop stops. */
  attempt: (signal: AbortSignal) => Promise<void>
  /** Called once per iteration, before `attempt`. */
  onAttempt?: () => void
  logger: Logger
}

/**
 * The Go implementation's bootstrap retry loop: at most one runs at a time; first attempt after
 * `initialDelayMs`, then every `intervalMs`, until the node is ready or `stop()`.
 */
export interface RetryLoop {
  /** Starts the loop unless it is already running; returns false if it was. */
  start(): boolean
  /** Makes a waiting loop attempt now instead of at the end of its delay. */
  wake(): void
  /** Ends the loop and aborts an attempt in flight; resolves when it has ended. */
  stop(): Promise<void>
  readonly running: boolean
}

export function createRetryLoop(init: RetryLoopInit): RetryLoop {
  // The loop now running, if any. `ending` is set synchronously when it decides to end, so a
  // not-ready arriving between that decision and its cleanup starts a new loop instead of being lost.
  let current: { controller: AbortController; done: Promise<void>; ending: boolean } | undefined
  let wakeDelay: (() => void) | undefined

  const run = async (state: { controller: AbortController; ending: boolean }): Promise<void> => {
    const { signal } = state.controller
    let delayMs = init.initialDelayMs
    init.logger.info(
      'starting bootstrap retry loop',
      'initialDelayMs',
      init.initialDelayMs,
      'intervalMs',
      init.intervalMs,
    )
    for (;;) {
      const delay = interruptibleDelay(delayMs, signal)
      wakeDelay = delay.wake
      await delay.promise
      wakeDelay = undefined
      if (signal.aborted) {
        state.ending = true
        init.logger.debug('bootstrap retry loop stopped')
        return
      }
      if (init.isReady()) {
        state.ending = true
        init.logger.info('node is ready, stopping bootstrap retry loop')
        return
      }
      init.onAttempt?.()
      try {
        await init.attempt(signal)
      } catch (err) {
        if (!signal.aborted) init.logger.warn('bootstrap retry attempt failed', 'error', err)
      }
      if (signal.aborted) {
        state.ending = true
        return
      }
      if (init.isReady()) {
        state.ending = true
        init.logger.info('bootstrap retry successful, stopping retry loop')
        return
      }
      delayMs = init.intervalMs
    }
  }

  return {
    start() {
      if (current !== undefined && !current.ending) {
        init.logger.debug('bootstrap retry loop already running, not starting another')
        return false
      }
      const state = { controller: new AbortController(), ending: false, done: Promise.resolve() }
      state.done = run(state).finally(() => {
        if (current === state) {
          current = undefined
          wakeDelay = undefined
        }
      })
      current = state
      return true
    },
    wake() {
      wakeDelay?.()
    },
    async stop() {
      const state = current
      if (state === undefined) return
      state.controller.abort()
      await state.done
    },
    get running() {
      return current !== undefined && !current.ending
    },
  }
}
