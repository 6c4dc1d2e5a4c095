import { RPC } from '@libp2p/gossipsub/message'
import type { Connection, Libp2p, PeerId, PrivateKey, Stream } from '@libp2p/interface'
import { lpStream, RateLimiter } from '@libp2p/utils'
import type { HistoryCounters } from './history-counters.js'
import type { HistoryEntry, HistoryStore } from './history-store.js'
import {
  decodeRequest,
  encodeJson,
  HISTORY_PROTOCOL,
  type HistoryRefusal,
  type HistoryRequest,
  MAX_EVENTS_PER_PAGE,
  MAX_ID_LENGTH,
  MAX_IDS_PER_PAGE,
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_BYTES,
  ownBytes,
  signedBytes,
} from './history-wire.js'
import { gossipTopic } from './topic.js'

/** Concurrent history streams per connection, each way. */
const MAX_STREAMS = 4
/** How long one request may take to be read and answered. */
const SERVE_TIMEOUT_MS = 10_000

/** What {@link HistoryServer} answers from. */
export interface HistoryServerInit {
  databaseName: string
  store: HistoryStore
  /** Signs our own events when they are first served. */
  privateKey: PrivateKey | undefined
  /** The database registry's verdict on the asking peer. */
  authorize: (peer: PeerId) => Promise<boolean | undefined>
  /** Requests answered per peer per 10 s. */
  requestsPerPeer: number
  counters: HistoryCounters
}

type Host = Pick<Libp2p, 'handle' | 'unhandle'>

// One protocol handler per libp2p node, shared by its databases (a request names its database).
const servers = new WeakMap<object, Map<string, HistoryServer>>()

/** The serving side of `/depin/history/1.0.0` for one database. */
export class HistoryServer {
  private readonly init: HistoryServerInit
  private readonly counters: HistoryCounters
  private readonly limiter: RateLimiter

  constructor(init: HistoryServerInit) {
    this.init = init
    this.counters = init.counters
    this.limiter = new RateLimiter({ points: init.requestsPerPeer, duration: 10 })
  }

  /** Serves this database on the host (the protocol handler is registered by the first database). */
  async register(host: Host): Promise<void> {
    let databases = servers.get(host)
    if (databases === undefined) {
      databases = new Map()
      servers.set(host, databases)
    }
    const first = databases.size === 0
    databases.set(this.init.databaseName, this)
    if (!first) return
    const served = databases
    await host.handle(HISTORY_PROTOCOL, (stream, connection) => serve(served, stream, connection), {
      maxInboundStreams: MAX_STREAMS,
      maxOutboundStreams: MAX_STREAMS,
      force: true,
    })
  }

  /** Stops serving this database (the last one removes the handler). */
  async unregister(host: Host): Promise<void> {
    const databases = servers.get(host)
    if (databases?.get(this.init.databaseName) !== this) return
    databases.delete(this.init.databaseName)
    if (databases.size === 0) await host.unhandle(HISTORY_PROTOCOL).catch(() => undefined)
  }

  /** Answers one request of `peer` (already parsed): the header and the event frames. */
  async answer(request: HistoryRequest, peer: PeerId): Promise<Uint8Array[]> {
    try {
      this.limiter.consume(peer.toString())
    } catch {
      return this.refuse('rate-limited')
    }
    if ((await this.init.authorize(peer)) !== true) return this.refuse('unauthorized')
    const full = gossipTopic(this.init.databaseName, request.topic)
    if (request.inventory === true) {
      const page = this.init.store.page(request.topic, {
        sinceMs: request.sinceMs,
        limit: Math.min(request.limit, MAX_IDS_PER_PAGE),
        ...(request.after === undefined ? {} : { after: request.after }),
      })
      this.counters.requestsServed++
      return this.sent([
        encodeJson({
          status: 'ok',
          count: 0,
          // An id too long for the protocol (a Go node's event may carry any id) cannot be caught up.
          ids: page.entries.filter((e) => e.id.length <= MAX_ID_LENGTH).map((e) => e.id),
          ...(page.next === undefined ? {} : { next: page.next }),
        }),
      ])
    }
    let entries: HistoryEntry[]
    let next: number | undefined
    if (request.ids !== undefined) {
      entries = this.init.store.byIds(
        request.topic,
        request.ids.slice(0, Math.min(request.limit, MAX_EVENTS_PER_PAGE)),
      )
    } else {
      const page = this.init.store.page(request.topic, {
        sinceMs: request.sinceMs,
        limit: Math.min(request.limit, MAX_EVENTS_PER_PAGE),
        maxBytes: MAX_RESPONSE_BYTES,
        ...(request.after === undefined ? {} : { after: request.after }),
      })
      entries = page.entries
      next = page.next
    }
    const frames: Uint8Array[] = []
    let bytes = 0
    for (const entry of entries) {
      const frame = entry.frame ?? (await this.sign(entry, full))
      if (frame === undefined) continue
      if (frames.length > 0 && bytes + frame.byteLength > MAX_RESPONSE_BYTES) break
      bytes += frame.byteLength
      frames.push(frame)
    }
    this.counters.requestsServed++
    return this.sent([
      encodeJson({ status: 'ok', count: frames.length, ...(next === undefined ? {} : { next }) }),
      ...frames,
    ])
  }

  private refuse(reason: HistoryRefusal): Uint8Array[] {
    this.counters.requestsRefused[reason]++
    return this.sent([encodeJson({ status: reason })])
  }

  private sent(frames: Uint8Array[]): Uint8Array[] {
    for (const frame of frames) this.counters.bytesSent += frame.byteLength
    return frames
  }

  /** Signs our own event when it is first served: the frame replaces its data and seqno. */
  private async sign(entry: HistoryEntry, full: string): Promise<Uint8Array | undefined> {
    const key = this.init.privateKey
    const unsigned = entry.unsigned
    if (key === undefined || unsigned === undefined) return undefined
    const fields = {
      from: key.publicKey.toMultihash().bytes,
      data: unsigned.data,
      seqno: unsigned.seqno,
      topic: full,
    }
    const signature = await key.sign(signedBytes(fields))
    entry.frame = ownBytes(RPC.Message.encode({ ...fields, signature }))
    entry.unsigned = undefined
    return entry.frame
  }
}

/** The handler of `/depin/history/1.0.0`: one request, one answer. */
async function serve(
  databases: Map<string, HistoryServer>,
  stream: Stream,
  connection: Connection,
): Promise<void> {
  const signal = AbortSignal.timeout(SERVE_TIMEOUT_MS)
  try {
    const lp = lpStream(stream, { maxDataLength: MAX_REQUEST_BYTES })
    const request = decodeRequest((await lp.read({ signal })).subarray())
    const history = request === undefined ? undefined : databases.get(request.database)
    let frames: Uint8Array[]
    if (request === undefined) frames = [encodeJson({ status: 'bad-request' })]
    else if (history === undefined) frames = [encodeJson({ status: 'unknown-database' })]
    else frames = await history.answer(request, connection.remotePeer)
    await lp.writeV(frames, { signal })
    await stream.close({ signal })
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error('history request failed'))
  }
}
