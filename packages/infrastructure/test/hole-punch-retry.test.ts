// The hole punch retry alone, with connections, a clock and DCUtR's run faked: who is punched
// again, when, and what is never punched (outbound or direct connections, DCUtR's own run).

import { walletToPeerId } from '@depin/identity'
import { generateWallets } from '@depin/test-utils'
import type { Connection, PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { DCUTR_RUN_MS, HolePunchRetry, MAX_HOLE_PUNCH_RETRY_MS } from '../src/hole-punch-retry.js'
import { createTestLogger } from './helpers.js'

const [alice, bob] = generateWallets(2).map((w) => walletToPeerId(w.wallet)) as [PeerId, PeerId]
const RELAY =
  '/ip6/3fff:0:d::100/tcp/4002/p2p/12D3KooWDj8MEjHbapQepuY7QrDanjua4KaYRZBVKCCJ3Q4ejAAA/p2p-circuit'
const RETRY_MS = 60_000

function connection(peer: PeerId, relayed: boolean, direction: 'inbound' | 'outbound', openedAt = 0) {
  return {
    remotePeer: peer,
    remoteAddr: multiaddr(relayed ? `${RELAY}/p2p/${peer}` : '/ip6/3fff:0:d::11/tcp/4002'),
    direction,
    status: 'open',
    timeline: { open: openedAt },
  } as unknown as Connection
}

/** Lets queued promise callbacks run (the punch starts and ends in them). */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}

function harness(upgrade?: (c: Connection) => Promise<void>) {
  const clock = { now: DCUTR_RUN_MS }
  const connections: Connection[] = []
  const punched: Connection[] = []
  let settle: ((failed: boolean) => void) | undefined
  const retry = new HolePunchRetry({
    retryMs: RETRY_MS,
    connections: () => connections,
    upgrade:
      upgrade ??
      (async (c) => {
        punched.push(c)
        const failed = await new Promise<boolean>((resolve) => {
          settle = resolve
        })
        if (failed) throw new Error('All multiaddr dials failed')
      }),
    logger: createTestLogger('hole-punch'),
    now: () => clock.now,
  })
  /** Ends the punch in flight (failed or not). */
  const finish = async (failed: boolean): Promise<void> => {
    settle?.(failed)
    settle = undefined
    await flush()
  }
  /** Moves the clock and checks, as the observer's timer does. */
  const checkAt = async (now: number): Promise<void> => {
    clock.now = now
    retry.check()
    await flush()
  }
  return { retry, clock, connections, punched, finish, checkAt }
}

describe('hole punch retry', () => {
  it('punches a relayed-only peer again after retryMs, then waits twice as long each time, up to the maximum', async () => {
    const h = harness()
    const relayed = connection(alice, true, 'inbound')
    h.connections.push(relayed)
    const seen = h.clock.now
    await h.checkAt(seen)
    expect(h.punched).toHaveLength(0) // first seen: DCUtR's own run had its chance
    await h.checkAt(seen + RETRY_MS - 1)
    expect(h.punched).toHaveLength(0)
    await h.checkAt(seen + RETRY_MS)
    expect(h.punched).toEqual([relayed])
    await h.checkAt(seen + 10 * RETRY_MS)
    expect(h.punched).toHaveLength(1) // one punch in flight per peer
    const waits: number[] = []
    for (let i = 0; i < 6; i++) {
      await h.finish(true)
      const endedAt = h.clock.now
      let waited = 0
      const before = h.punched.length
      while (h.punched.length === before && waited < 60 * RETRY_MS) {
        waited += RETRY_MS / 2
        await h.checkAt(endedAt + waited)
      }
      waits.push(waited)
    }
    expect(waits).toEqual([2, 4, 8, 15, 15, 15].map((m) => m * RETRY_MS))
    expect(MAX_HOLE_PUNCH_RETRY_MS).toBe(15 * RETRY_MS)
    expect(h.retry.punches).toBe(7)
  })

  it("on its timer never punches an outbound relayed connection, a peer with a direct connection, or during DCUtR's own run", async () => {
    const h = harness()
    h.connections.push(connection(alice, true, 'outbound'))
    h.connections.push(connection(bob, true, 'inbound'), connection(bob, false, 'inbound'))
    for (let i = 1; i <= 20; i++) await h.checkAt(i * RETRY_MS)
    expect(h.punched).toHaveLength(0)
    h.retry.soon()
    await flush()
    expect(h.punched).toHaveLength(1) // a new address is offered to alice once (below)
    h.punched.length = 0
    await h.finish(true)
    // a relayed-only peer whose connection is younger than DCUtR's own run: once it is over
    const young = connection(alice, true, 'inbound', h.clock.now - DCUTR_RUN_MS + 1)
    h.connections.splice(0, h.connections.length, young)
    h.retry.soon()
    await flush()
    expect(h.punched).toHaveLength(0)
    await h.checkAt(h.clock.now + 1)
    expect(h.punched).toEqual([young])
    // an older relayed connection is not punched while a younger one to the same peer, either way,
    // may carry libp2p's own run (the other end's, here)
    await h.finish(true)
    const older = connection(bob, true, 'inbound', h.clock.now - 10 * RETRY_MS)
    const newer = connection(bob, true, 'outbound', h.clock.now - DCUTR_RUN_MS + 1)
    h.connections.splice(0, h.connections.length, older, newer)
    h.retry.soon()
    await flush()
    expect(h.punched).toHaveLength(1)
    await h.checkAt(h.clock.now + 1)
    expect(h.punched).toEqual([young, older])
  })

  it('a new address is offered once to a peer reached through a relay; later checks leave it alone', async () => {
    const h = harness()
    const outbound = connection(alice, true, 'outbound')
    h.connections.push(outbound)
    h.retry.soon()
    await flush()
    expect(h.punched).toEqual([outbound])
    await h.finish(true)
    for (let i = 1; i <= 40; i++) await h.checkAt(h.clock.now + RETRY_MS)
    expect(h.punched).toHaveLength(1)
  })

  it('a new address to offer punches every relayed-only peer at once; a direct connection ends the retries', async () => {
    const h = harness()
    const relayed = connection(alice, true, 'inbound')
    h.connections.push(relayed)
    h.retry.soon()
    await flush()
    expect(h.punched).toEqual([relayed])
    await h.finish(false)
    // the punch worked: a direct connection opened, the relayed one closed
    h.connections.splice(0, h.connections.length, connection(alice, false, 'outbound'))
    h.retry.soon()
    await h.checkAt(h.clock.now + 100 * RETRY_MS)
    expect(h.punched).toHaveLength(1)
  })

  it('a DCUtR run that throws at once is logged and tried again later, never thrown', async () => {
    const calls: Connection[] = []
    const h = harness((c) => {
      calls.push(c)
      throw new Error('no DCUtR service (services.dcutr) to punch holes with')
    })
    h.connections.push(connection(alice, true, 'inbound'))
    expect(() => h.retry.soon()).not.toThrow()
    await flush()
    expect(calls).toHaveLength(1)
    await h.checkAt(h.clock.now + 2 * RETRY_MS)
    expect(calls).toHaveLength(2)
  })
})
