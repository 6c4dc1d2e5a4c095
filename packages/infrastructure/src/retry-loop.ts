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
 * The seed's bootstrap retry loop: at most one runs at a time; first attempt after
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
  let controller: AbortController | undefined
  let loop: Promise<void> | undefined
  let wakeDelay: (() => void) | undefined

  const run = async (signal: AbortSignal): Promise<void> => {
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
        init.logger.debug('bootstrap retry loop stopped')
        return
      }
      if (init.isReady()) {
        init.logger.info('node is ready, stopping bootstrap retry loop')
        return
      }
      init.onAttempt?.()
      try {
        await init.attempt(signal)
      } catch (err) {
        if (signal.aborted) return
        init.logger.warn('bootstrap retry attempt failed', 'error', err)
      }
      if (init.isReady()) {
        init.logger.info('bootstrap retry successful, stopping retry loop')
        return
      }
      delayMs = init.intervalMs
    }
  }

  return {
    start() {
      if (controller !== undefined) {
        init.logger.debug('bootstrap retry loop already running, not starting another')
        return false
      }
      const current = new AbortController()
      controller = current
      loop = run(current.signal).finally(() => {
        if (controller === current) {
          controller = undefined
          loop = undefined
          wakeDelay = undefined
        }
      })
      return true
    },
    wake() {
      wakeDelay?.()
    },
    async stop() {
      const current = loop
      controller?.abort()
      await current
    },
    get running() {
      return controller !== undefined
    },
  }
}
