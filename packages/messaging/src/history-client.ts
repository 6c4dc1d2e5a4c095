import type { PeerAccountability } from '@depin/infrastructure'
import type { Logger } from '@depin/logger'
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import type { HistoryCounters } from './history-counters.js'
import {
  decodeHeader,
  encodeJson,
  HISTORY_PROTOCOL,
  type HistoryRejectReason,
  type HistoryRequest,
  type HistoryResponseHeader,
  MAX_EVENTS_PER_PAGE,
  MAX_ID_LENGTH,
  MAX_IDS_PER_PAGE,
  MAX_RESPONSE_BYTES,
  type VerifiedEntry,
  verifyEntry,
} from './history-wire.js'

/** Bytes of an event frame beyond its data (from, seqno, topic, signature, protobuf tags), with room. */
const FRAME_OVERHEAD_BYTES = 4_096

/** A peer asked within one catch-up: its open connection, and the ids its inventory listed. */
interface Source {
  readonly peer: string
  readonly connection: Connection
  readonly listed: Set<string>
  /** It answered with something it should not have: not asked further. */
  lied: boolean
}

/** What {@link HistoryClient} asks with. */
export interface HistoryClientInit {
  host: Pick<Libp2p, 'getConnections' | 'peerStore'>
  databaseName: string
  maxMessageBytes: number
  requestTimeoutMs: number
  /** Bounds the inventory pages asked of one peer (its history holds at most about this many). */
  maxEvents: number
  /** The database registry's verdict on an author (undefined: it could not say). */
  authorize: (peer: PeerId) => Promise<boolean | undefined>
  accountability: PeerAccountability
  /** Whether this node's history already holds the event. */
  holds: (topic: string, id: string) => boolean
  counters: HistoryCounters
  log: Logger
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
  ): Promise<VerifiedEntry[]> {
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
    return [...got.values()]
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
    const connection = this.init.host.getConnections(peerId).find((c) => c.status === 'open')
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
      const answer = await this.request(connection, full, request, signal)
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
      const answer = await this.request(source.connection, full, request, signal)
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

  /** One request on a new stream; undefined when it failed (counted, and the peer penalised if it lied). */
  private async request(
    connection: Connection,
    full: string,
    request: HistoryRequest,
    outer?: AbortSignal,
  ): Promise<
    { ids: string[]; next: number | undefined; entries: VerifiedEntry[]; lied: boolean } | undefined
  > {
    const timeout = AbortSignal.timeout(this.init.requestTimeoutMs)
    const signal = outer === undefined ? timeout : AbortSignal.any([timeout, outer])
    const peer = connection.remotePeer
    this.counters.requestsMade++
    let stream: Stream | undefined
    let rejection: HistoryRejectReason | undefined
    const reject = (reason: HistoryRejectReason): void => {
      rejection = reason
      this.counters.rejected[reason]++
    }
    try {
      stream = await connection.newStream(HISTORY_PROTOCOL, { signal })
      const lp = lpStream(stream, { maxDataLength: frameLimit(this.init.maxMessageBytes) })
      await lp.write(encodeJson(request), { signal })
      const headerBytes = (await lp.read({ signal })).subarray()
      this.counters.bytesReceived += headerBytes.byteLength
      const header: HistoryResponseHeader | undefined = decodeHeader(headerBytes)
      if (header === undefined) {
        reject('malformed')
        return undefined
      }
      if (header.status !== 'ok') {
        this.counters.requestsFailed++
        this.init.log.debug('history request refused', 'peer', peer.toString(), 'status', header.status)
        return undefined
      }
      const wanted = request.ids === undefined ? undefined : new Set(request.ids)
      if (header.count > (request.ids?.length ?? (request.inventory === true ? 0 : request.limit))) {
        reject('unrequested')
        return undefined
      }
      const entries: VerifiedEntry[] = []
      let bytes = 0
      for (let i = 0; i < header.count; i++) {
        const frame = (await lp.read({ signal })).subarray()
        bytes += frame.byteLength
        this.counters.bytesReceived += frame.byteLength
        // One event's frame is its data plus ~200 bytes; the stream's bound is the inventory's.
        if (
          frame.byteLength > this.init.maxMessageBytes + FRAME_OVERHEAD_BYTES ||
          bytes > MAX_RESPONSE_BYTES + this.init.maxMessageBytes
        ) {
          reject('too-large')
          break
        }
        const verdict = await verifyEntry(frame, full, this.init.maxMessageBytes)
        if (!verdict.ok) {
          reject(verdict.reason)
          continue
        }
        if (wanted !== undefined && !wanted.has(verdict.entry.event.id)) {
          reject('unrequested')
          continue
        }
        const authorized = await this.init.authorize(verdict.entry.author)
        if (authorized === false) {
          // Its author is not (or no longer) admitted: dropped and counted, the server not blamed.
          this.counters.rejected.unauthorized++
          continue
        }
        // The registry could not say: dropped without blame, as the live validator does.
        if (authorized === undefined) continue
        entries.push(verdict.entry)
      }
      await stream.close({ signal }).catch(() => undefined)
      // What verified is kept; a server that lied is not asked further.
      if (rejection !== undefined) return { ids: [], next: undefined, entries, lied: true }
      return { ids: header.ids ?? [], next: header.next, entries, lied: false }
    } catch (err) {
      stream?.abort(err instanceof Error ? err : new Error('history request failed'))
      // A peer without the protocol (the Go implementation): skipped, without a word.
      if (isUnsupported(err)) {
        this.counters.peersSkipped++
        return undefined
      }
      // A frame (or its length prefix) past the bound: the answer is oversized, the server to blame.
      if (isOversized(err)) {
        reject('too-large')
        return undefined
      }
      this.counters.requestsFailed++
      if (!signal.aborted || timeout.aborted) {
        this.init.log.debug('history request failed', 'peer', peer.toString(), 'error', err)
      }
      return undefined
    } finally {
      if (rejection !== undefined) this.blame(peer, full, rejection)
    }
  }

  private blame(peer: PeerId, full: string, reason: HistoryRejectReason): void {
    this.counters.requestsFailed++
    const verdict = this.init.accountability.reportInvalid({
      author: peer,
      forwarder: peer,
      authorAuthorized: true,
      reason: `history-${reason}`,
      topic: full,
    })
    this.init.log.warn(
      'rejected a history answer; the serving peer is held to account',
      'peer',
      peer.toString(),
      'topic',
      full,
      'reason',
      reason,
      'penalized',
      verdict.penalized,
    )
  }
}

function frameLimit(maxMessageBytes: number): number {
  // An event frame is the event plus ~200 bytes of signature, ids and framing; an inventory is ids.
  // An id of MAX_ID_LENGTH characters is at most 6 bytes each in JSON (\u escapes).
  return Math.max(maxMessageBytes + FRAME_OVERHEAD_BYTES, MAX_IDS_PER_PAGE * (MAX_ID_LENGTH * 6 + 4) + 1_024)
}

function isUnsupported(err: unknown): boolean {
  return err instanceof Error && err.name === 'UnsupportedProtocolError'
}

function isOversized(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err.name === 'InvalidDataLengthError' || err.name === 'InvalidDataLengthLengthError')
  )
}
