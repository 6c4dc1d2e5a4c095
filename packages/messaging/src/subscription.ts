import type { Logger } from '@depin/logger'
import { type ConfigIssue, InvalidConfigError } from './errors.js'
import type { PubSubEvent } from './event.js'
import type { EventHandler, HistoryQueryOptions, SubscribeOptions } from './messaging-api.js'
import type { MessagingCounters } from './metrics.js'
import { createDeliveryQueue } from './queue.js'
import type { SubscriptionState, TopicState } from './topic-table.js'

const TIME_MESSAGE = 'must be a time in Unix milliseconds'
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value)

/** A subscription's settings, checked: throws {@link InvalidConfigError} naming the bad field. */
export function subscriptionSettings(
  handler: unknown,
  options: SubscribeOptions,
  defaults: { queueSize: number; deliverOwnEvents: boolean },
): { queueSize: number; deliverOwnEvents: boolean; sinceMs: number | undefined } {
  if (typeof handler !== 'function')
    throw new InvalidConfigError([{ field: 'handler', message: 'must be a function' }])
  const queueSize = options.queueSize ?? defaults.queueSize
  if (!Number.isSafeInteger(queueSize) || queueSize < 1) {
    throw new InvalidConfigError([{ field: 'queueSize', message: 'must be a positive integer' }])
  }
  const sinceMs = options.catchUp?.sinceMs
  if (options.catchUp !== undefined && !isTime(sinceMs)) {
    throw new InvalidConfigError([{ field: 'catchUp.sinceMs', message: TIME_MESSAGE }])
  }
  return { queueSize, deliverOwnEvents: options.deliverOwnEvents ?? defaults.deliverOwnEvents, sinceMs }
}

/** The `limit` of a history query, checked with its `sinceMs`: throws {@link InvalidConfigError} listing every bad field. */
export function historyQueryLimit(options: HistoryQueryOptions): number {
  const limit = options?.limit ?? 1_000
  const issues: ConfigIssue[] = []
  if (!isTime(options?.sinceMs)) issues.push({ field: 'sinceMs', message: TIME_MESSAGE })
  if (!Number.isSafeInteger(limit) || limit < 1)
    issues.push({ field: 'limit', message: 'must be a positive integer' })
  if (issues.length > 0) throw new InvalidConfigError(issues)
  return limit
}

/** What a subscription reports to its messaging. */
export interface SubscriptionInit<T> {
  topic: string
  handler: EventHandler<T>
  queueSize: number
  deliverOwnEvents: boolean
  /** Its `catchUp` time, or now. */
  floorMs: number
  counters: MessagingCounters
  log: Logger
  /** A handler threw (the messaging dispatches `handler:error`). */
  onHandlerError: (detail: { topic: string; eventId: string; error: unknown }) => void
  /** An event was dropped, its queue full (the messaging dispatches `message:dropped`). */
  onDropped: (detail: { topic: string; eventId: string }) => void
}

/** One handler's queue: delivery counted, a throwing handler logged, a slow one's drops logged once. */
export function createSubscription<T>(init: SubscriptionInit<T>): SubscriptionState {
  const { topic, counters, log } = init
  let firstDropLogged = false
  // The resume points of the events queued or being handled, in queue order (the queue is FIFO, so
  // the handler finishes them from the front); bounded by the queue's capacity plus the running one.
  let marks: number[] = []
  let markHead = 0
  const handled = (): void => {
    markHead++
    if (markHead > 64 && markHead * 2 > marks.length) {
      marks = marks.slice(markHead)
      markHead = 0
    }
  }
  const queue = createDeliveryQueue<PubSubEvent>({
    capacity: init.queueSize,
    handler: (event) => init.handler(event as PubSubEvent<T>),
    onDelivered: () => {
      counters.delivered++
      handled()
    },
    onError: (error, event) => {
      handled()
      counters.handlerErrors++
      log.warn(
        'pubsub handler threw; the subscription continues',
        'topic',
        topic,
        'eventId',
        event.id,
        'error',
        error,
      )
      init.onHandlerError({ topic, eventId: event.id, error })
    },
    onDrop: (event) => {
      counters.dropped++
      if (!firstDropLogged) {
        firstDropLogged = true
        log.warn(
          'pubsub handler too slow; dropping events (counted in metrics().dropped)',
          'topic',
          topic,
          'queueSize',
          init.queueSize,
        )
      }
      init.onDropped({ topic, eventId: event.id })
    },
  })
  return {
    deliverOwnEvents: init.deliverOwnEvents,
    floorMs: init.floorMs,
    queue,
    push(event, resumeMs) {
      // The mark goes in first, so it is in place whatever push does (it may run a handler that
      // throws at once, which releases its mark before push returns).
      marks.push(resumeMs)
      if (queue.push(event)) return true
      marks.pop()
      return false
    },
    pendingResumeMs() {
      // A closed queue discarded what waited: nothing of it will be handled here.
      if (queue.closed || markHead >= marks.length) return undefined
      let earliest = Number.POSITIVE_INFINITY
      for (let i = markHead; i < marks.length; i++) earliest = Math.min(earliest, marks[i] as number)
      return earliest
    },
  }
}

/**
 * Replayed events into the queue of every handler of the topic that was listening (or asked from)
 * when the gap began at `sinceMs`, waiting for room instead of dropping (nothing is lost).
 */
export async function deliverReplayed(
  state: TopicState | undefined,
  events: PubSubEvent[],
  sinceMs: number,
  selfId: string,
): Promise<void> {
  if (state === undefined) return
  const missed = [...state.subscriptions].filter((subscription) => subscription.floorMs <= sinceMs)
  await Promise.all(
    missed.map(async (subscription) => {
      const { queue, deliverOwnEvents } = subscription
      for (const event of events) {
        // As live: our own events (a previous process of this wallet) only when asked for.
        if (event.fromPeerId === selfId && !deliverOwnEvents) continue
        while (queue.size >= queue.capacity && !queue.closed) await queue.idle()
        if (queue.closed) return
        subscription.push(event, sinceMs)
      }
    }),
  )
}
