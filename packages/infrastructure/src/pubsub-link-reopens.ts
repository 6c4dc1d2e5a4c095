import type { Logger } from '@depin/logger'
import type { Identify } from '@libp2p/identify'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import { timeoutSignal } from './abort.js'
import type { GossipSubInternals } from './gossipsub-internals.js'

/** A peer's repairs short of a reconnect: how many, when the last one settled, whether it still runs. */
export interface Reopened {
  count: number
  at: number
  pending: boolean
}

export interface LinkReopensInit {
  libp2p: Libp2p<{ identify: Identify }>
  links: GossipSubInternals
  /** Time allowed for an identify. */
  dialTimeoutMs: number
  logger: Logger
}

/**
 * The GossipSub link check's repairs short of a reconnect (see createPubsubLinkWatch), each recorded
 * in `reopened`: the next one (or the reconnect) waits until it has settled, then `graceMs` more (a
 * stream negotiation or an identify may take many seconds on a loaded machine).
 */
export function createLinkReopens(init: LinkReopensInit) {
  const { libp2p, links, logger } = init
  const reopened = new Map<string, Reopened>()

  /** Records the `count`th repair short of a reconnect, pending until `running` settles. */
  const track = (id: string, count: number, what: string, running: Promise<unknown>): void => {
    const entry = { count, at: Date.now(), pending: true }
    reopened.set(id, entry)
    running
      .catch((err: unknown) => logger.debug(`gossipsub ${what} failed`, 'peer', id, 'error', err))
      .finally(() => {
        entry.pending = false
        entry.at = Date.now()
      })
  }

  return {
    /** Peers repaired short of a reconnect (a stream reopened, identify run again). */
    reopened,
    /**
     * Has GossipSub open its outbound stream to the peer now: its stream-opening method, which
     * returns at once when the stream exists, or else its topology handler (which queues the same
     * call behind other peers'). Both are methods of its implementation class; false when neither
     * is present.
     */
    reopen(peerId: PeerId, connection: Connection, count: number): boolean {
      const id = peerId.toString()
      const opening = links.openOutboundStream(peerId, connection)
      if (opening !== undefined) {
        track(id, count, 'stream reopen', opening)
        return true
      }
      if (!links.queueOutboundStream(peerId, connection)) return false
      track(id, count, 'queued stream reopen', Promise.resolve())
      return true
    },
    /** Runs identify on the connection again; once it completes, the registrar hands the peer to GossipSub. */
    identifyAgain(peerId: PeerId, connection: Connection, count: number, stopped: AbortSignal): boolean {
      const limit = timeoutSignal(stopped, init.dialTimeoutMs, () => new Error('identify timed out'))
      const running = libp2p.services.identify
        .identify(connection, { signal: limit.signal })
        .finally(() => limit.clear())
      track(peerId.toString(), count, 'identify', running)
      return true
    },
  }
}
