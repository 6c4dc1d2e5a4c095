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
  /** How long ago the peer's connection opened. */
  openedMsAgo?: number
}

function standIn(peer: PeerId, calls: Call[], options: StandInOptions = {}) {
  const { openMs = 0, known = true, protocols = [GOSSIPSUB], openedMsAgo = 60_000 } = options
  const events = new EventTarget()
  const connection = {
    remotePeer: peer,
    status: 'open',
    limits: undefined,
    timeline: { open: Date.now() - openedMsAgo },
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

/** Runs the check against a stand-in until it reconnects the peer; what it did on the way. */
async function untilReconnect(
  name: string,
  options: StandInOptions & { intervalMs: number; graceMs: number },
): Promise<{ peer: PeerId; calls: Call[]; logger: ReturnType<typeof createTestLogger>; repairs: number }> {
  const peer = walletToPeerId(generateWallet().wallet)
  const calls: Call[] = []
  const logger = createTestLogger(name)
  const result = { peer, calls, logger, repairs: 0 }
  const watch = createPubsubLinkWatch({
    libp2p: standIn(peer, calls, options) as never,
    intervalMs: options.intervalMs,
    graceMs: options.graceMs,
    dialTimeoutMs: 1_000,
    logger,
    onRepair: () => result.repairs++,
  })
  watches.push(watch)
  watch.start()
  await waitFor(() => calls.some((c) => c.what === 'dial'), { timeoutMs: 10_000, message: 'a reconnect' })
  return result
}

/** Each of `steps`, then the hang-up of the reconnect, came at least `gapMs` after the one before. */
function expectSpaced(steps: Call[], calls: Call[], gapMs: number): void {
  const hangUp = calls.find((c) => c.what === 'hangUp')
  expect(hangUp).toBeDefined()
  for (const [i, next] of [...steps.slice(1), hangUp].entries()) {
    expect((next?.at ?? 0) - (steps[i]?.at ?? 0)).toBeGreaterThanOrEqual(gapMs)
  }
}

describe('GossipSub link check (stand-in libp2p)', () => {
  it('reopens three times, graceMs apart, then reconnects when the stream is still missing', async () => {
    const graceMs = 300
    const { peer, calls, logger, repairs } = await untilReconnect('links-unit', { intervalMs: 50, graceMs })
    const reopens = calls.filter((c) => c.what === 'reopen')
    expect(reopens).toHaveLength(3)
    expect(calls.some((c) => c.what === 'queued')).toBe(false)
    expectSpaced(reopens, calls, graceMs)
    expect(repairs).toBe(4)
    expect(
      logger.lines.some((l) => l.includes('reopening its streams') && l.includes('outbound stream')),
    ).toBe(true)
    expect(logger.lines.some((l) => l.includes('reconnecting') && l.includes(peer.toString()))).toBe(true)
  })

  it('waits for a reopen that is still negotiating before reopening again or reconnecting', async () => {
    const graceMs = 100
    const openMs = 600 // each stream open takes 6 x graceMs
    const { calls } = await untilReconnect('links-pending', { intervalMs: 25, graceMs, openMs })
    const reopens = calls.filter((c) => c.what === 'reopen')
    expect(reopens).toHaveLength(3)
    // Each step starts only once the previous open settled (openMs) and graceMs passed.
    expectSpaced(reopens, calls, openMs + graceMs)
  })

  it('identifies again a connected peer GossipSub never heard of, three times, then reconnects', async () => {
    const graceMs = 200
    // Identify failed on both ends: the registrar never told GossipSub, nor did the peer open a stream.
    const { peer, calls, logger, repairs } = await untilReconnect('links-identify', {
      intervalMs: 25,
      graceMs,
      known: false,
      protocols: [],
    })
    const identifies = calls.filter((c) => c.what === 'identify')
    expect(identifies).toHaveLength(3)
    expect(calls.some((c) => c.what === 'reopen' || c.what === 'queued')).toBe(false)
    expectSpaced(identifies, calls, graceMs)
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
  it('looks at a peer whose old connection was superseded without waiting for its new one to age', async () => {
    // Two peers whose only connection opened just now (GossipSub may still be opening its streams:
    // left alone for graceMs), one of which just lost its older connection as superseded.
    const start = (name: string) => {
      const peer = walletToPeerId(generateWallet().wallet)
      const calls: Call[] = []
      const watch = createPubsubLinkWatch({
        libp2p: standIn(peer, calls, { openedMsAgo: 0 }) as never,
        intervalMs: 50,
        graceMs: 60_000,
        dialTimeoutMs: 1_000,
        logger: createTestLogger(name),
        onRepair: () => {},
      })
      watches.push(watch)
      watch.start()
      return { peer, calls, watch }
    }
    const young = start('links-young')
    const restarted = start('links-restarted')
    restarted.watch.superseded(restarted.peer)
    await waitFor(() => restarted.calls.some((c) => c.what === 'reopen'), { message: 'a reopen' })
    // Checked as often meanwhile, the other peer is still within its grace period.
    expect(young.calls).toHaveLength(0)
  })
})
