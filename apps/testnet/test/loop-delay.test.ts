import { describe, expect, test } from 'vitest'
import { LOOP_DELAY_WINDOW_MS, quantizeDelay, threadLoopDelayMs } from '../src/loop-delay.js'
import { createNodeHandle, type NodeHandle, recordStats } from '../src/node-handle.js'
import type { ChildStats } from '../src/protocol.js'
import { loopDelayText } from '../src/view.js'

/** A stats report with only what recordStats and the views read. */
function report(eventLoopDelayMs: number): ChildStats {
  return {
    type: 'stats',
    ready: true,
    peers: [],
    phases: {},
    latencies: {},
    deniedPeers: {},
    topicPeers: {},
    eventLoopDelayMs,
  } as unknown as ChildStats
}

function running(label: string, eventLoopDelayMs: number): NodeHandle {
  const node = createNodeHandle(0, 'node', label)
  node.status = 'running'
  recordStats(node, report(eventLoopDelayMs), { nowMs: 0, highMark: 64, bandWatching: false, intruders: [] })
  return node
}

describe('event-loop delay in the reports', () => {
  test('a delay is rounded down to 250 ms steps; below the first step it reads 0', () => {
    expect([0, 249, 250, 999, 1_000, 13_760, -5].map(quantizeDelay)).toEqual([
      0, 0, 250, 750, 1_000, 13_750, 0,
    ])
  })

  test('a thread whose loop was held for 1.5 s reports it once the window closes', async () => {
    threadLoopDelayMs()
    // The delay histogram measures between its timer's firings (every 20 ms): let it fire first.
    await new Promise((r) => setTimeout(r, 100))
    const until = Date.now() + 1_500
    while (Date.now() < until) {
      // Holds this thread's event loop, as a backlog of work would.
    }
    const deadline = Date.now() + 3 * LOOP_DELAY_WINDOW_MS
    while (threadLoopDelayMs() < 1_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    expect(threadLoopDelayMs()).toBeGreaterThanOrEqual(1_000)
  })

  test('a node keeps its worst delay over the run; the views name the worst and count those behind', () => {
    const node = running('1', 2_000)
    recordStats(node, report(250), { nowMs: 1, highMark: 64, bandWatching: false, intruders: [] })
    expect(node.worstLoopDelayMs).toBe(2_000)
    expect(node.latest?.eventLoopDelayMs).toBe(250)
    const nodes = [node, running('2', 0), running('3', 13_750), running('4', 1_000)]
    expect(loopDelayText(nodes)).toBe('event loops behind max 13.75 s (2 nodes >= 1 s)')
  })
})
