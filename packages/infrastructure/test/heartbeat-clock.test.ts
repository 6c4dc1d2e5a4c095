import { waitFor } from '@depin/test-utils'
import { afterEach, expect, test, vi } from 'vitest'
import { type HeartbeatClock, periodicTask } from '../src/heartbeat-clock.js'
import { bootstrapEntryOf, createTestLogger, createTestNetwork } from './helpers.js'

/** A clock beaten by hand, at a Date.now() the test moves. */
function manualClock(intervalMs: number): HeartbeatClock & {
  beat(afterMs?: number): void
  subscribers(): number
} {
  const listeners = new Set<() => void>()
  let now = 1_000_000
  vi.spyOn(Date, 'now').mockImplementation(() => now)
  return {
    intervalMs,
    subscribe(onBeat) {
      const listener = (): void => onBeat()
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    beat(afterMs = intervalMs) {
      now += afterMs
      for (const listener of listeners) listener()
    },
    subscribers: () => listeners.size,
  }
}

afterEach(() => {
  vi.restoreAllMocks()
  vi.useRealTimers()
})

test('a task of the beat interval runs on every beat; a 5 s task on every fifth; none after stop', () => {
  const clock = manualClock(1_000)
  const logger = createTestLogger('clock')
  const runs = { everySecond: 0, everyFive: 0 }
  const second = periodicTask(() => runs.everySecond++, 1_000, clock, logger)
  const five = periodicTask(() => runs.everyFive++, 5_000, clock, logger)
  second.start()
  five.start()
  second.start() // idempotent: still one subscription
  expect(clock.subscribers()).toBe(2)
  for (let i = 0; i < 10; i++) clock.beat()
  expect(runs).toEqual({ everySecond: 10, everyFive: 2 })
  second.stop()
  five.stop()
  five.stop()
  expect(clock.subscribers()).toBe(0)
  for (let i = 0; i < 5; i++) clock.beat()
  expect(runs).toEqual({ everySecond: 10, everyFive: 2 })
})

test('a beat that comes early does not run the task again; a late one runs it once', () => {
  const clock = manualClock(1_000)
  let runs = 0
  const task = periodicTask(() => runs++, 5_000, clock, createTestLogger('clock'))
  task.start()
  clock.beat(4_600) // due after 4.5 s (a beat early, within half a beat): runs
  expect(runs).toBe(1)
  clock.beat(400) // a heartbeat soon after (GossipSub reschedules on its own grid)
  clock.beat(3_000)
  expect(runs).toBe(1)
  clock.beat(12_000) // the event loop was blocked: one run, not two
  expect(runs).toBe(2)
  task.stop()
})

test('a task shorter than the beat, or without a clock, runs on a timer of its own', () => {
  vi.useFakeTimers()
  const clock = manualClock(1_000)
  const logger = createTestLogger('clock')
  let fast = 0
  let alone = 0
  const short = periodicTask(() => fast++, 250, clock, logger)
  const noClock = periodicTask(() => alone++, 1_000, undefined, logger)
  short.start()
  noClock.start()
  expect(clock.subscribers()).toBe(0)
  vi.advanceTimersByTime(2_000)
  expect(fast).toBe(8)
  expect(alone).toBe(2)
  short.stop()
  noClock.stop()
  vi.advanceTimersByTime(2_000)
  expect([fast, alone]).toEqual([8, 2])
})

test('a task that throws is logged and keeps running on later beats', () => {
  const clock = manualClock(1_000)
  const logger = createTestLogger('clock')
  let calls = 0
  const task = periodicTask(
    () => {
      calls++
      throw new Error('boom')
    },
    1_000,
    clock,
    logger,
  )
  task.start()
  clock.beat()
  clock.beat()
  task.stop()
  expect(calls).toBe(2)
  expect(logger.lines.filter((l) => l.includes('periodic upkeep failed') && l.includes('boom'))).toHaveLength(
    2,
  )
})

test('an async task runs one at a time: a beat during a run is skipped, runNow during a run follows it once', async () => {
  const clock = manualClock(1_000)
  const finish: Array<() => void> = []
  let runs = 0
  const task = periodicTask(
    () =>
      new Promise<void>((resolve) => {
        runs++
        finish.push(resolve)
      }),
    1_000,
    clock,
    createTestLogger('clock'),
  )
  task.runNow() // before start: nothing
  expect(runs).toBe(0)
  task.start()
  clock.beat()
  expect(runs).toBe(1)
  clock.beat() // the first run is still under way: skipped
  task.runNow() // queued behind it
  task.runNow() // still one
  expect(runs).toBe(1)
  finish.shift()?.()
  await vi.waitFor(() => expect(runs).toBe(2))
  finish.shift()?.()
  await Promise.resolve()
  expect(runs).toBe(2)
  task.stop()
})

test('stop aborts the signal of a run under way', async () => {
  const clock = manualClock(1_000)
  let seen: AbortSignal | undefined
  const task = periodicTask(
    (signal) => {
      seen = signal
      return new Promise<void>(() => {})
    },
    1_000,
    clock,
    createTestLogger('clock'),
  )
  task.start()
  clock.beat()
  expect(seen?.aborted).toBe(false)
  task.stop()
  expect(seen?.aborted).toBe(true)
})

const net = createTestNetwork()
afterEach(() => net.stopAll())

interface ScoreInternals {
  _backgroundInterval?: unknown
  background(): void
}
const scoreOf = (pubsub: unknown): ScoreInternals => (pubsub as { score: ScoreInternals }).score

// patches/@libp2p__gossipsub@17.1.1.patch: at equal intervals (the defaults), the peer score decays in
// the heartbeat's wake-up instead of on a timer of its own: an idle node wakes once a second, not twice.
test("GossipSub's score decays once right before each heartbeat, with no timer of its own", async () => {
  const a = await net.start({ name: 'a' })
  const pubsub = a.node.libp2p.services.pubsub
  const score = scoreOf(pubsub)
  expect(score._backgroundInterval).toBeUndefined()
  const order: string[] = []
  const decay = score.background.bind(score)
  vi.spyOn(score, 'background').mockImplementation(() => {
    order.push('decay')
    decay()
  })
  await new Promise<void>((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error('fewer than 3 heartbeats in 10 s')), 10_000)
    const onBeat = (): void => {
      order.push('beat')
      if (order.filter((x) => x === 'beat').length < 3) return
      clearTimeout(timeout)
      pubsub.removeEventListener('gossipsub:heartbeat', onBeat)
      resolve()
    }
    pubsub.addEventListener('gossipsub:heartbeat', onBeat)
  })
  // The first beat may have been under way when the spy went in.
  expect(order.slice(order.indexOf('beat') + 1)).toEqual(['decay', 'beat', 'decay', 'beat'])
})

test("GossipSub's score keeps a timer of its own when the heartbeat runs at another interval", async () => {
  const a = await net.start({ name: 'a', init: { gossipsub: { heartbeatInterval: 700 } } })
  expect(scoreOf(a.node.libp2p.services.pubsub)._backgroundInterval).toBeDefined()
})

test("with the default ping interval, latency-aware peering measures its peers on GossipSub's heartbeat", async () => {
  const init = { peering: { latencyAware: true } }
  const a = await net.start({ name: 'a', init })
  const b = await net.start({ name: 'b', bootstrap: [bootstrapEntryOf(a.node)], init })
  await b.node.waitUntilReady({ timeoutMs: 10_000 })
  // Its first samples come a second apart: a tick that never ran would leave the peer unmeasured.
  const peering = await waitFor(
    () => {
      const m = b.node.metrics().peering
      return m.measuredPeers === 1 ? m : undefined
    },
    { timeoutMs: 10_000, message: "b's RTT to a measured" },
  )
  expect(peering.nearPeers).toBe(1)
})
