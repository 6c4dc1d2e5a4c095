import type { Logger } from '@depin/logger'
import { createCounts, snapshotOf } from '@depin/metrics-schema'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import { isRelayed } from './address-order.js'
import type { ConnectedPeersWatch } from './connected-peers.js'
import { createFarBandKeeper } from './far-bands.js'
import { type HeartbeatClock, periodicTask } from './heartbeat-clock.js'
import {
  median,
  NEAR_BANDS,
  type PeeringPlan,
  planPeering,
  type ResolvedPeeringOptions,
  rttBand,
  sampleChangesPlan,
} from './latency.js'
import { createNearPeerSeeker } from './near-peers.js'
import { PEERING_METRICS, type PeeringMetrics } from './peering-metrics.js'
import { pingRtt, transportRtt } from './ping.js'

export { PEERING_METRICS, PEERING_OFF_METRICS, type PeeringMetrics } from './peering-metrics.js'

/**
 * Peer tags (value 100 each; the trimmer sums a peer's tags): a near peer carries the first two
 * (200, above a far GossipSub mesh peer's 100, so far peers are trimmed first whether in the mesh or
 * not); a peer kept by the far-band guarantee carries the first and the third, which the connection
 * trimmer never closes (at most `keepPerFarBand` per far band); a peer not measured yet carries the
 * first alone (100), far peers none.
 */
export const RTT_PREFERRED_TAG = 'depin-rtt-preferred'
export const RTT_NEAR_TAG = 'depin-rtt-near'
export const RTT_KEPT_FAR_TAG = 'depin-rtt-kept-far'
/**
 * GossipSub application-specific score (P5, before its weight: 10 by default) of a preferred peer
 * while the node has far peers (on a one-site network no peer gets it). Over Dhi, GossipSub keeps
 * its Dscore best-scored mesh peers; when the mesh's median score is below
 * `opportunisticGraftThreshold` (5 here) it grafts better-scored peers: both favour preferred peers.
 * Other peers score 0, never below: a far peer stays an acceptable mesh peer (a negative score
 * would prune it and refuse its GRAFTs, and two nodes that do not prefer each other would leave
 * their regions without mesh links).
 */
export const PREFERRED_APP_SCORE = 1

/** Samples kept per peer; its RTT is their minimum (queueing on a busy host only adds). */
const SAMPLES_KEPT = 5
/** Pings in flight at once (a node that just connected to many peers does not ping them all at once). */
const PINGS_IN_FLIGHT = 8
/** The first samples of a new peer come this often, so its RTT (their minimum) settles fast. */
const FIRST_SAMPLES = 3
const FIRST_SAMPLE_INTERVAL_MS = 1_000

export interface LatencyPeeringInit {
  libp2p: Libp2p
  options: ResolvedPeeringOptions
  /** `connectionLimits`: how many near peers a node looks for stays below `low`, its dials under `high`. */
  connectionLimits: { low: number; high: number }
  logger: Logger
  /** The node's connected peers (rebuilt only when a connection opens or closes). */
  connected: ConnectedPeersWatch
  /** GossipSub's heartbeat: the tick runs in its wake-ups when it beats as often (see heartbeat-clock.ts). */
  clock?: HeartbeatClock | undefined
}

/** The running part of latency-aware peering. */
export interface LatencyPeering {
  /** Serves the near-peer protocol (before the node starts, so identify lists it). */
  serve(): Promise<void>
  start(): void
  /** Stops pinging, redialing and serving; clears every timer. Idempotent. */
  stop(): void
  /** GossipSub application-specific score of a peer: {@link PREFERRED_APP_SCORE} when preferred, else 0. */
  appSpecificScore(peerId: string): number
  /** The peer's RTT (ms): the lowest of its recent samples; `undefined` before the first. */
  rttOf(peerId: string): number | undefined
  metrics(): PeeringMetrics
}

