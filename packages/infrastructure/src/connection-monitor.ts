import type { Logger } from '@depin/logger'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import { isOpenUnlimited } from './connected-peers.js'
import { isDirectQuic, PING_TIMEOUT_ERROR, pingRtt } from './ping.js'

export interface ConnectionMonitorInit {
  libp2p: Libp2p
  /** Time between pings of one connection; 0 turns the monitor off. */
  intervalMs: number
  /** Time allowed for one ping (stream negotiation, 32 bytes out and back). */
  timeoutMs: number
  /** Consecutive failed pings after which the connection is closed. */
  maxFailures: number
  logger: Logger
  /** Called for every connection the monitor closes (the node counts them). */
  onClose(): void
  /** Called after it closed a peer's connection as superseded by the peer's newer one. */
  onSuperseded?(peerId: PeerId): void
  /**
   * Resolves true once a connection is usable (see usable-peers.ts), false if it closes first: a
   * superseded connection is closed only once its successor is usable, so that closing it never
   * leaves the peer without a usable connection for a while (the node could turn not ready).
   */
  whenUsable?(connection: Connection, signal: AbortSignal): Promise<boolean>
}

export interface ConnectionMonitor {
  start(): void
  stop(): void
}

/**
 * How long the old connection of a peer that connected anew may take to answer one ping (at most
 * the monitor's own ping timeout). The new connection shows the peer is alive now; an old one that
 * stays silent this long belonged to the process before a restart.
 */
export const SUPERSEDED_PING_TIMEOUT_MS = 5_000
/**
 * An older connection opened less than this before the new one is most likely the other half of a
 * simultaneous dial (both ends dialing at once): its ping gets the monitor's whole `timeoutMs`
 * instead (on a loaded machine a healthy connection still setting up can miss 5 s, and closing it
 * costs its streams). A peer that crashed and came back that fast is then reached after that timeout.
 */
export const SIMULTANEOUS_DIAL_MS = 2_000

/** A connection to ping (TCP or relayed: its transport and limits do not change). */
interface Watch {
  connection: Connection
  nextAt: number
  failures: number
  inFlight: boolean
}

/**
 * Closes TCP connections whose peer stopped answering, which nothing else does: yamux's keepalive
 * never closes a connection (a TODO in @chainsafe/libp2p-yamux), and a vanished peer (power loss,
 * cable cut: no FIN, no RST) leaves the socket open for the kernel's retransmission timeout, ~15 min.
 * QUIC connections are left alone: QUIC's own keepalive and idle timeout close them.
 *
 * Replaces libp2p's connection monitor, which on a busy machine closed healthy connections: it pings
 * every connection (QUIC too) at the same instant, aborts a connection on its first failed ping
 * with a 5 s floor on the timeout, and counts a collision with the DHT's own ping (one outbound
 * ping stream per connection) as a failure. Measured on a 50-process testnet on 2 cores
 * (production timings): 1555 connections aborted in 3 minutes, 31 per node, and the mesh never
 * formed. Here each connection is pinged on its own schedule (the first ping at a random point of
 * the first interval, so pings do not bunch), a failed ping is retried after a quarter interval, and
 * only `maxFailures` failures in a row close the connection. A peer that does not speak ping is
 * alive (it negotiated), and a ping that collides with another one in flight proves nothing.
 *
 * A peer that opens a new connection while an older one to it is open (of any transport) may have
 * restarted: a crashed process sends no QUIC CONNECTION_CLOSE, so the old connection would stay
 * open until QUIC's idle timeout (30 s by default) and GossipSub would keep writing to it, while the
 * restarted peer hears nothing. The old connection is pinged once; if it stays silent for
 * {@link SUPERSEDED_PING_TIMEOUT_MS}, it is closed once the new one is usable.
 * Both ends dialing each other at once also leaves two connections, opened within
 * {@link SIMULTANEOUS_DIAL_MS} of each other: the older one gets the whole ping timeout to answer.
 */
