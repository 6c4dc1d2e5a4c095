import type { Logger } from '@depin/logger'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { timeoutSignal } from './abort.js'
import { NEAR_BANDS, type PeeringPlan, type ResolvedPeeringOptions, rttBand } from './latency.js'

/** Peers remembered after they disconnect (their band and RTT), to redial a far band that lost its links. */
const REMEMBERED_PEERS = 256
/** How long a disconnected peer stays a candidate for the far-band guarantee. */
const REMEMBER_MS = 10 * 60_000
/** The least time between two redials of one remembered peer, or in one far band. */
const REDIAL_BACKOFF_MS = 30_000
/** A far band is redialed once it has been short of links this long (at least; see redialAfterMs). */
const REDIAL_AFTER_MIN_MS = 10_000
/** Time allowed for one far-band redial. */
const REDIAL_TIMEOUT_MS = 10_000

interface Remembered {
  peerId: PeerId
  band: number
  rttMs: number
  seenAt: number
  dialedAt: number
}

export interface FarBandKeeperInit {
  libp2p: Libp2p
  options: ResolvedPeeringOptions
  logger: Logger
  /** Aborts redials in flight when latency-aware peering stops. */
  stop: AbortSignal
  /** A connected peer's RTT (ms) once enough samples confirm it; `undefined` before. */
  rttOf(peerId: string): number | undefined
  /** Where redials are counted (latency-aware peering's counts). */
  counts: { farRedials: number }
}

/** The far-band guarantee of latency-aware peering. */
export interface FarBandKeeper {
  /** Notes a peer's band and RTT after a sample, so that it can be redialed once it is gone. */
  remember(key: string, peerId: PeerId, now: number): void
  /** Dials remembered peers of every far band of `plan` short of `keepPerFarBand` links for a while. */
  keep(connected: ReadonlyMap<string, PeerId>, plan: PeeringPlan, now: number): void
  /**
   * Whether `keep` has anything to look at with the same connected peers and plan: a peer
   * remembered or a redial ended since it last ran, or a far band short of links (its wait runs).
   */
  waiting(): boolean
}

/**
 * Remembers peers (band and RTT, bounded, for {@link REMEMBER_MS}) and redials a far band that has
 * had fewer than `keepPerFarBand` links for a while, nearest peers first, with a backoff per peer
 * and per band, so that a region never loses its last links to the others for long.
 */
export function createFarBandKeeper(init: FarBandKeeperInit): FarBandKeeper {
  const { libp2p, options, logger, rttOf, counts } = init
  const remembered = new Map<string, Remembered>()
  /** Far-band redials in flight: peer -> band. */
  const redialing = new Map<string, number>()
  /** Since when each far band has had fewer than `keepPerFarBand` links, and its last redial. */
  const shortSince = new Map<number, number>()
  const bandRedialAt = new Map<number, number>()
  const redialAfterMs = Math.max(REDIAL_AFTER_MIN_MS, 2 * options.pingIntervalMs)
  /** Set by what `keep` reads besides the connected peers and the plan; cleared when it runs. */
  let news = false

  const remember = (key: string, peerId: PeerId, now: number): void => {
    const rttMs = rttOf(key)
    if (rttMs === undefined) return
    const entry = remembered.get(key)
    const band = rttBand(rttMs, options.rttBandsMs)
    // A new peer or a new band can change what keep decides; a fresher time alone cannot.
    if (entry?.band !== band) news = true
    remembered.delete(key)
    remembered.set(key, {
      peerId,
      band,
      rttMs,
      seenAt: now,
      dialedAt: entry?.dialedAt ?? 0,
    })
    for (const oldest of remembered.keys()) {
      if (remembered.size <= REMEMBERED_PEERS) break
      remembered.delete(oldest)
    }
  }

  /** Dials remembered peers of every far band that has fewer than `keepPerFarBand` connected. */
  const keep = (connected: ReadonlyMap<string, PeerId>, plan: PeeringPlan, now: number): void => {
    news = false
    if (plan.nearBand === undefined) return
    // Connected peers per band (one not re-measured yet counts in its remembered band), and the
    // redials still in flight: a band is redialed only while these fall short of keepPerFarBand.
    const connectedPerBand = new Map<number, number>()
    for (const key of connected.keys()) {
      const band = plan.bands.get(key) ?? remembered.get(key)?.band
      if (band !== undefined) connectedPerBand.set(band, (connectedPerBand.get(band) ?? 0) + 1)
    }
    for (const band of redialing.values()) connectedPerBand.set(band, (connectedPerBand.get(band) ?? 0) + 1)
    const candidates = new Map<number, Remembered[]>()
    for (const [key, entry] of remembered) {
      if (now - entry.seenAt > REMEMBER_MS) {
        remembered.delete(key)
        continue
      }
      if (entry.band < plan.nearBand + NEAR_BANDS || connected.has(key)) continue
      const list = candidates.get(entry.band) ?? []
      list.push(entry)
      candidates.set(entry.band, list)
    }
    for (const band of shortSince.keys()) if (!candidates.has(band)) shortSince.delete(band)
    for (const [band, list] of candidates) {
      const missing = options.keepPerFarBand - (connectedPerBand.get(band) ?? 0)
      if (missing <= 0) {
        shortSince.delete(band)
        continue
      }
      // Only a band short of links for a while (not one a peer's noisy RTT sample just moved it
      // to, nor one whose peer is reconnecting), and at most once per backoff per band.
      const since = shortSince.get(band) ?? now
      shortSince.set(band, since)
      if (now - since < redialAfterMs || now - (bandRedialAt.get(band) ?? 0) < REDIAL_BACKOFF_MS) continue
      const dialable = list
        .filter((e) => now - e.dialedAt >= REDIAL_BACKOFF_MS)
        .sort((a, b) => a.rttMs - b.rttMs)
      if (dialable.length > 0) bandRedialAt.set(band, now)
      for (const entry of dialable.slice(0, missing)) {
        entry.dialedAt = now
        counts.farRedials++
        logger.info(
          'redialing a peer to keep a far RTT band linked',
          'peer',
          entry.peerId.toString(),
          'band',
          band,
        )
        const key = entry.peerId.toString()
        redialing.set(key, band)
        const dial = timeoutSignal(init.stop, REDIAL_TIMEOUT_MS, () => new Error('redial timed out'))
        libp2p
          .dial(entry.peerId, { signal: dial.signal })
          .catch((err: unknown) => {
            if (init.stop.aborted) return
            remembered.delete(key)
            logger.debug('far-band redial failed', 'peer', key, 'error', err)
          })
          .finally(() => {
            dial.clear()
            redialing.delete(key)
            news = true
          })
      }
    }
  }

  return { remember, keep, waiting: () => news || shortSince.size > 0 }
}
