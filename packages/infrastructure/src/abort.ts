/**
 * A signal that aborts when `parent` aborts or after `timeoutMs`, and a `clear()` that removes
 * its timer and listener (AbortSignal.timeout would leave a timer behind until it fires).
 */
export function timeoutSignal(
  parent: AbortSignal | undefined,
  timeoutMs: number,
  reason: () => Error,
): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController()
  const onAbort = (): void => controller.abort(parent?.reason)
  const timer = setTimeout(() => controller.abort(reason()), timeoutMs)
  if (parent?.aborted) controller.abort(parent.reason)
  else parent?.addEventListener('abort', onAbort, { once: true })
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer)
      parent?.removeEventListener('abort', onAbort)
    },
  }
}

/** Resolves after `ms`, or early (without error) when `wake` is called or `signal` aborts. */
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
