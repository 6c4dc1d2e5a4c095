import { type BootstrapNode, connect, type Database } from '@depin/pubsub'
import { createTestLibp2p, generateWallets, waitFor } from '@depin/test-utils'
import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { bootstrapEntryOf, fastNodeOptions } from '../src/network.js'

// Runs with --expose-gc (vitest.config.ts): QUIC client sockets close only when collected, and
// libp2p keeps a timer for about 1 s after a connection or node stops (docs/toolchain.md). Handles are
// counted after gc() and awaited (bounded) back to the baseline; heap growth is measured after gc().
const DIAL_CYCLES = 500
const DATABASE_CYCLES = Number(process.env.LEAK_DATABASE_CYCLES ?? 200)
const CLIENTS = 25
const HEAP_GROWTH_BOUND_MB = 16

const gc = (): void => (globalThis as { gc?: () => void }).gc?.()

function handles(): string[] {
  gc()
  return process.getActiveResourcesInfo().sort()
}

function heapMb(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed / 1_048_576
}

/** The handles in `now` beyond those in `baseline` (a multiset difference). */
function difference(now: string[], baseline: string[]): string[] {
  const left = [...baseline]
  return now.filter((h) => {
    const i = left.indexOf(h)
    if (i === -1) return true
    left.splice(i, 1)
    return false
  })
}

// A running node's periodic timers (GossipSub heartbeat, refresh, rendezvous, DHT) come and go,
// so timers are allowed this much jitter around the baseline; a per-cycle leak would show hundreds.
const TIMER_JITTER = 5

const isTimer = (h: string): boolean => h === 'Timeout' || h === 'Immediate'

/** Handles beyond the baseline: sockets, servers, etc. strictly, timers beyond the jitter. */
function excess(baseline: string[]): { sockets: string[]; timers: number } {
  const extra = difference(handles(), baseline)
  const timers = extra.filter(isTimer).length
  return { sockets: extra.filter((h) => !isTimer(h)), timers: Math.max(0, timers - TIMER_JITTER) }
}

/** Waits (bounded) until the handles are back to the baseline; returns what is left above it. */
async function handlesBackTo(baseline: string[]): Promise<{ sockets: string[]; timers: number }> {
  await waitFor(
    () => {
      const e = excess(baseline)
      return e.sockets.length === 0 && e.timers === 0
    },
    { timeoutMs: 10_000, intervalMs: 100 },
  ).catch(() => undefined)
  return excess(baseline)
}

const open: Array<{ stop(): Promise<unknown> }> = []
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((o) => o.stop()))
})

async function longLivedPeer(wallets: string[]): Promise<{ db: Database; entry: BootstrapNode }> {
  const [peer] = generateWallets(1)
  if (peer === undefined) throw new Error('no wallet')
  const db = await connect({
    walletPrivateKey: peer.secretKeyBase58,
    databaseName: 'leak',
    getAuthorizedWallets: async () => [peer.wallet, ...wallets],
    getBootstrapNodes: async () => [],
    listenHost: '127.0.0.1',
    listenPorts: { quic: 0, tcp: 0 },
    // Clients redial from a few loopback addresses faster than libp2p's default 5 inbound
    // connections per second per IP; a refused dial is not what these tests measure.
    node: fastNodeOptions({ connectionLimits: { inboundPerHostPerSecond: 1_000 } }),
  })
  open.push({ stop: () => db.disconnect() })
  return { db, entry: bootstrapEntryOf(db) }
}

