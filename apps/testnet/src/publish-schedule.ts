// When a node publishes in a phase: probe rounds (one event per topic each) until the mesh is
// formed, or events round-robin over the topics at the measured rate.

import type { PhaseCommand } from './protocol.js'

/** A running schedule. */
export interface PublishSchedule {
  /** Clears every timer (idempotent). */
  stop(): void
}

/** Calls `publishOne(topic)` on timers as `command` says; `quiet` (or a rate of 0) publishes nothing. */
export function schedulePublishing(
  command: PhaseCommand,
  topics: readonly string[],
  publishOne: (topic: string) => void,
): PublishSchedule {
  const timers: NodeJS.Timeout[] = []
  const schedule = {
    stop(): void {
      for (const timer of timers.splice(0)) clearInterval(timer)
    },
  }
  if (command.mode === 'quiet' || (command.mode === 'measure' && command.rate <= 0)) return schedule
  // The first event at a random point of the first interval: nodes that share a thread (or a
  // machine) do not all publish in the same millisecond.
  const every = (ms: number, fn: () => void): void => {
    const first = setTimeout(() => {
      fn()
      timers.push(setInterval(fn, ms))
    }, Math.random() * ms)
    timers.push(first)
  }
  if (command.mode === 'probe') {
    // Probe mode: `rate` rounds per second, one event per topic each round.
    every(Math.max(50, Math.round(1000 / command.rate)), () => topics.forEach(publishOne))
  } else {
    let next = 0
    every(Math.max(1, Math.round(1000 / command.rate)), () => {
      const topic = topics[next++ % topics.length]
      if (topic !== undefined) publishOne(topic)
    })
  }
  return schedule
}
