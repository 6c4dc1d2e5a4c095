import type { Logger } from '@depin/logger'
import { generateWallet } from '@depin/test-utils'
import type { PeerId } from '@libp2p/interface'
import { describe, expect, test } from 'vitest'
import {
  ACCOUNTABILITY_DEFAULTS,
  createPeerAccountability,
  type InvalidEventReport,
  type PeerAccountabilityInit,
  type PeerSuspendedDetail,
} from '../src/index.js'

const GRAYLIST = -16_000
const peer = (): PeerId => generateWallet().identity.peerId

/** An accountability on a hand-driven clock, recording suspensions, warnings and events. */
function harness(init: Partial<PeerAccountabilityInit> = {}) {
  let now = 1_000_000
  const suspended: Array<{ peer: string; durationMs: number }> = []
  const warnings: string[] = []
  const events: PeerSuspendedDetail[] = []
  const logger: Logger = {
    debug() {},
    info() {},
    error() {},
    warn: (msg: string) => {
      warnings.push(msg)
    },
  }
  const refused = new Map<string, number>()
  const accountability = createPeerAccountability({
    suspend: (p, durationMs) => {
      suspended.push({ peer: p.toString(), durationMs })
      refused.set(p.toString(), now + durationMs)
    },
    isSuspended: (p) => (refused.get(p.toString()) ?? 0) > now,
    score: { graylistThreshold: GRAYLIST, appSpecificWeight: 1 },
    logger,
    now: () => now,
    ...init,
  })
  accountability.addEventListener('peer:suspended', (e) => events.push(e.detail))
  const report = (r: Partial<InvalidEventReport> & Pick<InvalidEventReport, 'forwarder'>) =>
    accountability.reportInvalid({
      author: undefined,
      authorAuthorized: true,
      reason: 'not-json',
      topic: 'db_t',
      ...r,
    })
  return {
    accountability,
    suspended,
    warnings,
    events,
    report,
    advance: (ms: number) => {
      now += ms
    },
  }
}

describe('invalid events relayed by a peer that did not author them', () => {
  test('strike the signed author, never the relay, and suspend the author at strikesToSuspend', () => {
    const h = harness()
    const author = peer()
    const relay = peer()
    const verdicts = Array.from({ length: 4 }, () => h.report({ author, forwarder: relay }))
    expect(verdicts.every((v) => v.penalized === 'author' && !v.suspended && !v.rejectInGossipSub)).toBe(true)
    expect(h.suspended).toEqual([])
    expect(h.report({ author, forwarder: relay, reason: 'from-peer-mismatch' })).toMatchObject({
      suspended: true,
    })
    expect(h.suspended).toEqual([{ peer: author.toString(), durationMs: ACCOUNTABILITY_DEFAULTS.suspendMs }])
    expect(h.events).toEqual([
      {
        peerId: author.toString(),
        strikes: 5,
        reason: 'from-peer-mismatch',
        topic: 'db_t',
        durationMs: 600_000,
      },
    ])
    // One decision, logged once, naming the author (never the relay).
    expect(h.warnings).toHaveLength(1)
    expect(h.accountability.isSuspended(author)).toBe(true)
    expect(h.accountability.isSuspended(relay)).toBe(false)
    // The relay's GossipSub score is untouched, however many it forwarded.
    for (let i = 0; i < 100; i++) h.report({ author, forwarder: relay })
    expect(h.accountability.appSpecificScore(relay.toString())).toBe(0)
    expect(h.accountability.appSpecificScore(author.toString())).toBe(0)
    expect(h.accountability.metrics()).toMatchObject({ strikes: 105, suspensions: 1, invalidRelayed: 105 })
  })

  test('a spoofed from_peer cannot be laundered: the strike is on the signer, whatever the event claims', () => {
    // The messaging layer reports the signed GossipSub `from` as the author; the `from_peer` inside the
    // event (a victim's PeerId) never reaches accountability at all.
    const h = harness({ strikesToSuspend: 2 })
    const signer = peer()
    const relay = peer()
    h.report({ author: signer, forwarder: relay, reason: 'from-peer-mismatch' })
    h.report({ author: signer, forwarder: relay, reason: 'from-peer-mismatch' })
    expect(h.suspended.map((s) => s.peer)).toEqual([signer.toString()])
  })

  test('strikes are forgotten strikeMemoryMs after the last one', () => {
    const h = harness({ strikesToSuspend: 3, strikeMemoryMs: 60_000 })
    const author = peer()
    const relay = peer()
    h.report({ author, forwarder: relay })
    h.report({ author, forwarder: relay })
    h.advance(60_001)
    h.report({ author, forwarder: relay })
    expect(h.suspended).toEqual([])
    h.report({ author, forwarder: relay })
    h.report({ author, forwarder: relay })
    expect(h.suspended).toHaveLength(1)
  })

  test('a suspension ends after suspendMs; the author starts again with no strikes', () => {
    const h = harness({ strikesToSuspend: 2, suspendMs: 10_000 })
    const author = peer()
    const relay = peer()
    h.report({ author, forwarder: relay })
    h.report({ author, forwarder: relay })
    expect(h.accountability.isSuspended(author)).toBe(true)
    h.advance(10_001)
    expect(h.accountability.isSuspended(author)).toBe(false)
    h.report({ author, forwarder: relay })
    expect(h.suspended).toHaveLength(1)
  })
})

