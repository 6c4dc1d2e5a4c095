/** Options for {@link waitFor} and {@link waitForEvent}. */
export interface WaitForOptions {
  /** Give up after this long. @default 10000 */
  timeoutMs?: number
  /** How often a condition is polled. @default 20 */
  intervalMs?: number
  /** What is being waited for, for the timeout error. */
  message?: string
  signal?: AbortSignal
}

/**
 * Resolves with the first truthy value of `condition` (sync or async), polled every `intervalMs`;
 * rejects after `timeoutMs`. Use this instead of fixed sleeps in tests.
 *
 * @example
 * await waitFor(() => node.getConnections().length > 0, { timeoutMs: 5000, message: 'a connection' })
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const { timeoutMs = 10_000, intervalMs = 20, message = 'condition' } = options
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    options.signal?.throwIfAborted()
    try {
      const value = await condition()
      if (value) return value as NonNullable<T>
    } catch (err) {
      lastError = err
    }
    if (Date.now() >= deadline) {
      throw new Error(`waitFor: timed out after ${timeoutMs} ms waiting for ${message}`, { cause: lastError })
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))),
    )
  }
}

/** Anything with `addEventListener`/`removeEventListener` (EventTarget, libp2p, our nodes). */
export interface EventSource {
  addEventListener(type: string, listener: (event: Event) => void): void
  removeEventListener(type: string, listener: (event: Event) => void): void
}

/**
 * Resolves with the first `type` event from `target` for which `filter` (if given) returns true;
 * rejects after `timeoutMs`.
 *
 * @example
 * await waitForEvent(db, 'ready', { timeoutMs: 5000 })
 */
export function waitForEvent<E extends Event = Event>(
  target: EventSource,
  type: string,
  options: WaitForOptions & { filter?: (event: E) => boolean } = {},
): Promise<E> {
  const { timeoutMs = 10_000, message = `event "${type}"`, filter } = options
  return new Promise<E>((resolve, reject) => {
    const onEvent = (event: Event): void => {
      if (filter !== undefined && !filter(event as E)) return
      cleanup()
      resolve(event as E)
    }
    const onAbort = (): void => {
      cleanup()
      reject(options.signal?.reason)
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`waitForEvent: timed out after ${timeoutMs} ms waiting for ${message}`))
    }, timeoutMs)
    const cleanup = (): void => {
      clearTimeout(timer)
      target.removeEventListener(type, onEvent)
      options.signal?.removeEventListener('abort', onAbort)
    }
    target.addEventListener(type, onEvent)
    options.signal?.addEventListener('abort', onAbort, { once: true })
  })
}
