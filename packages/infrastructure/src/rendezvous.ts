import type { Logger } from '@depin/logger'
import type { CountsOf } from '@depin/metrics-schema'
import type { Libp2p, PeerInfo } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import { repeatingTask } from '@libp2p/utils'
import type { CID } from 'multiformats/cid'
import { timeoutSignal } from './abort.js'
import { rendezvousCid } from './rendezvous-key.js'
import type { RENDEZVOUS_METRICS } from './rendezvous-metrics.js'

/**
 * Time allowed for one advertisement or lookup. An advertisement's walk ends earlier
 * (`PROVIDE_WALK_TIMEOUT_MS` in libp2p-options.ts, two thirds of this), leaving the rest to hand the
 * record over.
 */
export const RENDEZVOUS_QUERY_TIMEOUT_MS = 30_000
const QUERY_TIMEOUT_MS = RENDEZVOUS_QUERY_TIMEOUT_MS
/** New connections opened per lookup at most (the Go implementation's limit per discovery round). */
const MAX_DIALS_PER_LOOKUP = 5

export interface RendezvousInit {
  libp2p: Libp2p
  /** The DHTs to advertise on and search (WAN, and LAN when enabled), like go-libp2p's dual DHT. */
  dhts: KadDHT[]
  namespace: string
  findIntervalMs: number
  /**
   * The longest wait between lookups: each lookup that leads to no new connection doubles the wait
   * from `findIntervalMs` up to this (go-libp2p's backoff discovery does the same); `findNow()` and
   * a lookup that connects someone new bring it back to `findIntervalMs`.
   */
  maxFindIntervalMs: number
  advertiseIntervalMs: number
  dialTimeoutMs: number
  /**
   * Whether the database already has enough peers: a lookup is then skipped (go-libp2p-pubsub's
   * discovery skips a topic whose router `EnoughPeers`). Every DHT lookup is a round of requests
   * to up to every peer, so in a large network unconditional lookups cost more than the traffic.
   * The retry of an advertisement that reached nobody waits too while this holds (see
   * `scheduleAdvertiseRetry`).
   */
  enoughPeers?: () => boolean
  logger: Logger
  counters: CountsOf<typeof RENDEZVOUS_METRICS>
}

/** Advertising and finding one namespace; `start()` begins both loops, `stop()` ends them. */
export interface Rendezvous {
  start(): Promise<void>
  stop(): Promise<void>
  /** Looks for peers now (coalesced with a lookup in flight) and ends the lookups' backoff. */
  findNow(): void
  /** Advertises now (coalesced with an advertisement in flight). */
  advertiseNow(): void
}

