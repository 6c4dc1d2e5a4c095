import type { Logger } from '@depin/logger'

/**
 * A clock that already wakes the process up: GossipSub's heartbeat (every `intervalMs`).
 *
 * An idle node's CPU is mostly the event loop waking up, not the work done once awake: on the
 * bench machine a timer that does nothing costs ~0.15 ms of CPU a wake-up when it fires once a
 * second (the process's caches are cold after a second asleep), as much as GossipSub's whole
 * heartbeat. Periodic upkeep that runs in the heartbeat's wake-up costs its own work only
 * (bench/README.md, "vs Go: one wake-up a second").
 */
export interface HeartbeatClock {
  readonly intervalMs: number
  /** Calls `onBeat` after every heartbeat until the returned function is called. */
  subscribe(onBeat: () => void): () => void
}

/**
 * GossipSub's heartbeat as a {@link HeartbeatClock}: its `gossipsub:heartbeat` event, at the
 * `heartbeatInterval` it was configured with.
 */
export function gossipSubHeartbeat(
  pubsub: {
    addEventListener(type: 'gossipsub:heartbeat', listener: () => void): void
    removeEventListener(type: 'gossipsub:heartbeat', listener: () => void): void
  },
  intervalMs: number,
): HeartbeatClock {
  return {
    intervalMs,
    subscribe(onBeat) {
      const listener = (): void => onBeat()
      pubsub.addEventListener('gossipsub:heartbeat', listener)
      return () => pubsub.removeEventListener('gossipsub:heartbeat', listener)
    },
  }
}

export interface PeriodicTask {
  start(): void
  /** Idempotent. */
  stop(): void
}

/**
 * Runs `run` about every `intervalMs`: on the heartbeat that comes once `intervalMs` has passed
 * since the last run (less half a beat, so a 1 s task runs on every 1 s beat) when the clock
 * beats at least that often, else on a timer of its own (short intervals, as tests use, or no
 * clock). `run` must not throw; an error is logged and the task goes on.
 */
export function periodicTask(
  run: () => void,
  intervalMs: number,
  clock: HeartbeatClock | undefined,
  logger: Logger,
): PeriodicTask {
  let unsubscribe: (() => void) | undefined
  let timer: ReturnType<typeof setInterval> | undefined
  let lastRun = 0
  const runSafely = (): void => {
    lastRun = Date.now()
    try {
      run()
    } catch (err) {
      logger.warn('periodic upkeep failed', 'error', err)
    }
  }
  return {
    start() {
      if (unsubscribe !== undefined || timer !== undefined) return
      lastRun = Date.now()
      if (clock !== undefined && clock.intervalMs > 0 && clock.intervalMs <= intervalMs) {
        const dueAfter = intervalMs - clock.intervalMs / 2
        unsubscribe = clock.subscribe(() => {
          if (Date.now() - lastRun >= dueAfter) runSafely()
        })
        return
      }
      timer = setInterval(runSafely, intervalMs)
      timer.unref?.()
    },
    stop() {
      unsubscribe?.()
      unsubscribe = undefined
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
    },
  }
}
