import type { Logger } from '@depin/logger'
import { createCounts, snapshotOf } from '@depin/metrics-schema'
import type { Libp2p, PeerId } from '@libp2p/interface'
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
} from './latency.js'
import { createNearPeerSeeker } from './near-peers.js'
import { PEERING_METRICS, type PeeringMetrics } from './peering-metrics.js'
import { createRttSamples } from './rtt-samples.js'

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
 * Measures the RTT to every connected peer on the open connection, never a dial
 * ({@link createRttSamples}). Keeps a
 * {@link PeeringPlan} of them: preferred peers (the near bands, and `keepPerFarBand` per far band)
 * carry connection tags (the trimmer closes untagged, far peers first) and a GossipSub
 * application-specific score. A far band left with fewer than
 * `keepPerFarBand` links for a while is redialed from remembered peers of that band.
 */
export function createLatencyPeering(init: LatencyPeeringInit): LatencyPeering {
  const { libp2p, options, logger } = init
  /** Tags currently applied, per peer: 0 none (far), 1 near, 2 kept far, 3 not measured yet. */
  const applied = new Map<string, number>()
  const stopped = new AbortController()
  const counts = createCounts(PEERING_METRICS)
  let plan: PeeringPlan = planPeering([], options)
  let dirty = false
  /** The connected peers the tick last saw (the watch's map: a new one means a change). */
  let seen: ReadonlyMap<string, PeerId> | undefined
  const tickMs = Math.max(50, Math.min(1_000, Math.round(options.pingIntervalMs / 4)))
  const rtts = createRttSamples({
    libp2p,
    options,
    logger,
    stop: stopped.signal,
    tickMs,
    counts,
    plan: () => plan,
    onPlanChange: () => {
      dirty = true
    },
    onSampled: (key, peerId) => farBands.remember(key, peerId, Date.now()),
  })
  const { rttOf, confirmedRttOf } = rtts
  const farBands = createFarBandKeeper({
    libp2p,
    options,
    logger,
    stop: stopped.signal,
    rttOf: confirmedRttOf,
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
    rttOf,
  })

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
      if (rtts.follow(connected, now, (key) => applied.delete(key))) dirty = true
    }
    rtts.sampleDue(connected, now)
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
      rtts.clear()
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
