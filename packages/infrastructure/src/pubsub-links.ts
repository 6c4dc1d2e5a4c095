import type { Logger } from '@depin/logger'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import type { Connection, IdentifyResult, Libp2p, PeerId } from '@libp2p/interface'
import { timeoutSignal } from './abort.js'
import { isOpenUnlimited } from './connected-peers.js'
import { type GossipSubInternals, gossipSubInternals } from './gossipsub-internals.js'
import { type HeartbeatClock, periodicTask } from './heartbeat-clock.js'
import { createLinkReopens } from './pubsub-link-reopens.js'

export interface PubsubLinkWatchInit {
  libp2p: Libp2p<{ pubsub: GossipSub; identify: Identify }>
  /** How often connected peers are checked. */
  intervalMs: number
  /** A peer whose newest connection is younger than this is still setting up its streams. */
  graceMs: number
  /** Time allowed for the identify or the redial of a repaired peer. */
  dialTimeoutMs: number
  logger: Logger
  /** Called for every repair, reopen or reconnect (the node counts them). */
  onRepair(): void
  /** GossipSub's heartbeat: checks run in its wake-ups (see heartbeat-clock.ts). */
  clock?: HeartbeatClock | undefined
  /** The node's adapter over GossipSub's implementation (one is made over `libp2p`'s if not given). */
  links?: GossipSubInternals | undefined
}

export interface PubsubLinkWatch {
  start(): void
  stop(): void
  /** The older connection of `peerId` (a restarted peer) was closed, GossipSub's streams with it:
   * checks now, counting its gaps without waiting for its newer connection to be `graceMs` old. */
  superseded(peerId: PeerId): void
}

/** A peer found broken this many checks in a row is repaired (one check can race stream set-up). */
const STRIKES = 2
/** At most one repair per peer in this many check intervals. */
const COOLDOWN_INTERVALS = 15
/** Reopens of a stream gap (or identifies of an unidentified peer), `graceMs` apart, before the peer is reconnected instead. */
const REOPENS_BEFORE_RECONNECT = 3

/**
 * Repairs GossipSub links that @libp2p/gossipsub 17 loses while the peer stays connected.
 *
 * GossipSub opens its streams when the registrar reports a new peer, and never again for a peer that
 * stays connected. When a peer crashes and comes back with the same key before we notice its dead
 * connection, we hold two connections to one PeerId: GossipSub keeps its outbound stream on the dead
 * one and skips the new one; when the dead connection closes, the stream goes with it, or its read
 * error makes GossipSub forget the peer and its subscriptions. The peer is connected and ready, and
 * never receives another event from us (libp2p/js-libp2p#3531 left this case open;
 * ChainSafe/js-libp2p-gossipsub#456). The same happens when a stream is reset on a live connection,
 * or when opening the stream failed (GossipSub does not retry). And GossipSub hears of a peer only
 * when identify completes on its connection (the registrar tells it then) or when the peer opens a
 * stream to us: when identify fails on both ends (libp2p's 5 s timeout, on a loaded machine) and is
 * never run again, the connection stays open and carries no GossipSub at all.
 *
 * Every `intervalMs`, a peer with an open, unlimited connection that speaks a GossipSub protocol but
 * that GossipSub does not know, or has no stream with in either direction, is a suspect (unless its
 * newest connection is younger than `graceMs`: on a busy node identify takes up to libp2p's 5 s
 * timeout, and a stream negotiation up to its 10 s). Found so twice in a row, it is repaired:
 * - Reopen, when GossipSub still knows the peer but lacks a stream: GossipSub opens its outbound
 *   stream on the peer's newest connection at once (its stream-opening method, called directly;
 *   our patch of GossipSub opens different peers' streams in parallel, upstream's one queue held a
 *   newcomer behind every slow negotiation); the peer answers a new inbound
 *   stream by opening its own if it lacks one. A missing inbound stream is the peer's outbound one:
 *   its own link check reopens it. No connection is dropped, so a peer that is only slow loses
 *   nothing. A gap still open `graceMs` later is reopened again, {@link REOPENS_BEFORE_RECONNECT}
 *   times in all.
 * - Identify again, when GossipSub does not know the peer and identify never completed on any of its
 *   open connections: once it completes, the registrar hands the peer to GossipSub, which opens its
 *   stream (and the peer, seeing it, opens its own). Up to {@link REOPENS_BEFORE_RECONNECT} times,
 *   `graceMs` apart, each allowed `dialTimeoutMs`; then the peer is reconnected.
 *   Measured on a 250-node testnet on 2 cores (25 nodes a worker thread, event loops 5 s behind for
 *   minutes): whole workers of nodes with 10-30 connections each and no GossipSub peer at all.
 * - Reconnect, when GossipSub forgot the peer (after a stream error it closed our end of the peer's
 *   stream, and the peer will not open another: the crash-restart case), or when reopening did not
 *   close the gap: its connections are closed and it is redialled, so both sides set GossipSub up
 *   afresh; at most once per {@link COOLDOWN_INTERVALS} checks per peer. If the redial fails, the
 *   peer (or our retry loop) reconnects on its own.
 * Measured on a 50-process testnet on 2 cores: with reconnects only, 1-15 healthy-but-slow links
 * per node were closed and nodes whose only link was closed went not-ready; with one queued reopen
 * before each reconnect, the reconnects still closed ~560 links in 3 minutes (each one redoes
 * identify, DHT and GossipSub set-up on both sides, on a machine that was already saturated).
 */
