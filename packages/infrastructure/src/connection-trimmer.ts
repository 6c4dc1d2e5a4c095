import type { Logger } from '@depin/logger'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import { timeoutSignal } from './abort.js'
import { BOOTSTRAP_TAG } from './bootstrap.js'
import { RTT_KEPT_FAR_TAG } from './latency-peering.js'

export interface ConnectionTrimmerInit {
  libp2p: Libp2p
  /** Trim down to this many connections... */
  low: number
  /** ...once this many are open. */
  high: number
  /** Connections younger than this are not trimmed (go-libp2p connmgr's grace period). */
  gracePeriodMs: number
  /**
   * The peers in any of this node's GossipSub meshes (peer ids as strings), read at each trim: they
   * are never closed to make room for connections still in their grace period. None if not given or
   * if it answers undefined.
   */
  meshPeers?: () => ReadonlySet<string> | undefined
  /** Told how many connections each trim closed (the node's `connectionsTrimmed` count). */
  onTrimmed?: (closed: number) => void
  logger: Logger
}

/** Go-libp2p's connection manager watermarks, which js-libp2p lacks (it only caps at a maximum). */
export interface ConnectionTrimmer {
  start(): void
  stop(): void
}

/**
 * When `high` connections are open, closes the least valuable ones until `low` remain: never a
 * protected peer (a bootstrap node, a peer libp2p keeps alive such as a relay we hold a
 * reservation on, or one latency-aware peering keeps for a far RTT band), never a connection
 * younger than the grace period; lowest peer-tag value first
 * (GossipSub tags mesh peers 100 per topic, kad-dht its closest peers 50), then fewest streams,
 * then newest.
 *
 * Young connections are not judged yet, and GossipSub mesh peers are never closed to make room
 * for them: a trim closes connections past their grace period down to `low` of them (go-libp2p's
 * connection manager stops there), and beyond that, to make room for the young ones, only those
 * that are not mesh peers. (Making room with any of them had a node that many peers dialed at
 * once, e.g. for the DHT lookups of a starting network, close every established connection, its
 * mesh among them: in a 100-node testnet, nodes cut off from their topic for seconds while events
 * were published.) A trim that young connections kept above `low` runs again once they are old
 * enough, and goes on down to `low` even though the count is below `high` by then (otherwise a
 * node would stay wherever the first connections to leave their grace period left it).
 */
export function createConnectionTrimmer(init: ConnectionTrimmerInit): ConnectionTrimmer {
  const { libp2p, logger } = init
  let trimming: Promise<void> | undefined
  let running = false
  let again: ReturnType<typeof setTimeout> | undefined
  let trimAgain = false
  // The last trim stopped above `low` because of young connections: the next one finishes it.
  let unfinished = false

  const protectedOrValue = async (peerId: PeerId): Promise<number | 'protected'> => {
    try {
      const peer = await libp2p.peerStore.get(peerId)
      let value = 0
      for (const [name, tag] of peer.tags) {
        if (name === BOOTSTRAP_TAG || name === RTT_KEPT_FAR_TAG || name.startsWith('keep-alive')) {
          return 'protected'
        }
        value += tag.value
      }
      return value
    } catch {
      return 0
    }
  }

  const trim = async (): Promise<void> => {
    const connections = libp2p.getConnections().filter((c) => c.status === 'open')
    if (connections.length <= init.low || (connections.length < init.high && !unfinished)) {
      unfinished = false
      return
    }
    const now = Date.now()
    const isYoung = (connection: Connection): boolean => now - connection.timeline.open < init.gracePeriodMs
    const young = connections.filter(isYoung).length
    const candidates: { connection: Connection; value: number }[] = []
    for (const connection of connections) {
      if (isYoung(connection)) continue
      const value = await protectedOrValue(connection.remotePeer)
      if (value !== 'protected') candidates.push({ connection, value })
    }
    candidates.sort(
      (a, b) =>
        a.value - b.value ||
        a.connection.streams.length - b.connection.streams.length ||
        b.connection.timeline.open - a.connection.timeline.open,
    )
    // Down to `low` of the connections past their grace period (protected ones count among them),
    // least valuable first; further, to make room for the young ones, only peers outside the mesh.
    const excess = connections.length - init.low
    const victims = candidates.slice(0, Math.max(0, connections.length - young - init.low))
    const mesh = young > 0 && victims.length < excess ? init.meshPeers?.() : undefined
    for (const candidate of candidates.slice(victims.length)) {
      if (victims.length >= excess) break
      if (!mesh?.has(candidate.connection.remotePeer.toString())) victims.push(candidate)
    }
    // Above `low` because of connections in their grace period: again once they are old enough.
    unfinished = young > 0 && connections.length - victims.length > init.low
    if (unfinished) retryWhenOlder(connections, now)
    if (victims.length === 0) return
    logger.info(
      'trimming connections',
      'open',
      connections.length,
      'closing',
      victims.length,
      'low',
      init.low,
    )
    await Promise.allSettled(
      victims.map(async ({ connection }) => {
        const closing = timeoutSignal(undefined, 1_000, () => new Error('close timed out'))
        try {
          await connection.close({ signal: closing.signal })
        } catch (err) {
          connection.abort(err instanceof Error ? err : new Error(String(err)))
        } finally {
          closing.clear()
        }
      }),
    )
    init.onTrimmed?.(victims.length)
  }

  /** Trims again when the youngest connection that blocked this trim leaves its grace period. */
  const retryWhenOlder = (connections: Connection[], now: number): void => {
    if (again !== undefined) return
    const young = connections.map((c) => c.timeline.open + init.gracePeriodMs - now).filter((ms) => ms > 0)
    if (young.length === 0) return
    again = setTimeout(
      () => {
        again = undefined
        onOpen()
      },
      Math.min(...young) + 100,
    )
    again.unref?.()
  }

  const onOpen = (): void => {
    if (!running) return
    // A connection opened (or the grace-period retry fired) while a trim is still closing
    // connections: trim again once it is done, or that retry would be lost and the node would stay
    // above `high` until its next connection.
    if (trimming !== undefined) {
      trimAgain = true
      return
    }
    trimming = trim()
      .catch((err: unknown) => logger.warn('connection trimming failed', 'error', err))
      .finally(() => {
        trimming = undefined
        if (trimAgain) {
          trimAgain = false
          onOpen()
        }
      })
  }

  return {
    start() {
      running = true
      libp2p.addEventListener('connection:open', onOpen)
    },
    stop() {
      running = false
      clearTimeout(again)
      again = undefined
      libp2p.removeEventListener('connection:open', onOpen)
    },
  }
}
