import { walletToPeerId } from '@depin/identity'
import { generateWallet, waitFor } from '@depin/test-utils'
import type { Connection, PeerId } from '@libp2p/interface'
import { afterEach, describe, expect, it } from 'vitest'
import { createPubsubLinkWatch, type PubsubLinkWatch } from '../src/pubsub-links.js'
import { createTestLogger } from './helpers.js'

// The link check against a stand-in libp2p whose GossipSub never gets its outbound stream back:
// what the check does when reopening does not help (a real GossipSub reopens at once).
const GOSSIPSUB = '/meshsub/1.2.0'
const watches: PubsubLinkWatch[] = []
afterEach(() => {
  for (const watch of watches.splice(0)) watch.stop()
})

interface Call {
  what: 'reopen' | 'queued' | 'hangUp' | 'dial' | 'identify'
  at: number
}

interface StandInOptions {
  /** How long each stream open takes before it fails. */
  openMs?: number
  /** Whether GossipSub knows the peer (it does unless identify never completed). */
  known?: boolean
  /** The protocols the peer store lists for the peer. */
  protocols?: string[]
}

function standIn(peer: PeerId, calls: Call[], options: StandInOptions = {}) {
  const { openMs = 0, known = true, protocols = [GOSSIPSUB] } = options
  const events = new EventTarget()
  const connection = {
    remotePeer: peer,
    status: 'open',
    limits: undefined,
    timeline: { open: Date.now() - 60_000 },
  } as unknown as Connection
  const pubsub = {
    protocols: [GOSSIPSUB],
    getPeers: () => (known ? [peer] : []),
    streamsOutbound: new Map(), // no outbound stream, ever
    streamsInbound: new Map([[peer.toString(), {}]]),
    // The stream opens directly, not through GossipSub's one-at-a-time queue (its topology handler).
    createOutboundStream: async () => {
      calls.push({ what: 'reopen', at: Date.now() })
      // A negotiation that takes openMs (a loaded peer), then fails as GossipSub's does: silently.
      if (openMs > 0) await new Promise((resolve) => setTimeout(resolve, openMs))
    },
    onPeerConnected: () => calls.push({ what: 'queued', at: Date.now() }),
  }
  // Identify never completes (the peer's end is too loaded to answer in time).
  const identify = {
    identify: async () => {
      calls.push({ what: 'identify', at: Date.now() })
      throw new Error('test: identify timed out')
    },
  }
  return {
    connection,
    events,
    addEventListener: events.addEventListener.bind(events),
    removeEventListener: events.removeEventListener.bind(events),
    services: { pubsub, identify },
    getConnections: () => [connection],
    peerStore: { get: async () => ({ protocols }) },
    hangUp: async () => {
      calls.push({ what: 'hangUp', at: Date.now() })
    },
    dial: async () => {
      calls.push({ what: 'dial', at: Date.now() })
      return connection
    },
  }
}

