import type { Logger } from '@depin/logger'
import type { Connection } from '@libp2p/interface'
import { isRelayed } from './address-order.js'

/** The longest wait between two hole punches to one peer. */
export const MAX_HOLE_PUNCH_RETRY_MS = 15 * 60_000
/**
 * How long DCUtR's own run on a new relayed connection can take (@libp2p/dcutr 3: a unilateral dial
 * of up to 5 s, then three attempts of up to 5 s): no punch of ours overlaps it.
 */
export const DCUTR_RUN_MS = 20_000

export interface HolePunchRetryInit {
  /** The wait before a peer still reached only through a relay is punched again; doubles per peer. */
  retryMs: number
  /** The node's open connections. */
  connections: () => Connection[]
  /** Runs DCUtR on a relayed connection as its initiator (the dcutr service's `upgradeInbound`). */
  upgrade: (connection: Connection) => Promise<void>
  logger: Logger
  /** The clock (tests). @default Date.now */
  now?: () => number
}

interface PeerRetry {
  due: number
  waitMs: number
  inFlight: boolean
  attempts: number
}

/**
 * Punches again, later, the holes that failed. libp2p's DCUtR runs once when a relayed connection
 * opens (three attempts back to back, as go-libp2p's holepunch service does) and then never again:
 * a punch that failed, because the node did not yet know the address its NAT gives it or because
 * both ends were too busy to meet within the attempt's timeout, left the two nodes relayed for as
 * long as the connection lasted. Here the inbound end of a relayed connection (the one DCUtR makes
 * the initiator) runs DCUtR again after `retryMs`, then after twice as long each time, up to
 * {@link MAX_HOLE_PUNCH_RETRY_MS}, while the peer has no direct connection; `soon()` (the node has
 * a new public address to offer) brings every peer's next punch forward, and punches once the peers
 * this node reached through a relay (their end would not know to punch again). A punch never
 * overlaps a DCUtR run of libp2p's own: none while any relayed connection to the peer, either way,
 * is younger than {@link DCUTR_RUN_MS} (two runs at once between the same two nodes break each
 * other's streams). State is kept only for peers with a relayed-only connection, so it is bounded by
 * the connections held.
 */
export class HolePunchRetry {
  private readonly peers = new Map<string, PeerRetry>()
  /** Peers reached through a relay (outbound) to be offered a new address once. */
  private readonly offerTo = new Set<string>()
  /** Punches run so far. */
  punches = 0

  private readonly now: () => number

  constructor(private readonly init: HolePunchRetryInit) {
    this.now = init.now ?? Date.now
  }

  /**
   * Starts punches that are due; called from the observer's timer. `allDue`: a peer seen for the
   * first time is due at once (see `soon`).
   */
  check(allDue = false): void {
    const now = this.now()
    const relayedOnly = new Map<string, Connection>()
    const direct = new Set<string>()
    // peers with a relayed connection young enough for a DCUtR run of libp2p's own, by either end
    const dcutrRunning = new Set<string>()
    for (const connection of this.init.connections()) {
      const peer = connection.remotePeer.toString()
      if (!isRelayed(connection.remoteAddr)) {
        direct.add(peer)
        continue
      }
      if (now - connection.timeline.open < DCUTR_RUN_MS) dcutrRunning.add(peer)
      if (connection.status !== 'open') continue
      // punched on the connection it is the inbound end of where it has one, as DCUtR does
      if (connection.direction === 'inbound' || (this.offerTo.has(peer) && !relayedOnly.has(peer)))
        relayedOnly.set(peer, connection)
    }
    for (const peer of direct) relayedOnly.delete(peer)
    for (const [peer, state] of this.peers) {
      if (!state.inFlight && !relayedOnly.has(peer)) this.peers.delete(peer)
    }
    for (const peer of this.offerTo) if (!relayedOnly.has(peer)) this.offerTo.delete(peer)
    for (const [peer, connection] of relayedOnly) {
      let state = this.peers.get(peer)
      if (state === undefined) {
        // DCUtR's own run on the new connection comes first
        const due = allDue ? now : now + this.init.retryMs
        state = { due, waitMs: this.init.retryMs, inFlight: false, attempts: 0 }
        this.peers.set(peer, state)
      }
      if (state.inFlight || now < state.due || dcutrRunning.has(peer)) continue
      this.punch(peer, connection, state)
    }
  }

  /**
   * The node has a new address to offer: punch every relayed-only peer now (or once DCUtR's own run
   * is over), those it reached through a relay too (once: their end would not know to punch again).
   */
  soon(): void {
    const now = this.now()
    for (const connection of this.init.connections()) {
      if (isRelayed(connection.remoteAddr) && connection.direction === 'outbound')
        this.offerTo.add(connection.remotePeer.toString())
    }
    for (const state of this.peers.values()) {
      state.due = now
      state.waitMs = this.init.retryMs
    }
    this.check(true)
  }

  clear(): void {
    this.peers.clear()
    this.offerTo.clear()
  }

  private punch(peer: string, connection: Connection, state: PeerRetry): void {
    this.offerTo.delete(peer)
    state.inFlight = true
    state.attempts++
    this.punches++
    this.init.logger.debug('punching a hole again', 'peer', peer, 'attempt', state.attempts)
    Promise.resolve()
      .then(() => this.init.upgrade(connection))
      .catch((err: unknown) => {
        this.init.logger.debug('hole punch failed', 'peer', peer, 'error', err)
      })
      .finally(() => {
        state.inFlight = false
        state.waitMs = Math.min(state.waitMs * 2, MAX_HOLE_PUNCH_RETRY_MS)
        state.due = this.now() + state.waitMs
      })
  }
}
