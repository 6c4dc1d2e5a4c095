// A host process's worker threads compact their heaps once their nodes have started (host.ts).

/**
 * One compacting collection of this thread's heap once its nodes have started (`quietMs` after the
 * last start; a later start arms it again). Many nodes starting together allocate fast, and V8 grows
 * the heap to 3-4x what stays alive, in pages it neither compacts nor returns while the thread keeps
 * allocating (timers of 25 nodes): 30 nodes in one thread, 29 peers each, settled: old space 246 MB
 * for 61 MB alive, RSS 14.5 MB per node; after V8's last-resort collection 91 MB and 7.8 MB per
 * node, still 7.9 a minute later. A no-op without `--expose-gc` (host processes get it: channels.ts).
 */
export function compactWhenStarted(quietMs: number): { started(): void; cancel(): void } {
  let timer: NodeJS.Timeout | undefined
  const cancel = (): void => {
    clearTimeout(timer)
    timer = undefined
  }
  return {
    started() {
      if (globalThis.gc === undefined) return
      cancel()
      timer = setTimeout(() => {
        timer = undefined
        globalThis.gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' })
      }, quietMs)
      timer.unref()
    },
    cancel,
  }
}