describe('invalid events sent by their own author', () => {
  test('penalise it in GossipSub (P5), quadratically, crossing the graylist at invalidEventsToGraylist', () => {
    const h = harness({ strikesToSuspend: 100 })
    const author = peer()
    const scores: number[] = []
    for (let i = 1; i <= 10; i++) {
      expect(h.report({ author, forwarder: author })).toMatchObject({
        penalized: 'author',
        rejectInGossipSub: false,
      })
      scores.push(h.accountability.appSpecificScore(author.toString()))
    }
    expect(scores[0]).toBeCloseTo((GRAYLIST * 1.01) / 100)
    expect(scores[1]).toBeCloseTo((4 * GRAYLIST * 1.01) / 100)
    expect(scores[8]).toBeGreaterThan(GRAYLIST)
    expect(scores[9]).toBeLessThan(GRAYLIST)
    expect(h.accountability.metrics().penalizedPeers).toBe(1)
  })

  test('the penalty decays as P4 does (about half in 70 s) and is forgotten', () => {
    const h = harness({ strikesToSuspend: 100 })
    const author = peer()
    h.report({ author, forwarder: author })
    const fresh = h.accountability.appSpecificScore(author.toString())
    h.advance(69_000)
    // One offence: the score is quadratic in the decayed count (0.99^69 ~ 0.5).
    expect(h.accountability.appSpecificScore(author.toString()) / fresh).toBeCloseTo(0.99 ** 138, 5)
    h.advance(600_000)
    expect(h.accountability.appSpecificScore(author.toString())).toBe(0)
    expect(h.accountability.metrics().penalizedPeers).toBe(0)
  })

  test('the score weight is divided out of appSpecificWeight', () => {
    const h = harness({
      strikesToSuspend: 100,
      score: { graylistThreshold: GRAYLIST, appSpecificWeight: 10 },
    })
    const author = peer()
    for (let i = 0; i < 10; i++) h.report({ author, forwarder: author })
    expect(h.accountability.appSpecificScore(author.toString()) * 10).toBeLessThan(GRAYLIST)
  })

  test('without a GossipSub score to feed (messaging on its own), GossipSub is asked to reject it', () => {
    const h = harness({ score: undefined, strikesToSuspend: 2, suspend: undefined, isSuspended: undefined })
    const author = peer()
    const relay = peer()
    expect(h.report({ author, forwarder: author })).toMatchObject({
      penalized: 'author',
      rejectInGossipSub: true,
    })
    expect(h.report({ author, forwarder: relay })).toMatchObject({
      penalized: 'author',
      rejectInGossipSub: false,
      suspended: true,
    })
    // Suspended locally: its events are dropped here.
    expect(h.accountability.isSuspended(author)).toBe(true)
    h.advance(ACCOUNTABILITY_DEFAULTS.suspendMs + 1)
    expect(h.accountability.isSuspended(author)).toBe(false)
  })
})

describe('invalid events whose signer no registry admits (unattributable)', () => {
  test('are free for a relay up to unattributablePerMinute, then penalise it; the allowance renews each minute', () => {
    const h = harness({ unattributablePerMinute: 3 })
    const relay = peer()
    const verdicts = Array.from({ length: 5 }, () =>
      h.report({ author: peer(), forwarder: relay, authorAuthorized: false, reason: 'unauthorized' }),
    )
    expect(verdicts.map((v) => v.penalized)).toEqual(['none', 'none', 'none', 'forwarder', 'forwarder'])
    expect(h.accountability.appSpecificScore(relay.toString())).toBeLessThan(0)
    expect(h.accountability.metrics()).toMatchObject({
      unattributable: 5,
      unattributablePenalized: 2,
      strikes: 0,
    })
    h.advance(60_000)
    expect(h.report({ author: peer(), forwarder: relay, authorAuthorized: false }).penalized).toBe('none')
    // Throwaway keys are never struck: they would fill the strike table and cost their owner nothing.
    expect(h.suspended).toEqual([])
  })

  test('an unauthorized peer that sends its own invalid events is penalised', () => {
    const h = harness()
    const sender = peer()
    expect(h.report({ author: sender, forwarder: sender, authorAuthorized: false }).penalized).toBe('author')
    expect(h.accountability.appSpecificScore(sender.toString())).toBeLessThan(0)
  })
})

test('memory is bounded: at most maxTrackedPeers authors are remembered (the least recent is forgotten)', () => {
  const h = harness({ strikesToSuspend: 3, maxTrackedPeers: 2, unattributablePerMinute: 0 })
  const author = peer()
  const relay = peer()
  h.report({ author, forwarder: relay })
  h.report({ author, forwarder: relay })
  // Two other authors push the first one out.
  h.report({ author: peer(), forwarder: relay })
  h.report({ author: peer(), forwarder: relay })
  h.report({ author, forwarder: relay })
  expect(h.suspended).toEqual([])
  // Every one of 1000 forwarders is penalised (no allowance): only the last two are remembered.
  for (let i = 0; i < 1_000; i++) h.report({ author: peer(), forwarder: peer(), authorAuthorized: false })
  expect(h.accountability.metrics()).toMatchObject({ unattributablePenalized: 1_000, penalizedPeers: 2 })
})

test('events of a suspended author: its own are penalised again, a relay’s copies are not', () => {
  const h = harness({ strikesToSuspend: 1 })
  const author = peer()
  const relay = peer()
  h.report({ author, forwarder: relay })
  expect(h.accountability.reportSuspended(author, relay).penalized).toBe('none')
  expect(h.accountability.appSpecificScore(relay.toString())).toBe(0)
  expect(h.accountability.reportSuspended(author, author).penalized).toBe('author')
  expect(h.accountability.appSpecificScore(author.toString())).toBeLessThan(0)
  const standalone = harness({ score: undefined, suspend: undefined, isSuspended: undefined })
  expect(standalone.accountability.reportSuspended(author, author).rejectInGossipSub).toBe(true)
})
