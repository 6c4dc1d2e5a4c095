/**
 * The recent events of one database, as this node received or published them, kept with what it
 * takes to prove them: the author's GossipSub signature over `from`, `seqno`, `data` and the topic.
 * Bounded by count, bytes and age across the database's topics; the oldest go first.
 */

/** Bounds of a database's history. Every default is written once, in `HISTORY_DEFAULTS`. */
export interface HistoryLimits {
  /** Events kept per database (all topics). */
  maxEvents: number
  /** Bytes kept per database: each event's data plus a fixed overhead ({@link ENTRY_OVERHEAD_BYTES}). */
  maxBytes: number
  /** Age after which an event is dropped, by the time this node received (or published) it. */
  maxAgeMs: number
}

/**
 * Estimated bytes an entry costs beyond its data: the signed frame's other fields (from, seqno,
 * topic, signature: ~130), its buffer, the entry object, its id string and index slots (measured:
 * bench/README.md, "Catch-up").
 */
export const ENTRY_OVERHEAD_BYTES = 600

/** One stored event, as the signed GossipSub message it is served as. */
export interface HistoryEntry {
  /** Local, strictly increasing: the paging cursor. */
  readonly seq: number
  readonly topic: string
  /** The event id (the JSON `id`). */
  readonly id: string
  /** The event's own timestamp (publisher's clock, seconds). */
  readonly timestamp: number
  /** When this node received or published it (its clock, ms). */
  readonly receivedAtMs: number
  /**
   * The signed GossipSub message (pubsub protobuf `Message`: `from`, `data`, `seqno`, `topic`,
   * `signature`), one buffer; undefined for our own event until a peer first asks for it.
   */
  frame: Uint8Array | undefined
  /** Our own event's data and seqno, until it is signed (then `frame` replaces them). */
  unsigned: { readonly data: Uint8Array; readonly seqno: Uint8Array } | undefined
  /** Bytes of the event's data (the JSON). */
  readonly dataBytes: number
  readonly bytes: number
}

/** A page of a topic's history. */
export interface HistoryPage {
  entries: HistoryEntry[]
  /** The cursor to ask for the next page, or undefined when this page reached the end. */
  next: number | undefined
}

/** A topic's entries in arrival order, trimmed from the front. */
class TopicLog {
  readonly entries: HistoryEntry[] = []
  head = 0
  readonly byId = new Map<string, HistoryEntry>()

  get size(): number {
    return this.entries.length - this.head
  }

  at(i: number): HistoryEntry | undefined {
    return this.entries[this.head + i]
  }

