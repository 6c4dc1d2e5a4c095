import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { HistoryCounters } from './history-counters.js'
import { type HistoryRequestInit, requestHistory } from './history-request.js'
import {
  HISTORY_PROTOCOL,
  type HistoryRequest,
  MAX_EVENTS_PER_PAGE,
  MAX_IDS_PER_PAGE,
  type VerifiedEntry,
} from './history-wire.js'

/** A peer asked within one catch-up: its open connection, and the ids its inventory listed. */
interface Source {
  readonly peer: string
  readonly connection: Connection
  readonly listed: Set<string>
  /** It answered with something it should not have: not asked further. */
  lied: boolean
}

/** What a {@link HistoryClient.collect} got. */
export interface Collected {
  /** The new events, verified. */
  entries: VerifiedEntry[]
  /** The peers that answered with an inventory (what they hold since their time was compared). */
  answered: string[]
}

/** What {@link HistoryClient} asks with. */
export interface HistoryClientInit extends HistoryRequestInit {
  host: Pick<Libp2p, 'getConnections' | 'peerStore'>
  databaseName: string
  /** Bounds the inventory pages asked of one peer (its history holds at most about this many). */
  maxEvents: number
  /** Whether this node's history already holds the event. */
  holds: (topic: string, id: string) => boolean
}

/** The asking side of `/depin/history/1.0.0`: inventories, fetches, verification, blame. */
export class HistoryClient {
  private readonly init: HistoryClientInit
  private readonly counters: HistoryCounters

  constructor(init: HistoryClientInit) {
    this.init = init
    this.counters = init.counters
  }

  /**
   * Asks peers for a topic's events since their `sinceMs` that `known` (and this node's history)
   * does not hold: an inventory of ids from each (in parallel, paged), then each missing id fetched
   * once, from one of the peers that listed it (spread over them, in parallel), every event
   * verified; ids a peer failed to deliver are asked once more of another peer that listed them. A
   * peer without the protocol is skipped quietly; a peer whose answer holds an altered, forged or
   * malformed event is held to account once per answer and not asked further.
   */
  async collect(
    topic: string,
    full: string,
    asks: ReadonlyArray<readonly [string, number]>,
    known: ReadonlySet<string>,
    signal?: AbortSignal,
  ): Promise<Collected> {
    const sources = (
      await Promise.all(asks.map(([peer, since]) => this.inventory(topic, full, peer, since, known, signal)))
    ).filter((source): source is Source => source !== undefined)
    const got = new Map<string, VerifiedEntry>()
    const wanted = new Set<string>()
    for (const source of sources) for (const id of source.listed) wanted.add(id)
    const tried = new Map<string, Set<Source>>()
    for (let round = 0; round < 2 && wanted.size > 0; round++) {
      // Each id from one source that listed it (and has not lied), spread round-robin; a retry
      // prefers a source not tried yet for it, else the same one (its page may have failed).
      const share = new Map<Source, string[]>()
      let turn = round
      for (const id of wanted) {
        const owners = sources.filter((source) => !source.lied && source.listed.has(id))
        const fresh = owners.filter((source) => tried.get(id)?.has(source) !== true)
        const pool = fresh.length > 0 ? fresh : owners
        const owner = pool[turn++ % Math.max(1, pool.length)]
        if (owner === undefined) continue
        const list = share.get(owner)
        if (list === undefined) share.set(owner, [id])
        else list.push(id)
        const sourcesTried = tried.get(id)
        if (sourcesTried === undefined) tried.set(id, new Set([owner]))
        else sourcesTried.add(owner)
      }
      if (share.size === 0) break
      await Promise.all(
        [...share].map(async ([source, ids]) => {
          for (const entry of await this.fetchIds(source, topic, full, ids, signal))
            got.set(entry.event.id, entry)
        }),
      )
      for (const id of got.keys()) wanted.delete(id)
    }
    return { entries: [...got.values()], answered: sources.map((source) => source.peer) }
  }

  /** One peer's inventory of a topic since `sinceMs`, less what `known` and our history hold. */
  private async inventory(
    topic: string,
    full: string,
    peer: string,
    sinceMs: number,
    known: ReadonlySet<string>,
    signal?: AbortSignal,
  ): Promise<Source | undefined> {
    let peerId: PeerId
    try {
      peerId = peerIdFromString(peer)
    } catch {
      return undefined
    }
    const connection = newestOpen(this.init.host.getConnections(peerId))
    if (connection === undefined || !(await this.speaksHistory(peerId))) return undefined
    const source: Source = { peer, connection, listed: new Set(), lied: false }
    let after: number | undefined
    const maxPages = Math.ceil(this.init.maxEvents / MAX_IDS_PER_PAGE) + 1
    for (let page = 0; page < maxPages; page++) {
      const request: HistoryRequest = {
        database: this.init.databaseName,
        topic,
        sinceMs,
        limit: MAX_IDS_PER_PAGE,
        inventory: true,
        ...(after === undefined ? {} : { after }),
      }
      const answer = await requestHistory(this.init, connection, full, request, signal)
      if (answer === undefined || answer.lied) return page === 0 ? undefined : source
      for (const id of answer.ids) if (!known.has(id) && !this.init.holds(topic, id)) source.listed.add(id)
      if (answer.next === undefined) break
      after = answer.next
    }
    return source
  }

  /** The events `ids` from one source, in pages; what verified (the rest is simply not returned). */
  private async fetchIds(
    source: Source,
    topic: string,
    full: string,
    ids: string[],
    signal?: AbortSignal,
  ): Promise<VerifiedEntry[]> {
    const entries: VerifiedEntry[] = []
    const queue = [...ids]
    while (queue.length > 0 && !source.lied) {
      const chunk = queue.splice(0, MAX_EVENTS_PER_PAGE)
      const request: HistoryRequest = {
        database: this.init.databaseName,
        topic,
        sinceMs: 0,
        limit: chunk.length,
        ids: chunk,
      }
      const answer = await requestHistory(this.init, source.connection, full, request, signal)
      if (answer === undefined) break
      entries.push(...answer.entries)
      source.lied = answer.lied
      // A page cut short by its byte bound (large events): the rest goes back in the queue.
      if (answer.entries.length > 0 && answer.entries.length < chunk.length) {
        const delivered = new Set(answer.entries.map((e) => e.event.id))
        queue.unshift(...chunk.filter((id) => !delivered.has(id)))
      }
    }
    return entries
  }

  /** Whether a peer announced the protocol (identify); unknown counts as yes. */
  private async speaksHistory(peerId: PeerId): Promise<boolean> {
    try {
      const protocols = (await this.init.host.peerStore.get(peerId)).protocols
      if (protocols.length === 0 || protocols.includes(HISTORY_PROTOCOL)) return true
    } catch {
      return true
    }
    this.counters.peersSkipped++
    return false
  }
}

/**
 * The most recently opened of a peer's open connections: after the peer crashed and restarted with
 * the same key, its old connection stays `open` until it times out, and a request over it would
 * wait out the whole request timeout (holding the topic's catch-up back) while the new one works.
 */
export function newestOpen(connections: readonly Connection[]): Connection | undefined {
  let newest: Connection | undefined
  for (const connection of connections) {
    if (connection.status !== 'open') continue
    if (newest === undefined || connection.timeline.open > newest.timeline.open) newest = connection
  }
  return newest
}