export function createPubsubLinkWatch(init: PubsubLinkWatchInit): PubsubLinkWatch {
  const { libp2p, logger } = init
  const strikes = new Map<string, number>()
  /** Peers whose older connection was closed as superseded, and when (see `superseded`). */
  const supersededAt = new Map<string, number>()
  const lastRepair = new Map<string, number>()
  /** Connections on which identify completed (the registrar has told GossipSub of their peer). */
  const identified = new WeakSet<Connection>()
  const onIdentify = (event: CustomEvent<IdentifyResult>): void => {
    identified.add(event.detail.connection)
  }
  const links = init.links ?? gossipSubInternals(libp2p.services.pubsub, logger)
  const { reopened, reopen, identifyAgain } = createLinkReopens({
    libp2p,
    links,
    dialTimeoutMs: init.dialTimeoutMs,
    logger,
  })

  const speaksPubsub = async (peerId: PeerId): Promise<boolean> => {
    try {
      const peer = await libp2p.peerStore.get(peerId)
      const ours = libp2p.services.pubsub.protocols
      return peer.protocols.some((p) => ours.includes(p))
    } catch {
      return false
    }
  }

  /**
   * What GossipSub lacks for each peer: the peer itself, or a stream either way (the inbound one
   * carries the peer's subscriptions and events); empty when the link is whole. The published
   * GossipSub interface only lists known peers; the streams are read through the adapter over its
   * implementation class (a missing member is logged there, and then no stream gap is seen).
   */
  const linkGaps = (): ((id: string) => string[]) => {
    const known = new Set(libp2p.services.pubsub.getPeers().map((p) => p.toString()))
    return (id) => {
      const gaps: string[] = []
      if (!known.has(id)) gaps.push('peer')
      if (links.hasOutboundStream(id) === false) gaps.push('outbound stream')
      if (links.hasInboundStream(id) === false) gaps.push('inbound stream')
      return gaps
    }
  }

  const reconnect = async (peerId: PeerId, gaps: string[], stopped: AbortSignal): Promise<void> => {
    const id = peerId.toString()
    lastRepair.set(id, Date.now())
    init.onRepair()
    logger.warn('gossipsub lost its link to a connected peer; reconnecting', 'peer', id, 'missing', gaps)
    const closing = timeoutSignal(stopped, init.dialTimeoutMs, () => new Error('repair timed out'))
    try {
      await libp2p.hangUp(peerId, { signal: closing.signal })
      await libp2p.dial(peerId, { signal: closing.signal })
      logger.info('gossipsub link repaired', 'peer', id)
    } catch (err) {
      logger.debug(
        'redial after gossipsub repair failed; the peer reconnects on its own',
        'peer',
        id,
        'error',
        err,
      )
    } finally {
      closing.clear()
    }
  }

  const check = async (stopped: AbortSignal): Promise<void> => {
    const now = Date.now()
    const open = new Map<string, { peerId: PeerId; newest: Connection; identified: boolean }>()
    for (const c of libp2p.getConnections() as Connection[]) {
      if (!isOpenUnlimited(c)) continue
      const id = c.remotePeer.toString()
      const seen = open.get(id)
      const done = identified.has(c) || seen?.identified === true
      if (seen === undefined || c.timeline.open > seen.newest.timeline.open)
        open.set(id, { peerId: c.remotePeer, newest: c, identified: done })
      else seen.identified = done
    }
    for (const id of strikes.keys()) if (!open.has(id)) strikes.delete(id)
    for (const id of reopened.keys()) if (!open.has(id)) reopened.delete(id)
    for (const [id, at] of supersededAt)
      if (!open.has(id) || now - at >= init.graceMs) supersededAt.delete(id)
    const cooldownMs = init.intervalMs * COOLDOWN_INTERVALS
    for (const [id, at] of lastRepair) if (now - at >= cooldownMs) lastRepair.delete(id)

    // A link caught mid-change is not repaired: it must be found broken on STRIKES checks in a row.
    const gapsOf = linkGaps()
    for (const [id, { peerId, newest, identified: wasIdentified }] of open) {
      if (stopped.aborted) return
      const gaps = gapsOf(id)
      const settingUp = now - newest.timeline.open < init.graceMs && !supersededAt.has(id)
      if (settingUp || gaps.length === 0) {
        strikes.delete(id)
        reopened.delete(id)
        continue
      }
      // Unknown to GossipSub and never identified: whether it speaks GossipSub is not known yet.
      const unidentified = gaps.includes('peer') && !wasIdentified
      if (!unidentified && !(await speaksPubsub(peerId))) continue
      const count = (strikes.get(id) ?? 0) + 1
      strikes.set(id, count)
      if (count < STRIKES || lastRepair.has(id)) continue
      // A peer GossipSub dropped after a stream error (its end of the peer's stream closed, and the
      // peer, still holding its own end, will not open another) needs a reconnect; a stream gap is
      // reopened, and an unidentified peer identified again, up to REOPENS_BEFORE_RECONNECT times,
      // graceMs apart, and only then reconnected.
      if (unidentified || !gaps.includes('peer')) {
        const last = reopened.get(id)
        if (last !== undefined && (last.pending || now - last.at < init.graceMs)) continue
        const tries = last?.count ?? 0
        const started =
          tries < REOPENS_BEFORE_RECONNECT &&
          (unidentified
            ? identifyAgain(peerId, newest, tries + 1, stopped)
            : reopen(peerId, newest, tries + 1))
        if (started) {
          strikes.delete(id)
          init.onRepair()
          logger.info(
            unidentified
              ? 'gossipsub never heard of a connected peer (identify did not complete); identifying it again'
              : 'gossipsub lost its link to a connected peer; reopening its streams',
            'peer',
            id,
            'missing',
            gaps,
          )
          continue
        }
      }
      strikes.delete(id)
      reopened.delete(id)
      await reconnect(peerId, gaps, stopped)
    }
  }

  // One check at a time; a superseded peer's check follows a running one (periodicTask).
  const task = periodicTask(
    (signal) =>
      check(signal).catch((err: unknown) => logger.debug('gossipsub link check failed', 'error', err)),
    init.intervalMs,
    init.clock,
    logger,
  )

  let started = false
  return {
    start() {
      if (init.intervalMs <= 0) return
      started = true
      libp2p.addEventListener('peer:identify', onIdentify)
      task.start()
    },
    superseded(peerId) {
      if (!started) return
      supersededAt.set(peerId.toString(), Date.now())
      task.runNow()
    },
    stop() {
      started = false
      libp2p.removeEventListener('peer:identify', onIdentify)
      task.stop()
      supersededAt.clear()
      strikes.clear()
      lastRepair.clear()
      reopened.clear()
    },
  }
}
