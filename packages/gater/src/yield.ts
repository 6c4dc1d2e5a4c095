/** Longest stretch of synchronous work, in ms, before long loops give the event loop a turn. */
export const SLICE_MS = 4

/** Resolves on the next turn of the event loop (after pending I/O), so long loops do not block it. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve)
    else setTimeout(resolve, 0)
  })
}

/**
 * A clock for chunked loops: `due()` is true once the current slice has run {@link SLICE_MS};
 * call `next()` after yielding.
 */
export function createSliceClock(): { due(): boolean; next(): Promise<void> } {
  let sliceStart = performance.now()
  return {
    due: () => performance.now() - sliceStart >= SLICE_MS,
    next: async () => {
      await yieldToEventLoop()
      sliceStart = performance.now()
    },
  }
}
