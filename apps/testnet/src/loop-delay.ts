// How far behind a node's event loop runs, for the reports: many nodes share a worker thread, and on
// a saturated machine the thread's event loop falls seconds behind, so that every timeout of its
// nodes (DHT requests, identify, link checks) fires before the answer is read. One sampler per
// thread, shared by the nodes it runs.

import { type ELDHistogram, monitorEventLoopDelay } from 'node:perf_hooks'

/** A reported delay is rounded down to this step (below it: 0), so that a calm node's reports stay unchanged. */
export const LOOP_DELAY_STEP_MS = 250
/** The delay reported is the worst of the last window this long. */
export const LOOP_DELAY_WINDOW_MS = 5_000
/** Resolution of the delay histogram (Node's timer behind `monitorEventLoopDelay`). */
const RESOLUTION_MS = 20

interface Sampler {
  histogram: ELDHistogram
  windowStart: number
  /** The worst delay of the last complete window, in ms. */
  worstMs: number
}

let sampler: Sampler | undefined

/** `ms` rounded down to {@link LOOP_DELAY_STEP_MS}. */
export function quantizeDelay(ms: number): number {
  return Math.floor(Math.max(0, ms) / LOOP_DELAY_STEP_MS) * LOOP_DELAY_STEP_MS
}

/** Closes a window: the worst of the delays measured and of the window's own lateness. */
function roll(s: Sampler, now: number): void {
  // A loop so far behind that the histogram's timer never fired in the window still shows: the
  // window itself closed late by about the same.
  const lateness = now - s.windowStart - LOOP_DELAY_WINDOW_MS
  const measured = s.histogram.count > 0 ? s.histogram.max / 1e6 : 0
  s.worstMs = Math.max(measured, lateness)
  s.histogram.reset()
  s.windowStart = now
}

/**
 * The worst event-loop delay of this thread over the last {@link LOOP_DELAY_WINDOW_MS}, rounded down
 * to {@link LOOP_DELAY_STEP_MS}. The first call starts the thread's sampler (it runs until the thread
 * exits; its timers do not keep the thread alive).
 */
export function threadLoopDelayMs(): number {
  if (sampler === undefined) {
    const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
    histogram.enable()
    const started: Sampler = { histogram, windowStart: Date.now(), worstMs: 0 }
    setInterval(() => roll(started, Date.now()), LOOP_DELAY_WINDOW_MS).unref()
    sampler = started
  }
  return quantizeDelay(sampler.worstMs)
}
