import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { compactWhenStarted } from '../src/heap-compaction.js'

describe('compactWhenStarted', () => {
  const original = globalThis.gc
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
    globalThis.gc = original
  })

  test('compacts once, quietMs after the last start, with V8 last-resort collection', () => {
    const gc = vi.fn()
    globalThis.gc = gc as unknown as NodeJS.GCFunction
    const compact = compactWhenStarted(1_000)
    compact.started()
    vi.advanceTimersByTime(999)
    // Another node starts before the thread went quiet: the wait starts again.
    compact.started()
    vi.advanceTimersByTime(999)
    expect(gc).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(gc).toHaveBeenCalledTimes(1)
    expect(gc).toHaveBeenCalledWith({ type: 'major', execution: 'sync', flavor: 'last-resort' })
    vi.advanceTimersByTime(10_000)
    expect(gc).toHaveBeenCalledTimes(1)
    // A later start (a node restarted) arms it again.
    compact.started()
    vi.advanceTimersByTime(1_000)
    expect(gc).toHaveBeenCalledTimes(2)
  })

  test('cancel (the host stopping) drops a pending compaction', () => {
    const gc = vi.fn()
    globalThis.gc = gc as unknown as NodeJS.GCFunction
    const compact = compactWhenStarted(1_000)
    compact.started()
    compact.cancel()
    vi.advanceTimersByTime(5_000)
    expect(gc).not.toHaveBeenCalled()
  })

  test('does nothing in a process without --expose-gc', () => {
    globalThis.gc = undefined
    const compact = compactWhenStarted(1_000)
    compact.started()
    expect(vi.getTimerCount()).toBe(0)
  })
})