  shift(): void {
    const entry = this.entries[this.head]
    if (entry === undefined) return
    this.entries[this.head] = undefined as unknown as HistoryEntry
    this.head++
    if (this.byId.get(entry.id) === entry) this.byId.delete(entry.id)
    // Compact once the dead prefix dominates, so memory follows what is kept.
    if (this.head > 1_024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head)
      this.head = 0
    }
  }

  /** Index of the first entry for which `below` is false (entries are ordered for it). */
  firstNotBelow(below: (entry: HistoryEntry) => boolean): number {
    let lo = 0
    let hi = this.size
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const entry = this.at(mid)
      if (entry !== undefined && below(entry)) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

/** What a database keeps: {@link HistoryStore.record}, then pages and lookups by id. */
export class HistoryStore {
  private readonly topics = new Map<string, TopicLog>()
  // Arrival order across topics: the next to evict is always the head of its topic's log.
  private readonly order: HistoryEntry[] = []
  private orderHead = 0
  private nextSeq = 1
  private count = 0
  private totalBytes = 0

  constructor(
    readonly limits: HistoryLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Events kept now. */
  get size(): number {
    return this.count
  }

  /** Estimated bytes kept now. */
  get bytes(): number {
    return this.totalBytes
  }

  /** Keeps an event (a second copy of an id already kept on the topic is ignored). Returns the entry, or undefined. */
  record(fields: Omit<HistoryEntry, 'seq' | 'receivedAtMs' | 'bytes'>): HistoryEntry | undefined {
    if (this.limits.maxEvents <= 0) return undefined
    let log = this.topics.get(fields.topic)
    if (log === undefined) {
      log = new TopicLog()
      this.topics.set(fields.topic, log)
    }
    if (log.byId.has(fields.id)) return undefined
    const bytes = fields.dataBytes + ENTRY_OVERHEAD_BYTES
    if (bytes > this.limits.maxBytes) return undefined
    const entry: HistoryEntry = { ...fields, seq: this.nextSeq++, receivedAtMs: this.now(), bytes }
    log.entries.push(entry)
    log.byId.set(entry.id, entry)
    this.order.push(entry)
    this.count++
    this.totalBytes += bytes
    this.prune()
    return entry
  }

  /** Whether the topic's history holds this event id. */
  has(topic: string, id: string): boolean {
    return this.topics.get(topic)?.byId.has(id) === true
  }

  /**
   * A topic's entries received at or after `sinceMs`, after the cursor `after` (exclusive), oldest
   * first, at most `limit` and about `maxBytes` (at least one entry when any is left).
   */
  page(
    topic: string,
    query: { sinceMs: number; after?: number | undefined; limit: number; maxBytes?: number },
  ): HistoryPage {
    this.prune()
    const log = this.topics.get(topic)
    if (log === undefined) return { entries: [], next: undefined }
    const start =
      query.after === undefined
        ? log.firstNotBelow((e) => e.receivedAtMs < query.sinceMs)
        : log.firstNotBelow((e) => e.seq <= (query.after as number))
    const entries: HistoryEntry[] = []
    let bytes = 0
    let i = start
    for (; i < log.size && entries.length < query.limit; i++) {
      const entry = log.at(i)
      if (entry === undefined) break
      if (entry.receivedAtMs < query.sinceMs) continue
      if (query.maxBytes !== undefined && entries.length > 0 && bytes + entry.bytes > query.maxBytes) break
      bytes += entry.bytes
      entries.push(entry)
    }
    const last = entries.at(-1)
    return { entries, next: i < log.size && last !== undefined ? last.seq : undefined }
  }

  /** The topic's entries with these ids (those still kept), in arrival order. */
  byIds(topic: string, ids: Iterable<string>): HistoryEntry[] {
    this.prune()
    const log = this.topics.get(topic)
    if (log === undefined) return []
    const found: HistoryEntry[] = []
    for (const id of ids) {
      const entry = log.byId.get(id)
      if (entry !== undefined) found.push(entry)
    }
    return found.sort((a, b) => a.seq - b.seq)
  }

  /** Drops a topic's history (the database left it). */
  dropTopic(topic: string): void {
    const log = this.topics.get(topic)
    if (log === undefined) return
    this.topics.delete(topic)
    for (let i = 0; i < log.size; i++) this.totalBytes -= log.at(i)?.bytes ?? 0
    this.count -= log.size
    // The global order keeps the dropped entries until they reach its head; skip them there.
  }

  clear(): void {
    this.topics.clear()
    this.order.length = 0
    this.orderHead = 0
    this.count = 0
    this.totalBytes = 0
  }

  private prune(): void {
    const oldest = this.now() - this.limits.maxAgeMs
    while (this.orderHead < this.order.length) {
      const entry = this.order[this.orderHead] as HistoryEntry
      const log = this.topics.get(entry.topic)
      const live = log !== undefined && log.at(0) === entry
      if (
        live &&
        this.size <= this.limits.maxEvents &&
        this.totalBytes <= this.limits.maxBytes &&
        entry.receivedAtMs >= oldest
      ) {
        break
      }
      this.order[this.orderHead] = undefined as unknown as HistoryEntry
      this.orderHead++
      if (live) {
        log.shift()
        this.count--
        this.totalBytes -= entry.bytes
      }
    }
    if (this.orderHead > 1_024 && this.orderHead * 2 > this.order.length) {
      this.order.splice(0, this.orderHead)
      this.orderHead = 0
    }
  }
}
