import type { Database } from '@depin/pubsub'

/** One published event and the members expected to receive it. */
interface SentEvent {
  id: string
  label: string
  expected: Database[]
}

/** Delivery of the events sent under one label. */
export interface DeliveryFigures {
  published: number
  expected: number
  delivered: number
  ratio: number
}

/**
 * Steady traffic over a set of databases: each subscribes to `topic`; `start()` makes them take
 * turns publishing every `intervalMs`; every event is expected at every other database. Events
 * are labelled with the current phase so delivery can be reported per phase.
 */
export interface Traffic {
  subscribeAll(): Promise<void>
  start(): void
  stop(): Promise<void>
  /** Labels the events published from now on. */
  phase(label: string): void
  /** Delivery figures of one label, or of every event. */
  figures(label?: string): DeliveryFigures
  /** True once every event of `label` (or every event) reached every expected member. */
  allDelivered(label?: string): boolean
  /** Events published so far. */
  readonly published: number
}

export function createTraffic(dbs: readonly Database[], topic: string, intervalMs = 50): Traffic {
  const received = new Map<Database, Set<string>>(dbs.map((db) => [db, new Set<string>()]))
  const sent: SentEvent[] = []
  let label = 'start'
  let timer: ReturnType<typeof setTimeout> | undefined
  let running: Promise<void> | undefined
  let turn = 0
  let stopped = false

  const tick = async (): Promise<void> => {
    const publisher = dbs[turn++ % dbs.length]
    if (publisher === undefined) return
    const at = label
    const event = await publisher.publish(topic, { turn }).catch(() => undefined)
    if (event !== undefined)
      sent.push({ id: event.id, label: at, expected: dbs.filter((d) => d !== publisher) })
  }
  const loop = (): void => {
    if (stopped) return
    running = tick().finally(() => {
      if (!stopped) timer = setTimeout(loop, intervalMs)
    })
  }
  const select = (which?: string): SentEvent[] =>
    which === undefined ? sent : sent.filter((s) => s.label === which)
  const count = (events: SentEvent[]): { expected: number; delivered: number } => {
    let expected = 0
    let delivered = 0
    for (const s of events) {
      expected += s.expected.length
      for (const db of s.expected) if (received.get(db)?.has(s.id)) delivered++
    }
    return { expected, delivered }
  }

  return {
    async subscribeAll() {
      for (const db of dbs)
        await db.subscribe(topic, (event) => {
          received.get(db)?.add(event.id)
        })
    },
    start() {
      stopped = false
      loop()
    },
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    },
    phase(next) {
      label = next
    },
    figures(which) {
      const events = select(which)
      const { expected, delivered } = count(events)
      return {
        published: events.length,
        expected,
        delivered,
        ratio: expected === 0 ? 1 : Number((delivered / expected).toFixed(4)),
      }
    },
    allDelivered(which) {
      const { expected, delivered } = count(select(which))
      return delivered === expected
    },
    get published() {
      return sent.length
    },
  }
}
