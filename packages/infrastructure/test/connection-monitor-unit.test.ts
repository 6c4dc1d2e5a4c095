import { walletToPeerId } from '@depin/identity'
import { generateWallet, waitFor } from '@depin/test-utils'
import type { Connection } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { type ConnectionMonitor, createConnectionMonitor } from '../src/connection-monitor.js'
import { PING_PROTOCOL } from '../src/ping.js'
import { createTestLogger } from './helpers.js'

// The connection monitor against stand-in connections whose ping answers each test scripts: how
// many failures close a connection, which errors are not failures, which connections are pinged.
const monitors: ConnectionMonitor[] = []
afterEach(() => {
  for (const monitor of monitors.splice(0)) monitor.stop()
})

type Answer = 'echo' | 'silent' | 'garbage' | Error
const named = (name: string): Error => Object.assign(new Error(name), { name })

/** A ping stream that answers as told: echoes, never answers, or answers wrong bytes. */
class StandInStream extends EventTarget {
  constructor(private readonly answer: Answer) {
    super()
  }
  send(data: Uint8Array): boolean {
    if (this.answer === 'silent') return true
    const reply = this.answer === 'garbage' ? data.map((b) => b ^ 0xff) : data.slice()
    setTimeout(() => this.dispatchEvent(Object.assign(new Event('message'), { data: reply })), 1)
    return true
  }
  async close(): Promise<void> {}
  abort(): void {}
}

interface StandIn {
  connection: Connection
  pings: number
  aborted: Error | undefined
}

function standIn(addr: string, answers: () => Answer, extra: Partial<Connection> = {}): StandIn {
  const state: StandIn = { connection: undefined as never, pings: 0, aborted: undefined }
  state.connection = {
    id: `conn-${Math.random()}`,
    remotePeer: walletToPeerId(generateWallet().wallet),
    remoteAddr: multiaddr(addr),
    status: 'open',
    limits: undefined,
    timeline: { open: Date.now() },
    newStream: async (protocol: string) => {
      expect(protocol).toBe(PING_PROTOCOL)
      state.pings++
      const answer = answers()
      if (answer instanceof Error) throw answer
      return new StandInStream(answer)
    },
    abort: (err: Error) => {
      state.aborted = err
      ;(state.connection as { status: string }).status = 'closed'
    },
    ...extra,
  } as unknown as Connection
  return state
}

function start(
  connections: StandIn[],
  over: {
    maxFailures?: number
    intervalMs?: number
    whenUsable?: (connection: Connection) => Promise<boolean>
  } = {},
) {
  const logger = createTestLogger('monitor-unit')
  let closed = 0
  const libp2p = Object.assign(new EventTarget(), {
    getConnections: (peer?: Connection['remotePeer']) =>
      connections.map((c) => c.connection).filter((c) => peer === undefined || c.remotePeer.equals(peer)),
  })
  const monitor = createConnectionMonitor({
    libp2p: libp2p as never,
    intervalMs: over.intervalMs ?? 40,
    timeoutMs: 60,
    maxFailures: over.maxFailures ?? 3,
    logger,
    onClose: () => {
      closed++
    },
    ...(over.whenUsable === undefined ? {} : { whenUsable: over.whenUsable }),
  })
  monitors.push(monitor)
  monitor.start()
  /** Announces a connection as libp2p does once it is open. */
  const opened = (c: StandIn): void => {
    connections.push(c)
    libp2p.dispatchEvent(new CustomEvent('connection:open', { detail: c.connection }))
  }
  return { logger, closed: () => closed, opened }
}

/** A new connection of the peer of `old`, opened `afterMs` after it (a restart takes seconds). */
const anotherTo = (old: StandIn, addr: string, answers: () => Answer, afterMs = 10_000): StandIn =>
  standIn(addr, answers, {
    remotePeer: old.connection.remotePeer,
    timeline: { open: old.connection.timeline.open + afterMs },
  } as never)

const TCP = '/ip4/127.0.0.1/tcp/4001'
const QUIC = '/ip4/127.0.0.1/udp/4001/quic-v1'

