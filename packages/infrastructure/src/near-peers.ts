import type { Logger } from '@depin/logger'
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import { lpStream, RateLimiter } from '@libp2p/utils'
import { timeoutSignal } from './abort.js'
import type { PeeringPlan } from './latency.js'
import {
  directAddresses,
  MAX_NEAR_ANSWER_BYTES,
  MAX_NEAR_ENTRIES,
  NEAR_PEERS_PROTOCOL,
  type NearPeerEntry,
  parseNearAnswer,
} from './near-peers-wire.js'
import type { NearPeerCounts } from './peering-metrics.js'

export { NEAR_PEERS_PROTOCOL } from './near-peers-wire.js'

/** Near peers wanted by a node (at most; see {@link nearPeersWanted}). */
export const NEAR_PEERS_WANTED = 8
/** Answers served to one peer per minute (an asker asks far less often). */
export const NEAR_ANSWERS_PER_PEER_PER_MINUTE = 6
/** Time for one question, and for one dial to a named peer. */
const ASK_TIMEOUT_MS = 10_000
const DIAL_TIMEOUT_MS = 10_000
/** Named peers dialed per round, and how long a dialed one is not dialed again. */
const DIALS_PER_ROUND = 3
const TRIED_FOR_MS = 10 * 60_000
const TRIED_REMEMBERED = 512
/** Rounds that find nobody new back off, doubling up to this. */
const MAX_SEEK_INTERVAL_MS = 10 * 60_000

/**
 * How many near peers a node looks for: {@link NEAR_PEERS_WANTED}, but no more than the connections
 * it trims down to (`low`) leave once it has room for its own far links (`keptFar`) and as many
 * again for far peers that keep it as theirs (each far link a node keeps is kept by it on one
 * side only; on average a node is chosen as often as it chooses). Past that, trims would close
 * near peers or those far links, and both would be dialed again, endlessly.
 */
export function nearPeersWanted(low: number, keptFar: number): number {
  return Math.max(0, Math.min(NEAR_PEERS_WANTED, low - 2 * keptFar))
}

/**
 * Near peers a node may lack before it looks for more: a quarter of what it wants (2 of 8), as
 * GossipSub's mesh lets its degree fall from D to D_lo before it grafts.
 */
export function nearPeersSlack(wanted: number): number {
  return Math.floor(wanted / 4)
}

/**
 * The named peers that may be near us, most likely first. Round-trip times roughly obey the
 * triangle inequality: our RTT to a named peer is at least |ours to the answerer - the answerer's
 * to it|. Kept: the peers whose bound is under `ceilingMs` (the top of our near bands), lowest
 * bound first: the answerer's near peers when it is near us, its peers in our region when it is not.
 */
export function nearCandidates(
  entries: readonly NearPeerEntry[],
  viaRttMs: number,
  ceilingMs: number,
): NearPeerEntry[] {
  return entries
    .map((entry) => ({ entry, atLeast: Math.abs(viaRttMs - entry.rttMs) }))
    .filter(({ atLeast }) => atLeast < ceilingMs)
    .sort((a, b) => a.atLeast - b.atLeast)
    .map(({ entry }) => entry)
}

export interface NearPeerSeekerInit {
  libp2p: Libp2p
  logger: Logger
  /** `connectionLimits.low`: near peers wanted stay below it (see {@link nearPeersWanted}). */
  low: number
  /** `connectionLimits.high`, where the trimmer starts: dials stay under it. */
  high: number
  /** `peering.rttBandsMs`: which named peers may be near (see the round). */
  rttBandsMs: readonly number[]
  /** The first wait between two rounds (doubled while rounds find nobody new). */
  intervalMs: number
  counts: NearPeerCounts
  /** Aborts questions and dials in flight when latency-aware peering stops. */
  stop: AbortSignal
  /** The current plan, for answers. */
  plan(): PeeringPlan
  /** A connected peer's RTT (ms), `undefined` before its first sample. */
  rttOf(peerId: string): number | undefined
}

export interface NearPeerSeeker {
  /** Serves {@link NEAR_PEERS_PROTOCOL}. */
  start(): Promise<void>
  /** Stops serving it. */
  stop(): Promise<void>
  /** One round when due and short of near peers: ask a near peer, dial a few it names. */
  seek(connected: ReadonlyMap<string, PeerId>, plan: PeeringPlan, now: number): void
}

