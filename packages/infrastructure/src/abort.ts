import { anySignal } from 'any-signal'

/**
 * A signal that aborts when `parent` aborts or after `timeoutMs` with `reason()`, and a `clear()`
 * that removes its timer and its listener on `parent`. Not `AbortSignal.timeout`: that leaves a
 * timer behind until it fires, and its reason (a `TimeoutError` DOMException) would replace the
 * message callers log or throw (`NotReadyError` from `waitUntilReady`).
 */
export function timeoutSignal(
  parent: AbortSignal | undefined,
  timeoutMs: number,
  reason: () => Error,
): { signal: AbortSignal; clear: () => void } {
  const timeout = new AbortController()
  const timer = setTimeout(() => timeout.abort(reason()), timeoutMs)
  const signal = anySignal([parent, timeout.signal])
  return {
    signal,
    clear: () => {
      clearTimeout(timer)
      signal.clear()
    },
  }
}

/**
 * Resolves after `ms`, or early (without error) when `wake` is called or `signal` aborts. Neither
 * `race-signal` (rejects on abort) nor @libp2p/utils' `repeatingTask` (debounces `run()` by 100 ms)
 * gives the retry loop an immediate, error-free wake.
 */
export function interruptibleDelay(
  ms: number,
  signal: AbortSignal,
): { promise: Promise<void>; wake: () => void } {
  let wake = (): void => {}
  const promise = new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    if (signal.aborted) done()
    wake = done
  })
  return { promise, wake }
}
