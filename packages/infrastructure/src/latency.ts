/**
 * Latency-aware peering (`NodeInit.peering`): which peers a node prefers, from the round-trip time
 * it measured to each. The pure part (bands, the plan); `latency-peering.ts` measures and applies.
 */
export interface PeeringOptions {
  /**
   * Measure the round-trip time to every connected peer and prefer near ones: connection tags make
   * the trimmer close far connections first, and GossipSub's application-specific score makes its
   * mesh prefer near peers; in every farther RTT band at least `keepPerFarBand` peers are kept
   * (tagged, scored like near ones, and redialed when lost), so no region is ever cut off.
   * @default true
   */
  latencyAware?: boolean | undefined
  /**
   * Upper bounds (ms, ascending) of the RTT bands: a peer at 40 ms is in band 2 of
   * `[10, 25, 50, 100, 200]` (25-50 ms). The nearest band with a peer in it and the band after it
   * are "near" (so that a site whose RTTs straddle a bound under load is not split); every farther
   * band is a far band. Bands roughly double: one site or metro (< 10 ms), one country (< 25),
   * one continent (< 50), neighbouring continents (< 100), across an ocean (< 200), the antipodes.
   * Two regions whose RTTs fall in one far band share its `keepPerFarBand` links. A QUIC peer's RTT
   * is QUIC's own estimate in whole ms (a peer 0.4 ms away reads 0), so bounds under 1 ms only
   * tell peers apart over TCP.
   * @default [10, 25, 50, 100, 200]
   */
  rttBandsMs?: readonly number[] | undefined
  /** Peers kept in each far band (the lowest-RTT ones): links to every region that way. @default 2 */
  keepPerFarBand?: number | undefined
  /**
   * How often each connected peer's RTT is measured (the first right after it connects): read from
   * a direct QUIC connection's own estimate, which costs nothing on the wire, or one libp2p ping
   * stream over TCP or a relay. A peer's RTT is the lowest of its last 5 samples (queueing only adds).
   * @default 60_000
   */
  pingIntervalMs?: number | undefined
}

/** {@link PeeringOptions} with every default applied. */
export interface ResolvedPeeringOptions {
  latencyAware: boolean
  rttBandsMs: readonly number[]
  keepPerFarBand: number
  pingIntervalMs: number
}

/** Every default of {@link PeeringOptions}, in one place. */
export const PEERING_DEFAULTS: Readonly<ResolvedPeeringOptions> = Object.freeze({
  latencyAware: true,
  rttBandsMs: Object.freeze([10, 25, 50, 100, 200]),
  keepPerFarBand: 2,
  pingIntervalMs: 60_000,
})

/**
 * Most bands accepted (a plan is recomputed often; more bands than this say nothing more).
 * `NodeInit.peering` is checked with the rest of the node's options (config-validate.ts).
 */
export const MAX_RTT_BANDS = 16

/**
 * The band of a round-trip time: the index of the first bound above it, or `bounds.length` past
 * the last one. A negative or non-finite RTT is a measuring error and throws.
 */
export function rttBand(rttMs: number, boundsMs: readonly number[]): number {
  if (typeof rttMs !== 'number' || !Number.isFinite(rttMs) || rttMs < 0) {
    throw new RangeError(`RTT must be a finite number of ms >= 0, got ${String(rttMs)}`)
  }
  for (let band = 0; band < boundsMs.length; band++) {
    if (rttMs < (boundsMs[band] as number)) return band
  }
  return boundsMs.length
}

/** A connected peer and its measured RTT (`undefined` until the first sample). */
export interface PeerRtt {
  peerId: string
  rttMs: number | undefined
}

/** How many bands from the nearest non-empty one on are near (that band and the next). */
export const NEAR_BANDS = 2

/** What a node prefers among its connected peers. */
export interface PeeringPlan {
  /**
   * The nearest band with a measured peer; `undefined` before any RTT is known. It and the next
   * band ({@link NEAR_BANDS}) are near.
   */
  nearBand: number | undefined
  /** Band of every measured peer. */
  bands: Map<string, number>
  /** Peers in the near bands plus the kept far ones: tagged and scored as preferred. */
  preferred: Set<string>
  /** Peers in the near bands. */
  near: Set<string>
  /** The far peers kept by the far-band guarantee (the `keepPerFarBand` lowest RTT of each far band). */
  keptFar: Set<string>
  /** Far bands with at least one connected peer. */
  farBands: number[]
}

/**
 * Which connected peers to prefer: every peer in the nearest non-empty band and the next one, and
 * in each farther band its `keepPerFarBand` lowest-RTT peers (ties by PeerId, so the choice is
 * stable). Peers not measured yet are in no set (neutral until their first sample).
 */
export function planPeering(
  peers: readonly PeerRtt[],
  options: Pick<ResolvedPeeringOptions, 'rttBandsMs' | 'keepPerFarBand'>,
): PeeringPlan {
  const bands = new Map<string, number>()
  const byBand = new Map<number, Array<{ peerId: string; rttMs: number }>>()
  let nearBand: number | undefined
  for (const { peerId, rttMs } of peers) {
    if (rttMs === undefined) continue
    const band = rttBand(rttMs, options.rttBandsMs)
    bands.set(peerId, band)
    let members = byBand.get(band)
    if (members === undefined) {
      members = []
      byBand.set(band, members)
    }
    members.push({ peerId, rttMs })
    if (nearBand === undefined || band < nearBand) nearBand = band
  }
  const preferred = new Set<string>()
  const near = new Set<string>()
  const keptFar = new Set<string>()
  const farBands: number[] = []
  for (const [band, members] of byBand) {
    if (nearBand !== undefined && band < nearBand + NEAR_BANDS) {
      for (const member of members) {
        preferred.add(member.peerId)
        near.add(member.peerId)
      }
      continue
    }
    farBands.push(band)
    members.sort((a, b) => a.rttMs - b.rttMs || (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0))
    for (const member of members.slice(0, options.keepPerFarBand)) {
      preferred.add(member.peerId)
      keptFar.add(member.peerId)
    }
  }
  farBands.sort((a, b) => a - b)
  return { nearBand, bands, preferred, near, keptFar, farBands }
}

/** The median of some numbers (`undefined` for none). */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/**
 * Whether a peer's new RTT (`after`; `before` it, `undefined` before its first sample) can change
 * `plan`, which is made again (twice over every peer) when it can: the first or the confirming
 * sample, a move to another band, or any change of a far peer's RTT (the lowest `keepPerFarBand` of
 * a far band are kept). A near peer's RTT moving within its band changes nothing, and that is most
 * samples: every peer is sampled every ping interval.
 */
export function sampleChangesPlan(
  plan: Pick<PeeringPlan, 'nearBand'>,
  before: number | undefined,
  after: number,
  confirming: boolean,
  boundsMs: readonly number[],
): boolean {
  if (before === undefined || confirming) return true
  if (before === after) return false
  const band = rttBand(after, boundsMs)
  if (band !== rttBand(before, boundsMs)) return true
  return plan.nearBand === undefined || band >= plan.nearBand + NEAR_BANDS
}
