import type { Logger } from '@depin/logger'
import type { Connection, IdentifyResult, Libp2p, PeerId } from '@libp2p/interface'

/** Detail of the node's `peer:refused` event. */
export interface PeerRefusedDetail {
  /** The peer that closed the connection before it became usable. */
  peerId: string
  /** `quic`, `tcp` or `relay`. */
  transport: string
  direction: 'inbound' | 'outbound'
  /** How long the connection was open. */
  openMs: number
}

export interface UsablePeersInit {
  libp2p: Libp2p
  /**
   * A connection still open this long counts as usable even if identify never completed on it
   * (a peer that does not run identify). 0: identify only.
   */
  settleMs: number
  /** The set of usable peers changed (gained its first or lost its last usable connection of a peer). */
  onChange(): void
  /**
   * A connection closed before it became usable (in practice: the remote's gater refused us). It
   * is logged here: at warn the first time for a peer, at debug after.
   */
  onRefused(detail: PeerRefusedDetail): void
  /** Classifies a connection for the refusal detail. */
  transportOf(connection: Connection): string
  logger: Logger
}

/** Peers whose refusal is logged at warn once; past this many, every refusal goes to debug. */
const MAX_REFUSALS_LOGGED = 1_024

/**
 * Which connected peers can actually be used. A transport-level connection is not enough: QUIC
 * completes its handshake on the dialing side before the remote's gater has judged us, and a TCP
 * connection is returned before the remote's reset arrives, so a node refused by its only bootstrap
 * node would count it as a peer for a few milliseconds on every retry (seen: 10 ready / not-ready
 * pairs in 20 s). A connection becomes usable when identify completes on it (the remote answered a
 * protocol request over it, so it got past the remote's gater) or when it has stayed open for
 * `settleMs`; one that closes before then is reported as refused.
 */
export interface UsablePeers {
  start(): void
  stop(): void
  /** Peers with at least one usable open connection. */
  readonly size: number
  has(peerId: PeerId): boolean
  /**
   * Resolves true once `connection` is usable, false if it closes first or `signal` aborts.
   */
  whenUsable(connection: Connection, signal: AbortSignal): Promise<boolean>
}

export function createUsablePeers(init: UsablePeersInit): UsablePeers {
  const { libp2p } = init
  /** Usable open connections per peer. */
  const peers = new Map<string, Set<Connection>>()
  const usable = new WeakSet<Connection>()
  const settleTimers = new Map<Connection, ReturnType<typeof setTimeout>>()
  const waiters = new Map<Connection, Set<(usable: boolean) => void>>()
  const refusalsLogged = new Set<string>()
  let running = false

  const refused = (detail: PeerRefusedDetail): void => {
    const first = !refusalsLogged.has(detail.peerId)
    if (first && refusalsLogged.size < MAX_REFUSALS_LOGGED) refusalsLogged.add(detail.peerId)
    const { logger } = init
    ;(first ? logger.warn : logger.debug).call(
      logger,
      "a peer closed our connection right after the handshake: its gater does not admit our wallet (is it in that network's registry?)",
      'peer',
      detail.peerId,
      'transport',
      detail.transport,
      'direction',
      detail.direction,
      'openMs',
      detail.openMs,
    )
    init.onRefused(detail)
  }

  const settle = (connection: Connection, result: boolean): void => {
    const timer = settleTimers.get(connection)
    if (timer !== undefined) {
      clearTimeout(timer)
      settleTimers.delete(connection)
    }
    const waiting = waiters.get(connection)
    if (waiting === undefined) return
    waiters.delete(connection)
    for (const resolve of waiting) resolve(result)
  }

  const markUsable = (connection: Connection): void => {
    if (!running || usable.has(connection) || connection.status !== 'open') return
    usable.add(connection)
    settle(connection, true)
    const key = connection.remotePeer.toString()
    let open = peers.get(key)
    if (open === undefined) {
      open = new Set()
      peers.set(key, open)
    }
    open.add(connection)
    if (open.size === 1) init.onChange()
  }

  const onClose = (connection: Connection): void => {
    if (!running) return
    const wasUsable = usable.has(connection)
    settle(connection, false)
    if (!wasUsable) {
      refused({
        peerId: connection.remotePeer.toString(),
        transport: init.transportOf(connection),
        direction: connection.direction,
        openMs: Date.now() - connection.timeline.open,
      })
      return
    }
    const key = connection.remotePeer.toString()
    const open = peers.get(key)
    if (open === undefined || !open.delete(connection) || open.size > 0) return
    peers.delete(key)
    init.onChange()
  }

  const onConnectionOpen = (event: CustomEvent<Connection>): void => {
    const connection = event.detail
    connection.addEventListener('close', () => onClose(connection), { once: true })
    if (init.settleMs > 0) {
      const timer = setTimeout(() => markUsable(connection), init.settleMs)
      timer.unref?.()
      settleTimers.set(connection, timer)
    }
  }

  const onIdentify = (event: CustomEvent<IdentifyResult>): void => {
    markUsable(event.detail.connection)
  }

  return {
    start() {
      if (running) return
      running = true
      libp2p.addEventListener('connection:open', onConnectionOpen)
      libp2p.addEventListener('peer:identify', onIdentify)
    },
    stop() {
      if (!running) return
      running = false
      libp2p.removeEventListener('connection:open', onConnectionOpen)
      libp2p.removeEventListener('peer:identify', onIdentify)
      for (const timer of settleTimers.values()) clearTimeout(timer)
      settleTimers.clear()
      for (const connection of [...waiters.keys()]) settle(connection, false)
      peers.clear()
    },
    get size() {
      return peers.size
    },
    has(peerId) {
      return peers.has(peerId.toString())
    },
    whenUsable(connection, signal) {
      if (usable.has(connection)) return Promise.resolve(true)
      if (!running || connection.status !== 'open' || signal.aborted) return Promise.resolve(false)
      return new Promise<boolean>((resolve) => {
        let waiting = waiters.get(connection)
        if (waiting === undefined) {
          waiting = new Set()
          waiters.set(connection, waiting)
        }
        const done = (result: boolean): void => {
          signal.removeEventListener('abort', onAbort)
          resolve(result)
        }
        const onAbort = (): void => {
          const waiting = waiters.get(connection)
          waiting?.delete(done)
          if (waiting?.size === 0) waiters.delete(connection)
          resolve(false)
        }
        waiting.add(done)
        signal.addEventListener('abort', onAbort, { once: true })
      })
    },
  }
}