/** Asks near peers for their near peers and answers such questions (see {@link NEAR_PEERS_PROTOCOL}). */
export function createNearPeerSeeker(init: NearPeerSeekerInit): NearPeerSeeker {
  const { libp2p, logger, counts } = init
  const self = libp2p.peerId.toString()
  const limiter = new RateLimiter({ points: NEAR_ANSWERS_PER_PEER_PER_MINUTE, duration: 60 })
  /** When each peer was last asked, and when each named peer was last dialed (bounded, oldest out). */
  const askedAt = new Map<string, number>()
  const triedAt = new Map<string, number>()
  let interval = init.intervalMs
  let nextAt = 0
  let running = false

  const answer = async (remote: PeerId): Promise<Uint8Array> => {
    // Every measured peer, nearest first: the asker picks those its RTTs say may be near it (a
    // node whose peers are all in other regions finds its own region among our far peers).
    const measured = [...init.plan().bands.keys()]
      .filter((key) => key !== remote.toString())
      .map((key) => ({ key, rttMs: init.rttOf(key) }))
      .filter((e): e is { key: string; rttMs: number } => e.rttMs !== undefined)
      .sort((a, b) => a.rttMs - b.rttMs)
    const peers: Array<{ id: string; addrs: string[]; rttMs: number }> = []
    for (const { key, rttMs } of measured) {
      if (peers.length >= MAX_NEAR_ENTRIES) break
      const addrs = await directAddresses(libp2p, key)
      if (addrs.length > 0) peers.push({ id: key, addrs, rttMs: Math.round(rttMs * 10) / 10 })
    }
    return new TextEncoder().encode(JSON.stringify({ peers }))
  }

  const serve = async (stream: Stream, connection: Connection): Promise<void> => {
    const signal = AbortSignal.timeout(ASK_TIMEOUT_MS)
    try {
      try {
        limiter.consume(connection.remotePeer.toString())
      } catch {
        stream.abort(new Error('near-peer questions over the rate limit'))
        return
      }
      const lp = lpStream(stream, { maxDataLength: MAX_NEAR_ANSWER_BYTES })
      await lp.write(await answer(connection.remotePeer), { signal })
      counts.nearAnswersServed++
      await stream.close({ signal })
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error('near-peer answer failed'))
    }
  }

  const ask = async (peerId: PeerId): Promise<NearPeerEntry[]> => {
    counts.nearLookups++
    touch(askedAt, peerId.toString())
    const attempt = timeoutSignal(init.stop, ASK_TIMEOUT_MS, () => new Error('no near-peer answer in time'))
    let stream: Stream | undefined
    try {
      stream = await libp2p.dialProtocol(peerId, NEAR_PEERS_PROTOCOL, { signal: attempt.signal })
      const lp = lpStream(stream, { maxDataLength: MAX_NEAR_ANSWER_BYTES })
      const parsed = parseNearAnswer((await lp.read({ signal: attempt.signal })).subarray())
      await stream.close({ signal: attempt.signal }).catch(() => stream?.abort(new Error('read done')))
      if (parsed === undefined) {
        counts.nearAnswersRejected++
        logger.debug('malformed near-peer answer', 'peer', peerId.toString())
        return []
      }
      counts.nearAnswersRejected += parsed.rejected
      return parsed.entries
    } catch (err) {
      stream?.abort(err instanceof Error ? err : new Error('near-peer question failed'))
      if (!init.stop.aborted) {
        counts.nearAnswersRejected++
        logger.debug('near-peer question failed', 'peer', peerId.toString(), 'error', err)
      }
      return []
    } finally {
      attempt.clear()
    }
  }

  const dial = (entry: NearPeerEntry): void => {
    const key = entry.peerId.toString()
    touch(triedAt, key)
    counts.nearDials++
    const attempt = timeoutSignal(init.stop, DIAL_TIMEOUT_MS, () => new Error('near-peer dial timed out'))
    libp2p
      .dial(entry.addrs, { signal: attempt.signal })
      .catch((err: unknown) => {
        if (init.stop.aborted) return
        counts.nearDialFailures++
        logger.debug('could not dial a peer a near peer named', 'peer', key, 'error', err)
      })
      .finally(() => attempt.clear())
  }

  /** The near peer to ask: one that serves the protocol, asked longest ago, nearest first. */
  const whomToAsk = async (plan: PeeringPlan, connected: ReadonlyMap<string, PeerId>) => {
    const candidates = [...plan.near]
      .filter((key) => connected.has(key))
      .sort(
        (a, b) =>
          (askedAt.get(a) ?? 0) - (askedAt.get(b) ?? 0) ||
          (init.rttOf(a) ?? Number.POSITIVE_INFINITY) - (init.rttOf(b) ?? Number.POSITIVE_INFINITY),
      )
    for (const key of candidates) {
      const peerId = connected.get(key) as PeerId
      const peer = await libp2p.peerStore.get(peerId).catch(() => undefined)
      if (peer?.protocols.includes(NEAR_PEERS_PROTOCOL) === true) return peerId
    }
    return undefined
  }

  const round = async (connected: ReadonlyMap<string, PeerId>, plan: PeeringPlan, room: number) => {
    const asked = await whomToAsk(plan, connected)
    if (asked === undefined) return 0
    const now = Date.now()
    const fresh = (await ask(asked)).filter((entry) => {
      const key = entry.peerId.toString()
      return key !== self && !connected.has(key) && now - (triedAt.get(key) ?? 0) >= TRIED_FOR_MS
    })
    const ceiling =
      plan.nearBand === undefined ? 0 : (init.rttBandsMs[plan.nearBand + 1] ?? Number.POSITIVE_INFINITY)
    const named = nearCandidates(fresh, init.rttOf(asked.toString()) ?? 0, ceiling)
    const chosen = named.slice(0, Math.min(DIALS_PER_ROUND, room))
    if (chosen.length > 0) {
      logger.debug('dialing peers a near peer named', 'peer', asked.toString(), 'count', chosen.length)
    }
    for (const entry of chosen) dial(entry)
    return chosen.length
  }

  return {
    async start() {
      await libp2p.handle(NEAR_PEERS_PROTOCOL, serve, {
        maxInboundStreams: 2,
        maxOutboundStreams: 2,
        runOnLimitedConnection: false,
      })
    },
    async stop() {
      await libp2p.unhandle(NEAR_PEERS_PROTOCOL).catch(() => undefined)
    },
    seek(connected, plan, now) {
      if (running || init.stop.aborted || plan.nearBand === undefined) return
      const wanted = nearPeersWanted(init.low, plan.keptFar.size)
      // Look again only below `wanted - slack`: a node that lost one near peer to a trim does not
      // dial another at once, which would push a third node over its band. Near is relative (the
      // nearest band with a peer, and the next): a node whose nearest peers are not in the first
      // band may have nearer ones it never met, so it keeps looking, one at a time, backing off.
      // A node whose every peer is in the first band (one site, or loopback) has no far link to
      // replace: it leaves its degree to discovery (more links would only cost keepalives).
      const short = plan.farBands.length === 0 && plan.nearBand === 0 ? 0 : wanted - plan.near.size
      const want = short > nearPeersSlack(wanted) ? short : wanted > 0 && plan.nearBand > 0 ? 1 : 0
      if (want === 0) {
        // Enough near peers: the next shortage (a near peer left) is looked into at once.
        interval = init.intervalMs
        nextAt = 0
        return
      }
      if (now < nextAt) return
      // Dials stay under `high`, or a node would make its own trimmer close the peers it has
      // (near ones among them, which then look for near peers again): past it, one dial while a
      // far peer it does not keep can make way (the trimmer closes those first).
      const farNotKept = plan.bands.size - plan.near.size - plan.keptFar.size
      const room = Math.min(want, Math.max(init.high - 1 - connected.size, farNotKept > 0 ? 1 : 0))
      if (room <= 0) return
      running = true
      void round(connected, plan, room)
        .then(
          (dialed) => {
            interval = dialed > 0 ? init.intervalMs : Math.min(interval * 2, MAX_SEEK_INTERVAL_MS)
          },
          (err: unknown) => logger.debug('near-peer search failed', 'error', err),
        )
        .finally(() => {
          running = false
          nextAt = Date.now() + interval
        })
    },
  }
}

/** Notes `key` now in a recency map (moved to the end), keeping it bounded: the oldest entries go. */
function touch(map: Map<string, number>, key: string): void {
  map.delete(key)
  map.set(key, Date.now())
  for (const oldest of map.keys()) {
    if (map.size <= TRIED_REMEMBERED) break
    map.delete(oldest)
  }
}
