import { noopLogger } from '@depin/logger'
import { createCounts } from '@depin/metrics-schema'
import { waitFor } from '@depin/test-utils'
import { describe, expect, it } from 'vitest'
import type { PubSubEvent } from '../src/event.js'
import type { EventHandler } from '../src/messaging-api.js'
import { MESSAGING_METRICS } from '../src/metrics.js'
import { createDeliveryQueue } from '../src/queue.js'
import { createSubscription } from '../src/subscription.js'

describe('delivery queue', () => {
  it('delivers in order, awaiting async handlers one at a time', async () => {
    const seen: number[] = []
    let running = 0
    let maxRunning = 0
    const queue = createDeliveryQueue<number>({
      capacity: 10,
      handler: async (n) => {
        running++
        maxRunning = Math.max(maxRunning, running)
        await Promise.resolve()
        seen.push(n)
        running--
      },
      onError: () => {},
      onDrop: () => {},
    })
    for (let i = 0; i < 5; i++) queue.push(i)
    await queue.idle()
    expect(seen).toEqual([0, 1, 2, 3, 4])
    expect(maxRunning).toBe(1)
  })

  it('survives a throwing handler and reports the error', async () => {
    const errors: unknown[] = []
    const seen: number[] = []
    const queue = createDeliveryQueue<number>({
      capacity: 10,
      handler: (n) => {
        if (n % 2 === 0) throw new Error(`boom ${n}`)
        seen.push(n)
      },
      onError: (err) => errors.push(err),
      onDrop: () => {},
    })
    for (let i = 0; i < 4; i++) queue.push(i)
    await queue.idle()
    expect(seen).toEqual([1, 3])
    expect(errors).toHaveLength(2)
  })

  it('drops past capacity and never holds more than capacity', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const dropped: number[] = []
    const seen: number[] = []
    const queue = createDeliveryQueue<number>({
      capacity: 3,
      handler: async (n) => {
        await gate
        seen.push(n)
      },
      onError: () => {},
      onDrop: (n) => dropped.push(n),
    })
    for (let i = 0; i < 100; i++) {
      queue.push(i)
      expect(queue.size).toBeLessThanOrEqual(3)
    }
    // 0 is being handled, 1..3 wait, the rest were dropped.
    expect(dropped).toHaveLength(96)
    release()
    await queue.idle()
    expect(seen).toEqual([0, 1, 2, 3])
  })

  it('stops delivering after close', async () => {
    const seen: number[] = []
    const queue = createDeliveryQueue<number>({
      capacity: 10,
      handler: async (n) => {
        seen.push(n)
        await new Promise((resolve) => setImmediate(resolve))
      },
      onError: () => {},
      onDrop: () => {},
    })
    queue.push(1)
    queue.push(2)
    queue.close()
    expect(queue.push(3)).toBe(false)
    await waitFor(() => queue.size === 0)
    await queue.idle()
    expect(seen).toEqual([1])
  })
})

describe("a subscription's resume point", () => {
  const event = (id: string): PubSubEvent => ({
    id,
    fromPeerId: 'p',
    timestamp: 0,
    message: null,
  })
  const subscription = (handler: EventHandler, queueSize = 2) =>
    createSubscription({
      topic: 't',
      handler,
      queueSize,
      deliverOwnEvents: false,
      floorMs: 0,
      counters: createCounts(MESSAGING_METRICS),
      log: noopLogger,
      onHandlerError: () => {},
      onDropped: () => {},
    })

  it('is the earliest mark of what is queued or being handled, and nothing once handled', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const sub = subscription(() => gate)
    expect(sub.pendingResumeMs()).toBeUndefined()
    expect(sub.push(event('a'), 300)).toBe(true)
    expect(sub.push(event('b'), 100)).toBe(true)
    expect(sub.push(event('c'), 200)).toBe(true)
    // 'a' runs, 'b' and 'c' wait (capacity 2): a fourth is dropped and leaves no mark.
    expect(sub.push(event('d'), 50)).toBe(false)
    expect(sub.pendingResumeMs()).toBe(100)
    release()
    await sub.queue.idle()
    expect(sub.pendingResumeMs()).toBeUndefined()
  })

  it('stays in step with a handler that throws synchronously', async () => {
    const sub = subscription(() => {
      throw new Error('boom')
    })
    expect(sub.push(event('a'), 10)).toBe(true)
    await sub.queue.idle()
    expect(sub.pendingResumeMs()).toBeUndefined()
    expect(sub.push(event('b'), 20)).toBe(true)
    await sub.queue.idle()
    expect(sub.pendingResumeMs()).toBeUndefined()
  })
})
