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
  /** Aborts a run under way (its signal); idempotent. */
  stop(): void
  /** Runs the task now, or once more right after the run under way; nothing before start. */
  runNow(): void
}

/**
 * Runs `run` about every `intervalMs`: on the heartbeat that comes once `intervalMs` has passed
 * since the last run began (less half a beat, so a 1 s task runs on every 1 s beat) when the clock
 * beats at least that often, else on a timer of its own (short intervals, as tests use, or no
 * clock). One run at a time: a periodic turn that comes while a run (async) is under way is
 * skipped, so runs stay an interval apart. `signal` aborts on `stop()`. An error or rejection is
 * logged and the task goes on.
 */
export function periodicTask(
  run: (signal: AbortSignal) => unknown,
  intervalMs: number,
  clock: HeartbeatClock | undefined,
  logger: Logger,
): PeriodicTask {
  let unsubscribe: (() => void) | undefined
  let timer: ReturnType<typeof setInterval> | undefined
  let stopped: AbortController | undefined
  let lastRun = 0
  let running = false
  let again = false
  const failed = (err: unknown): void => logger.warn('periodic upkeep failed', 'error', err)
  const runOnce = (queue: boolean): void => {
    if (stopped === undefined || stopped.signal.aborted) return
    if (running) {
      again ||= queue
      return
    }
    running = true
    lastRun = Date.now()
    const settle = (): void => {
      running = false
      if (!again) return
      again = false
      runOnce(false)
    }
    try {
      const result = run(stopped.signal)
      if (result instanceof Promise) {
        result.catch(failed).finally(settle)
        return
      }
    } catch (err) {
      failed(err)
    }
    settle()
  }
  const turn = (): void => runOnce(false)
  return {
    start() {
      if (stopped !== undefined && !stopped.signal.aborted) return
      stopped = new AbortController()
      lastRun = Date.now()
      if (clock !== undefined && clock.intervalMs > 0 && clock.intervalMs <= intervalMs) {
        const dueAfter = intervalMs - clock.intervalMs / 2
        unsubscribe = clock.subscribe(() => {
          if (Date.now() - lastRun >= dueAfter) turn()
        })
        return
      }
      timer = setInterval(turn, intervalMs)
      timer.unref?.()
    },
    stop() {
      stopped?.abort()
      unsubscribe?.()
      unsubscribe = undefined
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
    },
    runNow: () => runOnce(true),
  }
}