describe('connection monitor (stand-in connections)', () => {
  it('closes a connection only after maxFailures failed pings in a row, and says why', async () => {
    const silent = standIn(TCP, () => 'silent')
    const m = start([silent])
    await waitFor(() => silent.aborted !== undefined, { message: 'the silent connection was closed' })
    expect(silent.pings).toBe(3)
    expect(silent.aborted?.message).toBe('peer did not answer 3 pings in a row')
    expect(m.closed()).toBe(1)
    expect(m.logger.lines.filter((l) => l.includes('connection ping failed; will retry'))).toHaveLength(2)
    expect(m.logger.lines.some((l) => l.includes('closing connection: peer stopped answering pings'))).toBe(
      true,
    )
  })

  it('forgives failures once a ping is answered again', async () => {
    // Two failures, one answer, two failures, one answer...: never three in a row.
    let n = 0
    const flaky = standIn(TCP, () => (n++ % 3 === 2 ? 'echo' : 'silent'))
    const m = start([flaky])
    await waitFor(() => flaky.pings >= 12, { timeoutMs: 10_000, message: 'twelve pings' })
    expect(flaky.aborted).toBeUndefined()
    expect(m.closed()).toBe(0)
    expect(flaky.connection.rtt).toBeGreaterThanOrEqual(0)
  })

  it('counts a wrong answer and a failed stream open as failures', async () => {
    const garbage = standIn(TCP, () => 'garbage')
    const refused = standIn(TCP, () => named('StreamResetError'))
    start([garbage, refused])
    await waitFor(() => garbage.aborted !== undefined && refused.aborted !== undefined, {
      message: 'both closed',
    })
  })

  it('a collision with another ping, or a peer without ping, is not a failure', async () => {
    const busy = standIn(TCP, () => named('TooManyOutboundProtocolStreamsError'))
    const noPing = standIn(TCP, () => named('UnsupportedProtocolError'))
    const silent = standIn(TCP, () => 'silent')
    start([busy, noPing, silent], { maxFailures: 2 })
    // By the time a silent connection is closed after 2 failures, the busy one was tried at least
    // as often: it must still be open.
    await waitFor(() => silent.aborted !== undefined && busy.pings >= 3, {
      message: 'silent closed, busy tried 3 times',
    })
    expect(busy.aborted).toBeUndefined()
    expect(noPing.aborted).toBeUndefined()
    expect(noPing.pings).toBeGreaterThanOrEqual(1)
  })

  it('leaves direct QUIC connections and limited (relayed) ones alone; pings relayed QUIC ones', async () => {
    const quic = standIn(QUIC, () => 'silent')
    const limited = standIn(`${TCP}/p2p-circuit`, () => 'silent', { limits: { bytes: 1n } } as never)
    const relayedOverQuic = standIn(
      `${QUIC}/p2p/${walletToPeerId(generateWallet().wallet)}/p2p-circuit`,
      () => 'silent',
    )
    start([quic, limited, relayedOverQuic])
    await waitFor(() => relayedOverQuic.aborted !== undefined, { message: 'the relayed connection closed' })
    expect(quic.pings).toBe(0)
    expect(limited.pings).toBe(0)
  })

  it('spreads the first pings over the first interval instead of pinging every connection at once', async () => {
    const connections = Array.from({ length: 40 }, () => standIn(TCP, () => 'echo'))
    start(connections, { intervalMs: 1_000 })
    // Sample the number of connections pinged at least once: it must rise in steps, not jump 0 -> 40.
    const seen = new Set<number>()
    await waitFor(
      () => {
        seen.add(connections.filter((c) => c.pings > 0).length)
        return connections.every((c) => c.pings > 0)
      },
      { timeoutMs: 5_000, intervalMs: 20, message: 'every connection pinged once' },
    )
    expect(seen.size).toBeGreaterThan(3)
  })

  it('closes the old connection of a peer that connected anew when it does not answer one ping', async () => {
    // A crashed and restarted peer: its old QUIC connection is silent (direct QUIC: never pinged
    // on a schedule), the new one is alive.
    const old = standIn(QUIC, () => 'silent')
    const m = start([old])
    const fresh = anotherTo(old, QUIC, () => 'echo')
    m.opened(fresh)
    await waitFor(() => old.aborted !== undefined, { message: 'the superseded connection closed' })
    expect(old.aborted?.message).toBe('superseded by a new connection of the same peer; no ping answer')
    expect(old.pings).toBe(1)
    expect(fresh.aborted).toBeUndefined()
    expect(fresh.pings).toBe(0)
    expect(m.closed()).toBe(1)
    expect(m.logger.lines.some((l) => l.includes('closing a superseded connection'))).toBe(true)
  })

  it('keeps an old connection that answers, one whose new connection closed first, and other peers', async () => {
    // A live peer that opened a second connection: the older one answers its ping and stays.
    const answering = standIn(QUIC, () => 'echo')
    // Both ends dialing each other at once: two connections opened within a second; the older one
    // answers (it gets the monitor's whole ping timeout, not the 5 s).
    const crossed = standIn(QUIC, () => 'echo')
    // Closing already when pinged, or reset by the peer (alive): neither is silence.
    const closing = standIn(QUIC, () => named('ConnectionClosedError'))
    const reset = standIn(QUIC, () => named('StreamResetError'))
    // The new connection went away before the old one's ping timed out: nothing shows the peer
    // restarted, so the old connection is left to QUIC's idle timeout.
    const orphan = standIn(QUIC, () => 'silent')
    // A new connection of another peer: no ping of the first's connection.
    const bystander = standIn(QUIC, () => 'silent')
    // Closed by the time the checks above are decided (a silent one: timeout 60 ms).
    const sentinel = standIn(QUIC, () => 'silent')
    const m = start([answering, crossed, closing, reset, orphan, bystander, sentinel])
    m.opened(anotherTo(answering, QUIC, () => 'echo'))
    m.opened(anotherTo(crossed, QUIC, () => 'echo', 300))
    m.opened(anotherTo(closing, QUIC, () => 'echo'))
    m.opened(anotherTo(reset, QUIC, () => 'echo'))
    const gone = anotherTo(orphan, TCP, () => 'echo')
    m.opened(gone)
    ;(gone.connection as { status: string }).status = 'closed'
    m.opened(standIn(QUIC, () => 'echo'))
    m.opened(anotherTo(sentinel, QUIC, () => 'echo'))
    await waitFor(() => sentinel.aborted !== undefined, { message: 'the sentinel connection closed' })
    expect(answering.pings).toBe(1)
    expect(answering.aborted).toBeUndefined()
    expect(crossed.pings).toBe(1)
    expect(crossed.aborted).toBeUndefined()
    expect(closing.pings).toBe(1)
    expect(closing.aborted).toBeUndefined()
    expect(reset.pings).toBe(1)
    expect(reset.aborted).toBeUndefined()
    expect(orphan.pings).toBe(1)
    expect(orphan.aborted).toBeUndefined()
    expect(bystander.pings).toBe(0)
    expect(m.closed()).toBe(1)
  })

  it('closes a superseded connection only once its successor is usable, not if the successor closes first', async () => {
    const old = standIn(QUIC, () => 'silent')
    const other = standIn(QUIC, () => 'silent')
    const sentinel = standIn(QUIC, () => 'silent')
    // Usability (identify, or the settle time) as the test decides it, per new connection.
    const usable = new Map<Connection, (ok: boolean) => void>()
    const m = start([old, other, sentinel], {
      whenUsable: (c) => new Promise<boolean>((resolve) => usable.set(c, resolve)),
    })
    const fresh = anotherTo(old, QUIC, () => 'echo')
    const freshOther = anotherTo(other, QUIC, () => 'echo')
    m.opened(fresh)
    m.opened(freshOther)
    // Both old connections stayed silent; the monitor now waits for their successors.
    await waitFor(() => usable.has(fresh.connection) && usable.has(freshOther.connection), {
      message: 'both probes waiting for the new connection to be usable',
    })
    expect(old.aborted).toBeUndefined()
    usable.get(freshOther.connection)?.(false)
    usable.get(fresh.connection)?.(true)
    await waitFor(() => old.aborted !== undefined, { message: 'the superseded connection closed' })
    // Decided after `other` (same path, later): `other` must still be open.
    const freshSentinel = anotherTo(sentinel, QUIC, () => 'echo')
    m.opened(freshSentinel)
    await waitFor(() => usable.has(freshSentinel.connection), { message: 'the sentinel probe waiting' })
    usable.get(freshSentinel.connection)?.(true)
    await waitFor(() => sentinel.aborted !== undefined, { message: 'the sentinel closed' })
    expect(other.aborted).toBeUndefined()
    expect(m.closed()).toBe(2)
  })

  it('pings nothing when stopped, and nothing with intervalMs 0', async () => {
    const a = standIn(TCP, () => 'echo')
    const logger = createTestLogger('monitor-off')
    const off = createConnectionMonitor({
      libp2p: Object.assign(new EventTarget(), { getConnections: () => [a.connection] }) as never,
      intervalMs: 0,
      timeoutMs: 50,
      maxFailures: 1,
      logger,
      onClose: () => {},
    })
    monitors.push(off)
    off.start()
    const b = standIn(TCP, () => 'echo')
    start([b])
    await waitFor(() => b.pings >= 3, { message: 'the running monitor pinged 3 times' })
    expect(a.pings).toBe(0)
  })
})