export function createRendezvous(init: RendezvousInit): Rendezvous {
  const { libp2p, namespace, logger, counters } = init
  const controller = new AbortController()
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let cid: CID | undefined
  let finding: Promise<void> | undefined
  let advertising: Promise<void> | undefined
  // An advertisement asked for while one was in flight: made at once if that one reaches nobody.
  let advertiseAgain = false
  // The retry of an advertisement that reached nobody; any advertisement made meanwhile replaces it.
  let advertiseRetry: ReturnType<typeof setTimeout> | undefined
  // The wait before that retry: doubles while advertisements keep failing (see advertiseLoop).
  let advertiseRetryMs = init.findIntervalMs
  let findAgain = false
  let started = false
  // The wait before the next lookup (backs off while lookups find nobody new) and its timer.
  let findDelayMs = init.findIntervalMs
  let findTimer: ReturnType<typeof setTimeout> | undefined

  const schedule = (fn: () => void, ms: number): ReturnType<typeof setTimeout> | undefined => {
    if (controller.signal.aborted) return undefined
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn()
    }, ms)
    timers.add(timer)
    return timer
  }
  const unschedule = (timer: ReturnType<typeof setTimeout> | undefined): undefined => {
    if (timer === undefined) return undefined
    clearTimeout(timer)
    timers.delete(timer)
    return undefined
  }

  /** Publishes the provider record on every DHT; true if any peer took it. */
  const advertise = async (key: CID): Promise<boolean> => {
    const attempt = timeoutSignal(controller.signal, QUERY_TIMEOUT_MS, () => new Error('advertise timed out'))
    let reached = 0
    await Promise.all(
      init.dhts.map(async (dht) => {
        try {
          for await (const event of dht.provide(key, { signal: attempt.signal })) {
            if (event.name === 'PEER_RESPONSE' && event.messageName === 'ADD_PROVIDER') reached++
          }
        } catch (err) {
          if (!controller.signal.aborted) {
            logger.debug('rendezvous advertisement failed', 'rendezvous', namespace, 'error', err)
          }
        }
      }),
    )
    attempt.clear()
    if (reached > 0) {
      counters.rendezvousAdvertisements++
      logger.debug('advertised on rendezvous', 'rendezvous', namespace, 'peers', reached)
      return true
    }
    return false
  }

  const find = async (key: CID): Promise<void> => {
    const attempt = timeoutSignal(controller.signal, QUERY_TIMEOUT_MS, () => new Error('lookup timed out'))
    const found = new Map<string, PeerInfo>()
    counters.rendezvousFinds++
    await Promise.all(
      init.dhts.map(async (dht) => {
        try {
          for await (const event of dht.findProviders(key, { signal: attempt.signal })) {
            if (event.name !== 'PROVIDER') continue
            for (const provider of event.providers) {
              if (provider.id.equals(libp2p.peerId)) continue
              const known = found.get(provider.id.toString())
              found.set(provider.id.toString(), {
                id: provider.id,
                multiaddrs: [...(known?.multiaddrs ?? []), ...provider.multiaddrs],
              })
            }
          }
        } catch (err) {
          if (!controller.signal.aborted)
            logger.debug('rendezvous lookup failed', 'rendezvous', namespace, 'error', err)
        }
      }),
    )
    attempt.clear()
    counters.dhtPeersFound += found.size
    const toDial = [...found.values()].filter((peer) => libp2p.getConnections(peer.id).length === 0)
    // Nobody new: every lookup of a small or settled network would repeat this one, so wait
    // longer before the next (a new peer, a peer leaving or readiness changes reset the wait).
    findDelayMs =
      toDial.length === 0 ? Math.min(findDelayMs * 2, init.maxFindIntervalMs) : init.findIntervalMs
    if (toDial.length === 0) return
    logger.debug(
      'rendezvous found peers',
      'rendezvous',
      namespace,
      'found',
      found.size,
      'dialing',
      toDial.length,
    )
    await Promise.all(toDial.slice(0, MAX_DIALS_PER_LOOKUP).map((peer) => dial(peer)))
  }

  const dial = async (peer: PeerInfo): Promise<void> => {
    if (controller.signal.aborted) return
    const attempt = timeoutSignal(controller.signal, init.dialTimeoutMs, () => new Error('dial timed out'))
    try {
      if (peer.multiaddrs.length > 0) await libp2p.peerStore.merge(peer.id, { multiaddrs: peer.multiaddrs })
      await libp2p.dial(peer.id, { signal: attempt.signal })
      counters.rendezvousDials++
      logger.info(
        'connected to peer found through rendezvous',
        'peer',
        peer.id.toString(),
        'rendezvous',
        namespace,
      )
    } catch (err) {
      // The gater may refuse the peer (another database's node): that is expected, not a warning.
      if (!controller.signal.aborted) {
        logger.debug('could not dial rendezvous peer', 'peer', peer.id.toString(), 'error', err)
      }
    } finally {
      attempt.clear()
    }
  }

  const advertiseLoop = (): void => {
    if (cid === undefined || controller.signal.aborted) return
    if (advertising !== undefined) {
      advertiseAgain = true
      return
    }
    // This advertisement replaces a pending retry (which would walk to the same peers again).
    advertiseRetry = unschedule(advertiseRetry)
    advertising = advertise(cid)
      .catch(() => false)
      .then((reached) => {
        advertising = undefined
        const again = advertiseAgain
        advertiseAgain = false
        if (reached) {
          advertiseRetryMs = init.findIntervalMs
          return
        }
        // Reached nobody: at once if the node asked meanwhile (it became ready), else soon, not
        // at the next renewal. Soon grows while walks keep failing, up to maxFindIntervalMs
        // (go-libp2p's discovery retries a failed advertisement after 2 minutes): a walk that times
        // out is a saturated network, and at 250 nodes on 2 cores a retry every 10 s kept ~40% of
        // nodes walking, and dialing, for as long as the network ran.
        if (again) advertiseLoop()
        else scheduleAdvertiseRetry()
      })
  }

  // A node that holds enough of its database's peers is reached through them, and its retry would
  // walk the DHT again to the peers nearest the key, the ones every node's walk ends at: the retry
  // waits, checked again at the (growing) retry interval, until the node is short of peers; the
  // renewal still runs. At 500 nodes on 2 cores, retries of advertisements that timed out made
  // two thirds of the dials while the network sat idle, each walk ~35 dials
  // (bench/README.md, "Where the idle network's connections come from").
  const scheduleAdvertiseRetry = (): void => {
    advertiseRetry = schedule(() => {
      advertiseRetry = undefined
      if (init.enoughPeers?.() === true) {
        counters.rendezvousAdvertiseRetriesSkipped++
        scheduleAdvertiseRetry()
      } else advertiseLoop()
    }, advertiseRetryMs)
    advertiseRetryMs = Math.min(advertiseRetryMs * 2, init.maxFindIntervalMs)
  }

  const findLoop = (): void => {
    if (cid === undefined || controller.signal.aborted) return
    if (init.enoughPeers?.() === true) {
      counters.rendezvousSkips++
      return
    }
    if (finding !== undefined) {
      findAgain = true
      return
    }
    finding = find(cid).finally(() => {
      finding = undefined
      if (findAgain) {
        findAgain = false
        findLoop()
      }
    })
  }

  // The record's renewal; the lookups keep their own timer (their interval backs off and `findNow` resets it).
  const renewal = repeatingTask(advertiseLoop, init.advertiseIntervalMs)

  const scheduleFind = (): void => {
    unschedule(findTimer)
    findTimer = schedule(() => {
      findTimer = undefined
      findLoop()
      scheduleFind()
    }, findDelayMs)
  }

  /** Looks now and from now on at the base interval again. */
  const findNow = (): void => {
    findDelayMs = init.findIntervalMs
    findLoop()
    if (started) scheduleFind()
  }

  return {
    async start() {
      if (started) return
      started = true
      cid = await rendezvousCid(namespace)
      logger.info('starting rendezvous discovery', 'rendezvous', namespace, 'key', cid.toString())
      advertiseLoop()
      // stop() may have run while the key was being computed.
      if (!controller.signal.aborted) renewal.start()
      findNow()
    },
    async stop() {
      if (controller.signal.aborted) return
      controller.abort()
      renewal.stop()
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      await Promise.allSettled([finding, advertising])
      if (cid !== undefined) {
        const key = cid
        // Stop re-providing the record (the DHT renews its provider records on its own).
        // The datastore may already be closed when the whole node is stopping: ignore failures.
        await Promise.allSettled(init.dhts.map((dht) => dht.cancelReprovide(key)))
      }
    },
    findNow,
    advertiseNow: advertiseLoop,
  }
}
