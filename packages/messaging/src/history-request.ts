import type { PeerAccountability } from '@depin/infrastructure'
import type { Logger } from '@depin/logger'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import type { HistoryCounters } from './history-counters.js'
import {
  decodeHeader,
  encodeJson,
  HISTORY_PROTOCOL,
  type HistoryRejectReason,
  type HistoryRequest,
  type HistoryResponseHeader,
  MAX_ID_LENGTH,
  MAX_IDS_PER_PAGE,
  MAX_RESPONSE_BYTES,
  type VerifiedEntry,
  verifyEntry,
} from './history-wire.js'

/** Bytes of an event frame beyond its data (from, seqno, topic, signature, protobuf tags), with room. */
const FRAME_OVERHEAD_BYTES = 4_096

/** What one history request is made with. */
export interface HistoryRequestInit {
  maxMessageBytes: number
  requestTimeoutMs: number
  /** The database registry's verdict on an author (undefined: it could not say). */
  authorize: (peer: PeerId) => Promise<boolean | undefined>
  accountability: PeerAccountability
  counters: HistoryCounters
  log: Logger
}

/** A peer's answer: the ids of an inventory page (and where the next starts), or verified events. */
export interface HistoryAnswer {
  ids: string[]
  next: number | undefined
  entries: VerifiedEntry[]
  /** It held something it should not have (the peer was held to account): not asked further. */
  lied: boolean
}

/** One request on a new stream; undefined when it failed (counted, and the peer penalised if it lied). */
export async function requestHistory(
  init: HistoryRequestInit,
  connection: Connection,
  full: string,
  request: HistoryRequest,
  outer?: AbortSignal,
): Promise<HistoryAnswer | undefined> {
  const timeout = AbortSignal.timeout(init.requestTimeoutMs)
  const signal = outer === undefined ? timeout : AbortSignal.any([timeout, outer])
  const peer = connection.remotePeer
  init.counters.requestsMade++
  let stream: Stream | undefined
  let rejection: HistoryRejectReason | undefined
  const reject = (reason: HistoryRejectReason): void => {
    rejection = reason
    init.counters.rejected[reason]++
  }
  try {
    stream = await connection.newStream(HISTORY_PROTOCOL, { signal })
    const lp = lpStream(stream, { maxDataLength: frameLimit(init.maxMessageBytes) })
    await lp.write(encodeJson(request), { signal })
    const headerBytes = (await lp.read({ signal })).subarray()
    init.counters.bytesReceived += headerBytes.byteLength
    const header: HistoryResponseHeader | undefined = decodeHeader(headerBytes)
    if (header === undefined) {
      reject('malformed')
      return undefined
    }
    if (header.status !== 'ok') {
      init.counters.requestsFailed++
      init.log.debug('history request refused', 'peer', peer.toString(), 'status', header.status)
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
      init.counters.bytesReceived += frame.byteLength
      // One event's frame is its data plus ~200 bytes; the stream's bound is the inventory's.
      if (
        frame.byteLength > init.maxMessageBytes + FRAME_OVERHEAD_BYTES ||
        bytes > MAX_RESPONSE_BYTES + init.maxMessageBytes
      ) {
        reject('too-large')
        break
      }
      const verdict = await verifyEntry(frame, full, init.maxMessageBytes)
      if (!verdict.ok) {
        reject(verdict.reason)
        continue
      }
      if (wanted !== undefined && !wanted.has(verdict.entry.event.id)) {
        reject('unrequested')
        continue
      }
      const authorized = await init.authorize(verdict.entry.author)
      if (authorized === false) {
        // Its author is not (or no longer) admitted: dropped and counted, the server not blamed.
        init.counters.rejected.unauthorized++
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
      init.counters.peersSkipped++
      return undefined
    }
    // A frame (or its length prefix) past the bound: the answer is oversized, the server to blame.
    if (isOversized(err)) {
      reject('too-large')
      return undefined
    }
    init.counters.requestsFailed++
    if (!signal.aborted || timeout.aborted) {
      init.log.debug('history request failed', 'peer', peer.toString(), 'error', err)
    }
    return undefined
  } finally {
    if (rejection !== undefined) blame(init, peer, full, rejection)
  }
}

function blame(init: HistoryRequestInit, peer: PeerId, full: string, reason: HistoryRejectReason): void {
  init.counters.requestsFailed++
  const verdict = init.accountability.reportInvalid({
    author: peer,
    forwarder: peer,
    authorAuthorized: true,
    reason: `history-${reason}`,
    topic: full,
  })
  init.log.warn(
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