describe('GossipSub link check (stand-in libp2p)', () => {
  it('reopens three times, graceMs apart, then reconnects when the stream is still missing', async () => {
    const peer = walletToPeerId(generateWallet().wallet)
    const calls: Call[] = []
    const logger = createTestLogger('links-unit')
    let repairs = 0
    const graceMs = 300
    const watch = createPubsubLinkWatch({
      libp2p: standIn(peer, calls) as never,
      intervalMs: 50,
      graceMs,
      dialTimeoutMs: 1_000,
      logger,
      onRepair: () => repairs++,
    })
    watches.push(watch)
    watch.start()
    await waitFor(() => calls.some((c) => c.what === 'dial'), { timeoutMs: 10_000, message: 'a reconnect' })
    const reopens = calls.filter((c) => c.what === 'reopen')
    const hangUp = calls.find((c) => c.what === 'hangUp')
    expect(hangUp).toBeDefined()
    expect(reopens).toHaveLength(3)
    expect(calls.some((c) => c.what === 'queued')).toBe(false)
    for (const [i, next] of [...reopens.slice(1), hangUp].entries()) {
      expect((next?.at ?? 0) - (reopens[i]?.at ?? 0)).toBeGreaterThanOrEqual(graceMs)
    }
    expect(repairs).toBe(4)
    expect(
      logger.lines.some((l) => l.includes('reopening its streams') && l.includes('outbound stream')),
    ).toBe(true)
    expect(logger.lines.some((l) => l.includes('reconnecting') && l.includes(peer.toString()))).toBe(true)
  })

  it('waits for a reopen that is still negotiating before reopening again or reconnecting', async () => {
    const peer = walletToPeerId(generateWallet().wallet)
    const calls: Call[] = []
    const graceMs = 100
    const openMs = 600 // each stream open takes 6 x graceMs
    const watch = createPubsubLinkWatch({
      libp2p: standIn(peer, calls, { openMs }) as never,
      intervalMs: 25,
      graceMs,
      dialTimeoutMs: 1_000,
      logger: createTestLogger('links-pending'),
      onRepair: () => {},
    })
    watches.push(watch)
    watch.start()
    await waitFor(() => calls.some((c) => c.what === 'dial'), { timeoutMs: 10_000, message: 'a reconnect' })
    const reopens = calls.filter((c) => c.what === 'reopen')
    const hangUp = calls.find((c) => c.what === 'hangUp')
    expect(reopens).toHaveLength(3)
    // Each step starts only once the previous open settled (openMs) and graceMs passed.
    for (const [i, next] of [...reopens.slice(1), hangUp].entries()) {
      expect((next?.at ?? 0) - (reopens[i]?.at ?? 0)).toBeGreaterThanOrEqual(openMs + graceMs)
    }
  })

  it('identifies again a connected peer GossipSub never heard of, three times, then reconnects', async () => {
    const peer = walletToPeerId(generateWallet().wallet)
    const calls: Call[] = []
    const logger = createTestLogger('links-identify')
    let repairs = 0
    const graceMs = 200
    // Identify failed on both ends: the registrar never told GossipSub, nor did the peer open a stream.
    const watch = createPubsubLinkWatch({
      libp2p: standIn(peer, calls, { known: false, protocols: [] }) as never,
      intervalMs: 25,
      graceMs,
      dialTimeoutMs: 1_000,
      logger,
      onRepair: () => repairs++,
    })
    watches.push(watch)
    watch.start()
    await waitFor(() => calls.some((c) => c.what === 'dial'), { timeoutMs: 10_000, message: 'a reconnect' })
    const identifies = calls.filter((c) => c.what === 'identify')
    const hangUp = calls.find((c) => c.what === 'hangUp')
    expect(identifies).toHaveLength(3)
    expect(calls.some((c) => c.what === 'reopen' || c.what === 'queued')).toBe(false)
    for (const [i, next] of [...identifies.slice(1), hangUp].entries()) {
      expect((next?.at ?? 0) - (identifies[i]?.at ?? 0)).toBeGreaterThanOrEqual(graceMs)
    }
    expect(repairs).toBe(4)
    expect(logger.lines.some((l) => l.includes('identifying it again') && l.includes(peer.toString()))).toBe(
      true,
    )
  })

  it('leaves alone a peer that identified and does not speak GossipSub', async () => {
    const peer = walletToPeerId(generateWallet().wallet)
    const calls: Call[] = []
    const libp2p = standIn(peer, calls, { known: false, protocols: ['/ipfs/kad/1.0.0'] })
    let checks = 0
    const watch = createPubsubLinkWatch({
      libp2p: {
        ...libp2p,
        getConnections: () => {
          checks++
          return libp2p.getConnections()
        },
      } as never,
      intervalMs: 10,
      graceMs: 10,
      dialTimeoutMs: 1_000,
      logger: createTestLogger('links-other'),
      onRepair: () => {},
    })
    watches.push(watch)
    watch.start()
    libp2p.events.dispatchEvent(
      new CustomEvent('peer:identify', { detail: { peerId: peer, connection: libp2p.connection } }),
    )
    // Twenty checks past the grace period: no identify, reopen or reconnect.
    await waitFor(() => checks >= 20, { timeoutMs: 10_000, message: 'twenty checks' })
    expect(calls).toEqual([])
  })
})