export function createConnectionMonitor(init: ConnectionMonitorInit): ConnectionMonitor {
  const { libp2p, logger } = init
  const watches = new Map<string, Watch>()
  const stopped = new AbortController()
  let timer: ReturnType<typeof setInterval> | undefined
  const retryMs = Math.max(1, Math.round(init.intervalMs / 4))

  const ping = async (connection: Connection, watch: Watch): Promise<void> => {
    try {
      // Whole milliseconds, as libp2p's own monitor sets it.
      connection.rtt = Math.round(await pingRtt(connection, stopped.signal, init.timeoutMs))
      watch.failures = 0
      watch.nextAt = Date.now() + init.intervalMs
    } catch (err) {
      if (stopped.signal.aborted) return
      const name = err instanceof Error ? err.name : ''
      if (name === 'UnsupportedProtocolError' || name === 'TooManyOutboundProtocolStreamsError') {
        // It answered multistream-select (alive), or another ping is in flight on it: not a failure.
        watch.nextAt = Date.now() + (name === 'UnsupportedProtocolError' ? init.intervalMs : retryMs)
        return
      }
      watch.failures++
      watch.nextAt = Date.now() + retryMs
      if (connection.status !== 'open') return
      const closing = watch.failures >= init.maxFailures
      logger[closing ? 'warn' : 'debug'](
        closing ? 'closing connection: peer stopped answering pings' : 'connection ping failed; will retry',
        'peer',
        connection.remotePeer.toString(),
        'failures',
        watch.failures,
        'error',
        err,
      )
      if (!closing) return
      init.onClose()
      connection.abort(new Error(`peer did not answer ${watch.failures} pings in a row`))
    } finally {
      watch.inFlight = false
    }
  }

  // Only the connections to ping are tracked, from libp2p's connection events: a node whose
  // connections are all direct QUIC (the usual case) keeps no timer at all.
  const track = (connection: Connection): void => {
    if (!isOpenUnlimited(connection)) return
    if (isDirectQuic(connection.remoteAddr)) return
    if (watches.has(connection.id)) return
    watches.set(connection.id, {
      connection,
      nextAt: Date.now() + Math.random() * init.intervalMs,
      failures: 0,
      inFlight: false,
    })
    if (timer === undefined && !stopped.signal.aborted) {
      // Fine enough to keep each connection near its own schedule, at most once a second.
      timer = setInterval(tick, Math.min(1_000, retryMs))
      timer.unref?.()
    }
  }
  const untrack = (id: string): void => {
    watches.delete(id)
    if (watches.size === 0 && timer !== undefined) {
      clearInterval(timer)
      timer = undefined
    }
  }

  const tick = (): void => {
    const now = Date.now()
    for (const [id, w] of watches) {
      if (w.connection.status !== 'open') {
        untrack(id)
        continue
      }
      if (w.inFlight || now < w.nextAt) continue
      w.inFlight = true
      void ping(w.connection, w)
    }
  }

  const probing = new Set<string>()
  /** Pings the older open connections to the peer of `fresh` once; closes those that stay silent. */
  const probeSuperseded = (fresh: Connection): void => {
    for (const old of libp2p.getConnections(fresh.remotePeer)) {
      const olderMs = fresh.timeline.open - old.timeline.open
      if (old.id === fresh.id || old.status !== 'open' || probing.has(old.id) || olderMs <= 0) continue
      probing.add(old.id)
      const crossed = olderMs < SIMULTANEOUS_DIAL_MS
      pingRtt(
        old,
        stopped.signal,
        crossed ? init.timeoutMs : Math.min(init.timeoutMs, SUPERSEDED_PING_TIMEOUT_MS),
      )
        .catch(async (err: unknown) => {
          // Only silence marks a dead connection: any other failure (a reset, a protocol the peer does
          // not speak, another ping in flight, a connection closing already) came from a live peer or
          // from a connection that is going anyway.
          if (!(err instanceof Error) || err.name !== PING_TIMEOUT_ERROR) return
          if (init.whenUsable !== undefined && !(await init.whenUsable(fresh, stopped.signal))) return
          if (stopped.signal.aborted || old.status !== 'open' || fresh.status !== 'open') return
          logger.info(
            'closing a superseded connection: the peer connected anew and the old connection does not answer',
            'peer',
            old.remotePeer.toString(),
            'openedMsBefore',
            olderMs,
            'error',
            err,
          )
          init.onClose()
          old.abort(new Error('superseded by a new connection of the same peer; no ping answer'))
          init.onSuperseded?.(old.remotePeer)
        })
        .finally(() => probing.delete(old.id))
    }
  }

  const onOpen = (event: CustomEvent<Connection>): void => {
    track(event.detail)
    probeSuperseded(event.detail)
  }
  const onClose = (event: CustomEvent<Connection>): void => untrack(event.detail.id)

  return {
    start() {
      if (init.intervalMs <= 0 || stopped.signal.aborted) return
      libp2p.addEventListener('connection:open', onOpen)
      libp2p.addEventListener('connection:close', onClose)
      for (const connection of libp2p.getConnections()) track(connection)
    },
    stop() {
      stopped.abort()
      libp2p.removeEventListener('connection:open', onOpen)
      libp2p.removeEventListener('connection:close', onClose)
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
      watches.clear()
      probing.clear()
    },
  }
}
