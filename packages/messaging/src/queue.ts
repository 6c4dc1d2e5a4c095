/** What a {@link DeliveryQueue} does with each item and how it reports. */
export interface DeliveryQueueInit<T> {
  /** Most items waiting; further pushes are dropped until the handler catches up. */
  capacity: number
  /** Runs once per item, one at a time, in order; an async handler is awaited. */
  handler: (item: T) => void | Promise<void>
  /** Called when the handler throws or rejects; the queue carries on. */
  onError: (err: unknown, item: T) => void
  /** Called when an item is dropped because the queue is full. */
  onDrop: (item: T) => void
  /** Called after the handler returned for an item. */
  onDelivered?: (item: T) => void
}

/** A bounded FIFO feeding one handler sequentially. */
export interface DeliveryQueue<T> {
  /** Queues an item; returns false (and reports a drop) when full or closed. */
  push(item: T): boolean
  /** Items waiting (not counting the one being handled). */
  readonly size: number
  /** Most items waiting. */
  readonly capacity: number
  /** Closed: nothing more is delivered. */
  readonly closed: boolean
  /** Stops delivery; waiting items are discarded. Does not wait for a running handler. */
  close(): void
  /** Resolves once nothing is waiting or running (for tests and orderly shutdown). */
  idle(): Promise<void>
}

/**
 * A bounded delivery queue: one handler invocation at a time, awaited, errors reported and
 * survived, overflow dropped and reported (memory never grows past `capacity` items).
 *
 * @example
 * const queue = createDeliveryQueue({ capacity: 256, handler, onError: log, onDrop: count })
 * queue.push(event)
 */
export function createDeliveryQueue<T>(init: DeliveryQueueInit<T>): DeliveryQueue<T> {
  let items: T[] = []
  let head = 0
  let running = false
  let closed = false
  let idleWaiters: Array<() => void> = []

  const pending = (): number => items.length - head

  const settleIdle = (): void => {
    const waiters = idleWaiters
    idleWaiters = []
    for (const resolve of waiters) resolve()
  }

  const run = async (): Promise<void> => {
    running = true
    while (!closed && pending() > 0) {
      const item = items[head] as T
      items[head] = undefined as T
      head++
      // Compact now and then so the backing array stays bounded by capacity.
      if (head > 64 && head * 2 > items.length) {
        items = items.slice(head)
        head = 0
      }
      try {
        await init.handler(item)
        init.onDelivered?.(item)
      } catch (err) {
        init.onError(err, item)
      }
    }
    running = false
    settleIdle()
  }

  return {
    push(item) {
      if (closed || pending() >= init.capacity) {
        init.onDrop(item)
        return false
      }
      items.push(item)
      if (!running) void run()
      return true
    },
    get size() {
      return pending()
    },
    capacity: init.capacity,
    get closed() {
      return closed
    },
    close() {
      closed = true
      items = []
      head = 0
      if (!running) settleIdle()
    },
    idle() {
      if (!running && pending() === 0) return Promise.resolve()
      return new Promise<void>((resolve) => idleWaiters.push(resolve))
    },
  }
}
