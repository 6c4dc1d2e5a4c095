import { noopLogger } from '@depin/logger'
import { waitFor } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { createRetryLoop, type RetryLoop } from '../src/retry-loop.js'
import { createTestNetwork, routingTableSizes } from './helpers.js'

describe('retry loop (unit)', () => {
  let loop: RetryLoop | undefined
  afterEach(async () => {
    await loop?.stop()
  })

  it('never runs twice: start() while running is refused, attempts keep one cadence', async () => {
    let ready = false
    let inFlight = 0
    let maxInFlight = 0
    let attempts = 0
    loop = createRetryLoop({
      initialDelayMs: 10,
      intervalMs: 20,
      isReady: () => ready,
      attempt: async () => {
        attempts++
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        await new Promise((resolve) => setTimeout(resolve, 5))
        inFlight--
      },
      logger: noopLogger,
    })
    expect(loop.start()).toBe(true)
    for (let i = 0; i < 20; i++) expect(loop.start()).toBe(false)
    await waitFor(() => attempts >= 4, { message: 'four attempts' })
    expect(maxInFlight).toBe(1)
    ready = true
    loop.wake()
    await waitFor(() => !loop?.running, { message: 'the loop to end once ready' })
    const after = attempts
    ready = false
    expect(loop.start()).toBe(true)
    await waitFor(() => attempts > after, { message: 'a new loop after the old one ended' })
    expect(maxInFlight).toBe(1)
  })

  it('stop() aborts the attempt in flight and ends the loop', async () => {
    let aborted = false
    let began = false
    loop = createRetryLoop({
      initialDelayMs: 0,
      intervalMs: 1_000,
      isReady: () => false,
      attempt: (signal) =>
        new Promise<void>((resolve) => {
          began = true
          signal.addEventListener('abort', () => {
            aborted = true
            resolve()
          })
        }),
      logger: noopLogger,
    })
    loop.start()
    await waitFor(() => began, { message: 'an attempt in flight' })
    await loop.stop()
    expect(aborted).toBe(true)
    expect(loop.running).toBe(false)
  })
})

describe('retry loop (node)', () => {
  const net = createTestNetwork()
  afterEach(() => net.stopAll())

  it('repeated not-ready transitions never start a second loop; stop() ends it', async () => {
    // `lonely` has no bootstrap node: its retry loop runs until a peer connects to it.
    const lonely = await net.start({ name: 'lonely' })
    // Another database and a DHT client: nothing makes `lonely` dial it back on its own.
    const visitor = await net.start({
      name: 'visitor',
      database: 'other-db',
      init: { dht: { clientMode: true } },
    })
    const starts = () => lonely.logger.lines.filter((l) => l.includes('starting bootstrap retry loop')).length
    await waitFor(() => lonely.node.metrics().retryLoopRunning, { message: 'the retry loop' })

    for (let i = 0; i < 3; i++) {
      const addr = lonely.node.libp2p.getMultiaddrs()[0]
      if (addr === undefined) throw new Error('no address')
      await visitor.node.libp2p.dial(addr)
      await waitFor(() => lonely.node.isReady(), { message: 'ready' })
      await visitor.node.libp2p.hangUp(lonely.node.peerId)
      await lonely.node.libp2p.hangUp(visitor.node.peerId)
      // Forgotten, or the retry loop would dial it back as a former peer (the next test).
      await lonely.node.libp2p.peerStore.delete(visitor.node.peerId)
      await waitFor(() => !lonely.node.isReady(), { message: 'not ready' })
      // Whatever the timing, at most one loop runs, and one runs while not ready.
      await waitFor(() => lonely.node.metrics().retryLoopRunning, { message: 'a retry loop while not ready' })
    }
    const m = lonely.node.metrics()
    expect(m.notReadyTransitions).toBe(3)
    // One loop for the initial bootstrap, then at most one per not-ready transition.
    expect(m.retryLoopsStarted).toBeLessThanOrEqual(4)
    expect(starts()).toBe(m.retryLoopsStarted)

    // stop() ends the running loop (that no timer is left is checked in leaks.test.ts).
    expect(lonely.node.metrics().retryLoopRunning).toBe(true)
    await lonely.node.stop()
    expect(lonely.node.metrics().retryLoopRunning).toBe(false)
  })

  it('with no bootstrap node to dial, the retry loop reconnects to a former peer', async () => {
    // `lonely` has no bootstrap list; a peer that dialed it once is all it knows.
    const lonely = await net.start({ name: 'lonely' })
    // `former` keeps another peer, so it stays ready and runs no retry loop, and with that peer it
    // has the peers its rendezvous wants (targetPeers 1), so no lookup of its own redials lonely
    // either: only lonely redials. (Its lookup after a peer leaves once reached lonely through the
    // DHT 31 ms after the hang-up, before lonely's retry loop started: a CI failure.)
    const former = await net.start({
      name: 'former',
      init: { dht: { clientMode: true }, rendezvous: { targetPeers: 1 } },
    })
    const anchor = await net.start({ name: 'anchor', init: { dht: { clientMode: true } } })
    const formerAddr = former.node.libp2p.getMultiaddrs()[0]
    const addr = lonely.node.libp2p.getMultiaddrs()[0]
    if (addr === undefined || formerAddr === undefined) throw new Error('no address')
    await anchor.node.libp2p.dial(formerAddr)
    await former.node.libp2p.dial(addr)
    await waitFor(() => lonely.node.isReady() && former.node.isReady(), { message: 'ready' })
    // Nor does former's DHT: it pings a new contact before taking it, and a ping queued before the
    // hang-up and run after it redials lonely (a CI failure). Lonely is its one DHT server.
    await waitFor(() => Object.values(routingTableSizes(former.node)).every((size) => size === 1), {
      message: "former's DHTs to take lonely (their contact ping done)",
    })

    await lonely.node.libp2p.hangUp(former.node.peerId)
    await waitFor(() => lonely.node.metrics().notReadyTransitions === 1, { message: 'not ready' })
    await waitFor(() => lonely.node.isReady(), {
      message: 'ready again, by its retry loop',
      timeoutMs: 10_000,
    })
    expect(lonely.node.metrics().retryKnownPeersConnected).toBeGreaterThanOrEqual(1)
    expect(former.node.metrics().notReadyTransitions).toBe(0)
  })
})