describe('leaks', () => {
  it(`${DIAL_CYCLES} dial/hang-up cycles against a long-lived node return handles to baseline`, {
    timeout: 120_000,
  }, async () => {
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('function')
    const clientWallets = generateWallets(CLIENTS)
    const { db } = await longLivedPeer(clientWallets.map((w) => w.wallet))
    const target = multiaddr(db.multiaddrs().find((a) => a.includes('/tcp/')) ?? '')
    const clients: Libp2p[] = []
    for (const [i, w] of clientWallets.entries()) {
      const node = await createTestLibp2p({
        privateKey: w.identity.privateKey,
        transports: ['tcp'],
        // One source address per client, so the cycles also cover many remote hosts.
        tcpLocalAddress: `127.0.4.${i + 1}`,
        options: { addresses: { listen: [] } },
      })
      clients.push(node)
      open.push({ stop: async () => node.stop() })
    }
    const cycle = async (i: number): Promise<void> => {
      const client = clients[i % CLIENTS]
      if (client === undefined) return
      const connection = await client.dial(target, { signal: AbortSignal.timeout(10_000) })
      await client.hangUp(connection.remotePeer)
    }
    // Warm-up: every client once, so lazily created state (peer store entries, pools) exists.
    for (let i = 0; i < CLIENTS; i++) await cycle(i)
    await waitFor(() => db.peers().length === 0, { message: 'warm-up connections closed' })
    const baseline = handles()
    const heapBefore = heapMb()
    const started = performance.now()
    for (let i = 0; i < DIAL_CYCLES; i++) await cycle(i)
    const cyclesMs = Math.round(performance.now() - started)
    await waitFor(() => db.peers().length === 0, { message: 'every connection closed' })
    const left = await handlesBackTo(baseline)
    const after = handles().length
    const heapGrowthMb = Number((heapMb() - heapBefore).toFixed(2))
    const extra = difference(handles(), baseline)
    console.log(
      `[reliability] leak-dial ${JSON.stringify({ cycles: DIAL_CYCLES, cyclesMs, handlesBefore: baseline.length, handlesAfter: after, heapBeforeMb: Number(heapBefore.toFixed(1)), heapGrowthMb, extra })}`,
    )
    expect(left).toEqual({ sockets: [], timers: 0 })
    expect(heapGrowthMb).toBeLessThan(HEAP_GROWTH_BOUND_MB)
  })

  it(`${DATABASE_CYCLES} connect()/disconnect() cycles of a Database return handles to baseline`, {
    timeout: 120_000,
  }, async () => {
    const pool = generateWallets(5)
    const { db, entry } = await longLivedPeer(pool.map((w) => w.wallet))
    const cycle = async (i: number): Promise<void> => {
      const w = pool[i % pool.length]
      if (w === undefined) return
      const client = await connect({
        walletPrivateKey: w.secretKeyBase58,
        databaseName: 'leak',
        getAuthorizedWallets: async () => [db.wallet, ...pool.map((p) => p.wallet)],
        getBootstrapNodes: async () => [entry],
        // QUIC dials leave from the listening socket: one source address per wallet (rate limit).
        listenHost: `127.0.5.${(i % pool.length) + 1}`,
        listenPorts: { quic: 0, tcp: 0 },
        node: fastNodeOptions(),
      })
      try {
        await client.waitUntilReady({ signal: AbortSignal.timeout(10_000) })
      } finally {
        await client.disconnect()
      }
    }
    for (let i = 0; i < pool.length; i++) await cycle(i)
    await waitFor(() => db.peers().length === 0, { message: 'warm-up peers gone' })
    const baseline = handles()
    const heapBefore = heapMb()
    const started = performance.now()
    for (let i = 0; i < DATABASE_CYCLES; i++) await cycle(i)
    const cyclesMs = Math.round(performance.now() - started)
    await waitFor(() => db.peers().length === 0, { message: 'every client gone' })
    const left = await handlesBackTo(baseline)
    const after = handles().length
    const heapGrowthMb = Number((heapMb() - heapBefore).toFixed(2))
    const extra = difference(handles(), baseline)
    console.log(
      `[reliability] leak-database ${JSON.stringify({ cycles: DATABASE_CYCLES, cyclesMs, handlesBefore: baseline.length, handlesAfter: after, heapBeforeMb: Number(heapBefore.toFixed(1)), heapGrowthMb, extra })}`,
    )
    expect(left).toEqual({ sockets: [], timers: 0 })
    expect(heapGrowthMb).toBeLessThan(HEAP_GROWTH_BOUND_MB)
  })
})
