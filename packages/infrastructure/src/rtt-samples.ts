import type { Logger } from '@depin/logger'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import { isRelayed } from './address-order.js'
import { type PeeringPlan, type ResolvedPeeringOptions, sampleChangesPlan } from './latency.js'
import { pingRtt, transportRtt } from './ping.js'

/** Samples kept per peer; its RTT is their minimum (queueing on a busy host only adds). */
const SAMPLES_KEPT = 5
/** Pings in flight at once (a node that just connected to many peers does not ping them all at once). */
const PINGS_IN_FLIGHT = 8
/** The first samples of a new peer come this often, so its RTT (their minimum) settles fast. */
export const FIRST_SAMPLES = 3
const FIRST_SAMPLE_INTERVAL_MS = 1_000

export interface RttSamplesInit {
  libp2p: Libp2p
  options: ResolvedPeeringOptions
  logger: Logger
  /** Aborts pings in flight when latency-aware peering stops. */
  stop: AbortSignal
  /** How often `sampleDue` is called: a ping that collided with another is retried a turn later. */
  tickMs: number
  /** Where samples are counted (latency-aware peering's counts). */
  counts: { transportRttReads: number; pings: number; pingFailures: number }
  /** The current plan: a sample that would move a peer in it calls `onPlanChange`. */
  plan(): PeeringPlan
  onPlanChange(): void
  /** Called after each sample of a connected peer (taken or failed). */
  onSampled(key: string, peerId: PeerId): void
}

/** The RTT samples of the connected peers, taken on a schedule per peer. */
export interface RttSamples {
  /**
   * Follows the connected peers: a new one is sampled soon, a gone one forgotten (`onGone` for
   * each). Returns whether any joined or left.
   */
  follow(connected: ReadonlyMap<string, PeerId>, now: number, onGone: (key: string) => void): boolean
  /** Samples the peers that are due, at most PINGS_IN_FLIGHT at once; before the first is due, nothing. */
  sampleDue(connected: ReadonlyMap<string, PeerId>, now: number): void
  /** The peer's RTT (ms): the lowest of its recent samples; `undefined` before the first. */
  rttOf(key: string): number | undefined
  /** The RTT once FIRST_SAMPLES were taken: a far band is judged (and remembered) on that alone. */
  confirmedRttOf(key: string): number | undefined
  clear(): void
}

/**
 * Measures the RTT to every connected peer on the open connection (never a dial): a direct QUIC
 * connection's own estimate ({@link transportRtt}), else libp2p's ping protocol. The first
 * FIRST_SAMPLES a second apart, then one every `pingIntervalMs` (±10 %).
 */
export function createRttSamples(init: RttSamplesInit): RttSamples {
  const { libp2p, options, logger, counts } = init
  const samples = new Map<string, number[]>()
  /** Next sample time of each connected peer. */
  const due = new Map<string, number>()
  const inFlight = new Set<string>()
  /** The earliest `due` of a peer not being sampled: before it, a call to `sampleDue` samples nobody. */
  let nextDueAt = 0
  const pingTimeoutMs = Math.min(options.pingIntervalMs, 10_000)

  const rttOf = (key: string): number | undefined => {
    const list = samples.get(key)
    return list === undefined || list.length === 0 ? undefined : Math.min(...list)
  }

  const setDue = (key: string, at: number): void => {
    due.set(key, at)
    if (at < nextDueAt) nextDueAt = at
  }

  /** An open connection to ping: direct first (a relayed RTT includes the relay). */
  const connectionTo = (peerId: PeerId): Connection | undefined => {
    let relayed: Connection | undefined
    for (const connection of libp2p.getConnections(peerId)) {
      if (connection.status !== 'open') continue
      if (!isRelayed(connection.remoteAddr)) return connection
      relayed ??= connection
    }
    return relayed
  }

  const record = (key: string, rtt: number): void => {
    // A peer that left while its ping was out is not tracked any more: keep nothing for it.
    if (!due.has(key)) return
    const list = samples.get(key) ?? []
    const before = rttOf(key)
    list.push(rtt)
    if (list.length > SAMPLES_KEPT) list.shift()
    samples.set(key, list)
    const confirming = list.length === FIRST_SAMPLES
    if (sampleChangesPlan(init.plan(), before, rttOf(key) as number, confirming, options.rttBandsMs))
      init.onPlanChange()
  }

  /** One RTT sample of a peer: read from a direct QUIC connection, else a ping. */
  const sample = async (peerId: PeerId, key: string): Promise<void> => {
    const connection = connectionTo(peerId)
    if (connection === undefined) return
    const fromTransport = transportRtt(connection)
    if (fromTransport !== undefined) {
      counts.transportRttReads++
      record(key, fromTransport)
      return
    }
    counts.pings++
    try {
      record(key, await pingRtt(connection, init.stop, pingTimeoutMs))
    } catch (err) {
      if (init.stop.aborted) return
      counts.pingFailures++
      // Another ping on the connection (the DHT's, the connection monitor's) is in flight: soon again.
      if (err instanceof Error && err.name === 'TooManyOutboundProtocolStreamsError' && due.has(key)) {
        setDue(key, Date.now() + init.tickMs)
      }
      logger.debug('RTT ping failed', 'peer', key, 'error', err)
    }
  }

  return {
    follow(connected, now, onGone) {
      let changed = false
      for (const key of connected.keys()) {
        if (due.has(key)) continue
        // Newly connected: the first sample soon, spread so a burst of connections is not pinged at once.
        setDue(key, now + Math.random() * Math.min(options.pingIntervalMs, 1_000))
        changed = true
      }
      for (const key of due.keys()) {
        if (connected.has(key)) continue
        // Gone: its samples go (a far band remembers its band and RTT).
        due.delete(key)
        samples.delete(key)
        onGone(key)
        changed = true
      }
      return changed
    },
    sampleDue(connected, now) {
      if (now < nextDueAt) return
      nextDueAt = Number.POSITIVE_INFINITY
      for (const [key, at] of due) {
        if (now < at || inFlight.has(key)) {
          if (at < nextDueAt) nextDueAt = at
          continue
        }
        if (inFlight.size >= PINGS_IN_FLIGHT) {
          nextDueAt = now
          return
        }
        const peerId = connected.get(key) as PeerId
        inFlight.add(key)
        // The next one an interval later, ±10 % so that a node's pings do not bunch up (the first
        // FIRST_SAMPLES a second apart: one sample taken while either side was busy would misplace it).
        const taken = samples.get(key)?.length ?? 0
        setDue(
          key,
          taken < FIRST_SAMPLES - 1
            ? now + Math.min(FIRST_SAMPLE_INTERVAL_MS, options.pingIntervalMs)
            : now + options.pingIntervalMs * (0.9 + Math.random() * 0.2),
        )
        void sample(peerId, key).finally(() => {
          inFlight.delete(key)
          init.onSampled(key, peerId)
        })
      }
    },
    rttOf,
    confirmedRttOf: (key) => ((samples.get(key)?.length ?? 0) >= FIRST_SAMPLES ? rttOf(key) : undefined),
    clear() {
      due.clear()
    },
  }
}