/**
 * Measures the RTT to every connected peer on the open connection (never a dial): a direct QUIC
 * connection's own estimate ({@link transportRtt}), else libp2p's ping protocol. Keeps a
 * {@link PeeringPlan} of them: preferred peers (the near bands, and `keepPerFarBand` per far band)
 * carry connection tags (the trimmer closes untagged, far peers first) and a GossipSub
 * application-specific score. A far band left with fewer than
 * `keepPerFarBand` links for a while is redialed from remembered peers of that band.
 */
export function createLatencyPeering(init: LatencyPeeringInit): LatencyPeering {
  const { libp2p, options, logger } = init
  const samples = new Map<string, number[]>()
  /** Next ping time of each connected peer. */
  const due = new Map<string, number>()
  const inFlight = new Set<string>()
  /** Tags currently applied, per peer: 0 none (far), 1 near, 2 kept far, 3 not measured yet. */
  const applied = new Map<string, number>()
  const stopped = new AbortController()
  const counts = createCounts(PEERING_METRICS)
  let plan: PeeringPlan = planPeering([], options)
  const farBands = createFarBandKeeper({
    libp2p,
    options,
    logger,
    stop: stopped.signal,
    rttOf: (key) => confirmedRttOf(key),
    counts,
  })
  const nearPeers = createNearPeerSeeker({
    libp2p,
    logger,
    low: init.connectionLimits.low,
    high: init.connectionLimits.high,
    rttBandsMs: options.rttBandsMs,
    intervalMs: Math.min(Math.max(options.pingIntervalMs, 5_000), 60_000),
    counts,
    stop: stopped.signal,
    plan: () => plan,
    rttOf: (key) => rttOf(key),
  })
  let dirty = false
  /** The connected peers the tick last saw (the watch's map: a new one means a change). */
  let seen: ReadonlyMap<string, PeerId> | undefined
  /** The earliest `due` of a peer not being sampled: before it, and with no change, a tick pings nobody. */
  let nextDueAt = 0
  const tickMs = Math.max(50, Math.min(1_000, Math.round(options.pingIntervalMs / 4)))
  const pingTimeoutMs = Math.min(options.pingIntervalMs, 10_000)

  const rttOf = (peerId: string): number | undefined => {
    const list = samples.get(peerId)
    return list === undefined || list.length === 0 ? undefined : Math.min(...list)
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
    if (sampleChangesPlan(plan, before, rttOf(key) as number, confirming, options.rttBandsMs)) dirty = true
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
      record(key, await pingRtt(connection, stopped.signal, pingTimeoutMs))
    } catch (err) {
      if (stopped.signal.aborted) return
      counts.pingFailures++
      // Another ping on the connection (the DHT's, the connection monitor's) is in flight: soon again.
      if (err instanceof Error && err.name === 'TooManyOutboundProtocolStreamsError' && due.has(key)) {
        setDue(key, Date.now() + tickMs)
      }
      logger.debug('RTT ping failed', 'peer', key, 'error', err)
    }
  }

  const setDue = (key: string, at: number): void => {
    due.set(key, at)
    if (at < nextDueAt) nextDueAt = at
  }

  /** The RTT once FIRST_SAMPLES were taken: a far band is judged (and remembered) on that alone. */
  const confirmedRttOf = (peerId: string): number | undefined =>
    (samples.get(peerId)?.length ?? 0) >= FIRST_SAMPLES ? rttOf(peerId) : undefined

  const applyPlan = (connected: ReadonlyMap<string, PeerId>): void => {
    const keys = [...connected.keys()]
    const confirmed = planPeering(
      keys.map((peerId) => ({ peerId, rttMs: confirmedRttOf(peerId) })),
      options,
    )
    // A sample can only overstate the RTT (queueing on a busy host adds to it): one sample in the
    // near bands makes a peer near, but one that looks far waits for FIRST_SAMPLES (a near peer
    // measured while either side was busy would otherwise be trimmed as far, or kept for a far band).
    const nearBelow =
      confirmed.nearBand === undefined ? Number.POSITIVE_INFINITY : confirmed.nearBand + NEAR_BANDS
    plan = planPeering(
      keys.map((peerId) => {
        const rttMs = rttOf(peerId)
        const trusted =
          rttMs === undefined ||
          confirmedRttOf(peerId) !== undefined ||
          rttBand(rttMs, options.rttBandsMs) < nearBelow
        return { peerId, rttMs: trusted ? rttMs : undefined }
      }),
      options,
    )
    for (const [key, peerId] of connected) {
      // Not measured yet: the preferred tag alone (100), so that the trimmer does not close a peer
      // it knows nothing about before the far ones it knows.
      const want = !plan.bands.has(key) ? 3 : plan.keptFar.has(key) ? 2 : plan.preferred.has(key) ? 1 : 0
      if ((applied.get(key) ?? 0) === want) continue
      applied.set(key, want)
      libp2p.peerStore
        .merge(peerId, {
          tags: {
            [RTT_PREFERRED_TAG]: want >= 1 ? { value: 100 } : undefined,
            [RTT_NEAR_TAG]: want === 1 ? { value: 100 } : undefined,
            [RTT_KEPT_FAR_TAG]: want === 2 ? { value: 100 } : undefined,
          },
        })
        .catch((err: unknown) => logger.debug('could not tag peer', 'peer', key, 'error', err))
    }
  }

  /** Follows the connected peers: a new one is sampled soon, a gone one forgotten. */
  const follow = (connected: ReadonlyMap<string, PeerId>, now: number): void => {
    for (const key of connected.keys()) {
      if (due.has(key)) continue
      // Newly connected: the first sample soon, spread so a burst of connections is not pinged at once.
      setDue(key, now + Math.random() * Math.min(options.pingIntervalMs, 1_000))
      dirty = true
    }
    for (const key of due.keys()) {
      if (connected.has(key)) continue
      // Gone: its band and RTT stay in `remembered` (bounded), its samples go.
      due.delete(key)
      applied.delete(key)
      samples.delete(key)
      dirty = true
    }
  }

  /** Samples the peers that are due, at most PINGS_IN_FLIGHT at once; notes when the next one is. */
  const sampleDue = (connected: ReadonlyMap<string, PeerId>, now: number): void => {
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
        farBands.remember(key, peerId, Date.now())
      })
    }
  }

  /**
   * Once a second: most seconds of an idle node nothing changed and nobody is due, and the tick
   * does no more than look (the connected peers are rebuilt only after a connection event, the
   * far bands looked at only after a change or while one is short).
   */
  const tick = (): void => {
    if (stopped.signal.aborted) return
    const now = Date.now()
    const connected = init.connected.peers()
    const changed = connected !== seen
    if (changed) {
      seen = connected
      follow(connected, now)
    }
    if (now >= nextDueAt) sampleDue(connected, now)
    const planChanged = dirty
    if (dirty) {
      dirty = false
      applyPlan(connected)
    }
    if (changed || planChanged || farBands.waiting()) farBands.keep(connected, plan, now)
    nearPeers.seek(connected, plan, now)
  }
  const ticker = periodicTask(tick, tickMs, init.clock, logger)

  return {
    serve: () => nearPeers.start(),
    start() {
      if (!stopped.signal.aborted) ticker.start()
    },
    stop() {
      stopped.abort()
      ticker.stop()
      due.clear()
      void nearPeers.stop()
    },
    appSpecificScore(peerId) {
      // Only while some peer is far: on a one-site network every peer would score the same, which
      // changes nothing but silences opportunistic grafting (its median would never be below 5).
      return plan.farBands.length > 0 && plan.preferred.has(peerId) ? PREFERRED_APP_SCORE : 0
    },
    rttOf,
    metrics() {
      const rtts: number[] = []
      for (const key of plan.bands.keys()) {
        const rtt = rttOf(key)
        if (rtt !== undefined) rtts.push(rtt)
      }
      const rttMedian = median(rtts)
      return snapshotOf(PEERING_METRICS, counts, {
        latencyAware: true,
        measuredPeers: plan.bands.size,
        rttMedianMs: rttMedian === undefined ? null : Math.round(rttMedian * 10) / 10,
        nearBand: plan.nearBand ?? null,
        nearPeers: plan.near.size,
        farPeersKept: plan.keptFar.size,
        farBandsConnected: plan.farBands.length,
      })
    },
  }
}
